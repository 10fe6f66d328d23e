"""The colours of every picture: a cyclic hue map for phases, scikit-image's for segments."""

from __future__ import annotations

import numpy as np


def phase_colours(field: np.ndarray) -> np.ndarray:
    """RGB float picture of a complex field: hue = phase, brightness = sqrt of the magnitude
    relative to the largest (unit phasors are fully bright, silent units black); NaN (units
    outside the layer) is mid-grey.

    Examples
    --------
    >>> phase_colours(np.array([[1.0, 1j, 0, np.nan]]))[0].round(2).tolist()
    [[0.0, 1.0, 1.0], [0.5, 0.0, 1.0], [0.0, 0.0, 0.0], [0.5, 0.5, 0.5]]
    """
    from skimage.color import hsv2rgb

    missing = np.isnan(field)
    values = np.where(missing, 0, field)
    magnitude = np.abs(values)
    peak = magnitude.max(initial=0.0)
    hsv = np.stack(
        [
            (np.angle(values) + np.pi) / (2 * np.pi) % 1.0,
            np.ones(field.shape),
            np.sqrt(magnitude / peak) if peak > 0 else magnitude,
        ],
        axis=-1,
    )
    rgb = hsv2rgb(hsv)
    rgb[missing] = 0.5
    return rgb


def segment_colours(n_segments: int) -> np.ndarray:
    """(n_segments + 1, 3) uint8 colours of labels 0 (black), 1, 2, ... as in the overlay."""
    from skimage.color import label2rgb

    labels = np.arange(n_segments + 1)[None, :]
    return (label2rgb(labels, bg_label=0)[0] * 255).round().astype(np.uint8)


def to_uint8(picture: np.ndarray) -> np.ndarray:
    """A [0, 1] float picture as uint8."""
    return (np.clip(picture, 0, 1) * 255).round().astype(np.uint8)
