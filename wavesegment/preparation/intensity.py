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
