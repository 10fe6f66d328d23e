"""The working grid: the lattice of units the network runs on, and an image resampled to it."""

from __future__ import annotations

import numpy as np
from skimage.transform import downscale_local_mean, resize


def working_shape(shape: tuple[int, int], max_units: int | None) -> tuple[int, int]:
    """The grid the network runs on: ``shape``, or scaled down to about ``max_units`` units
    (the same factor along every axis, in any dimension).

    Examples
    --------
    >>> working_shape((321, 481), 96 * 64)
    (64, 96)
    >>> working_shape((30, 50), None)
    (30, 50)
    >>> working_shape((64, 256, 256), 96 * 64)
    (7, 29, 29)
    """
    shape = tuple(shape)
    units = int(np.prod(shape))
    if max_units is None or units <= max_units:
        return shape
    ratio = max_units / units
    scale = np.sqrt(ratio) if len(shape) == 2 else ratio ** (1 / len(shape))
    return tuple(max(1, round(n * scale)) for n in shape)


def to_grid(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``array`` resampled to the working grid ``shape``, low-passed by a Gaussian of half a grid
    cell. Its axes after those of ``shape`` (colour) are kept.

    The blur is a fixed fraction of the cell, so that a photo and its upscale (whose pixels are
    finer but whose grid is the same) come to the same grid image. Where a cell spans 16 pixels
    or more, blocks of an eighth of a cell are averaged first: the wide blur would otherwise
    cost seconds on a large photo, and a block that small changes it little.
    """
    spatial = len(shape)
    cells = [n / g for n, g in zip(array.shape[:spatial], shape, strict=True)]
    block = max(1, int(min(cells) // 8))
    if block > 1:
        whole = tuple(slice(0, n - n % block) for n in array.shape[:spatial])
        array = downscale_local_mean(
            array[whole], (block,) * spatial + (1,) * (array.ndim - spatial)
        )
    sigma = [0.5 * n / g for n, g in zip(array.shape[:spatial], shape, strict=True)]
    return resize(
        array, shape, anti_aliasing=True, anti_aliasing_sigma=sigma + [0] * (array.ndim - spatial)
    )


def to_native(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Labels or a mask of the working grid brought to the image's ``shape`` (nearest unit).

    Examples
    --------
    >>> to_native(np.array([[1, 2]], dtype=np.int32), (2, 4)).tolist()
    [[1, 1, 2, 2], [1, 1, 2, 2]]
    """
    if array.shape == tuple(shape):
        return array
    native = resize(array, shape, order=0, preserve_range=True, anti_aliasing=False)
    return native.astype(array.dtype)
