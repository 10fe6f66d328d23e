"""Colour as the network and the grouping read it: CIELAB, and its a*, b* channels."""

from __future__ import annotations

import numpy as np

from .grid import to_grid
from .intensity import rescale_unit, to_grayscale

# A colour channel whose standard deviation is below this many Lab units (a tenth of a just
# noticeable difference) is flat: a gray picture stored as RGB has a*, b* up to 0.005.
FLAT_CHANNEL = 0.1


def cielab(image: np.ndarray, shape: tuple[int, int] | None = None) -> np.ndarray:
    """The image in CIELAB (only L* for a grayscale image), resampled to ``shape`` if given.

    Intensities are first scaled to 0..1 (minimum to maximum), so any bit depth reads alike.

    Examples
    --------
    >>> cielab(np.array([[0.0, 1.0]]))[..., 0].round(1).tolist()
    [[0.0, 100.0]]
    """
    image = np.asarray(image, dtype=np.float64)
    rgb = image[..., :3] if image.ndim == 3 and image.shape[2] >= 3 else to_grayscale(image)
    if shape is not None and shape != rgb.shape[:2]:
        rgb = to_grid(rgb, shape)
    low, high = (rgb.min(), rgb.max()) if rgb.size else (0.0, 0.0)
    channels = 3 if rgb.ndim == 3 else 1
    lab = np.empty((*rgb.shape[:2], channels), dtype=np.float32)
    # A band of rows at a time: the conversion is per pixel, and its temporaries of a
    # 16-megapixel photo would take a gigabyte.
    for start in range(0, rgb.shape[0], _BAND_ROWS):
        lab[start : start + _BAND_ROWS] = _lab(rgb[start : start + _BAND_ROWS], low, high)
    return lab


# Rows converted at once: a few megabytes of temporaries on a wide photo.
_BAND_ROWS = 256


def _lab(rgb: np.ndarray, low: float, high: float) -> np.ndarray:
    """CIELAB of RGB (or gray) intensities scaled from ``low..high`` to 0..1, as float32."""
    from skimage.color import rgb2lab  # its import takes 0.1 s: only where colour is read

    # float32 halves the time and memory of the conversion; CIELAB needs no more precision.
    rgb = rescale_unit(rgb, low, high).astype(np.float32)
    if rgb.ndim == 2:
        return rgb2lab(np.repeat(rgb[..., None], 3, axis=2))[..., :1]
    return rgb2lab(rgb)


def opponent_channels(lab: np.ndarray) -> dict[str, np.ndarray]:
    """The a* and b* channels of a CIELAB image, by name, that are not flat.

    None for a grayscale image, nor for a channel that is constant (a gray picture in RGB).
    """
    if lab.shape[2] == 1:
        return {}
    return {
        name: lab[..., c] for name, c in (("a*", 1), ("b*", 2)) if lab[..., c].std() > FLAT_CHANNEL
    }
