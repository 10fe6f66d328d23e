"""The working grid: the lattice of units the network runs on, and an image resampled to it."""

from __future__ import annotations

import numpy as np
from skimage.transform import downscale_local_mean, resize


def working_shape(shape: tuple[int, int], max_units: int | None) -> tuple[int, int]:
    """The grid the network runs on: ``shape``, or scaled down to about ``max_units`` units.

    Examples
    --------
    >>> working_shape((321, 481), 96 * 64)
    (64, 96)
    >>> working_shape((30, 50), None)
    (30, 50)
    """
    rows, cols = shape
    if max_units is None or rows * cols <= max_units:
        return shape
    scale = np.sqrt(max_units / (rows * cols))
    return max(1, round(rows * scale)), max(1, round(cols * scale))


def to_grid(array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``array`` resampled to the working grid ``shape``, low-passed by a Gaussian of half a grid
    cell.

    The blur is a fixed fraction of the cell, so that a photo and its upscale (whose pixels are
    finer but whose grid is the same) come to the same grid image. Where a cell spans 16 pixels
    or more, blocks of an eighth of a cell are averaged first: the wide blur would otherwise
    cost seconds on a large photo, and a block that small changes it little.
    """
    block = max(1, int(min(n / g for n, g in zip(array.shape[:2], shape, strict=True)) // 8))
    if block > 1:
        rows, cols = (n - n % block for n in array.shape[:2])
        array = downscale_local_mean(array[:rows, :cols], (block, block) + (1,) * (array.ndim - 2))
    sigma = [0.5 * n / g for n, g in zip(array.shape[:2], shape, strict=True)]
    return resize(
        array, shape, anti_aliasing=True, anti_aliasing_sigma=sigma + [0] * (array.ndim - 2)
    )


def to_native(array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
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
