"""Intensities of an image as the network and the grouping read them."""

from __future__ import annotations

import numpy as np


def to_grayscale(image: np.ndarray) -> np.ndarray:
    """Luminance of an RGB(A) image (ITU-R 709 weights, as ``skimage.color.rgb2gray``)."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] in (3, 4):
        return image[..., :3] @ np.array([0.2125, 0.7154, 0.0721])
    raise ValueError(
        f"expected a 2-D grayscale or (rows, cols, 3|4) colour image, got {image.shape}"
    )


def rescale_unit(
    values: np.ndarray, low: float | None = None, high: float | None = None
) -> np.ndarray:
    """``values`` mapped linearly from their minimum and maximum onto 0..1, as float64.

    Constant values (and an empty array) give zeros. ``low`` and ``high``, if given, stand for
    the minimum and maximum (those of a whole image, when ``values`` is a band of it). The one
    min-max scaling of the package: for displays, for baselines that expect 0..1 and for
    colour conversions.

    Examples
    --------
    >>> rescale_unit(np.array([2, 4, 6])).tolist()
    [0.0, 0.5, 1.0]
    >>> rescale_unit(np.full((2, 2), 7)).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values.copy()
    low = values.min() if low is None else low
    high = values.max() if high is None else high
    return (values - low) / (high - low) if high > low else np.zeros_like(values)
