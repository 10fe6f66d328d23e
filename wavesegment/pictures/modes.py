"""The figure of ``wavesegment explain``: the image, its segmentation and the leading modes.

Built with numpy and pillow only. A mode's phase is shown on a cyclic hue wheel and its
magnitude as brightness, so that a travelling wave reads as a rainbow and a silent unit as dark;
units outside the layer are grey.
"""

from __future__ import annotations

import numpy as np

from ..analysis.explain import Explanation
from ..io.export import overlay

# Tiles are scaled (nearest neighbour) so that the shorter side is about this many pixels.
_TILE = 192
_CAPTION = 40  # pixels above each tile for its three-line caption
_GAP = 6
# Phases of a mode that spans less than this (radians) are stretched to show their pattern:
# layer 1's top mode spans only a few milliradians. Spans below _FLAT are rounding: left as is.
_NARROW = np.pi / 2
_FLAT = 1e-8


def write_picture(path, picture: np.ndarray) -> None:
    """Write an RGB uint8 or a [0, 1] float grayscale picture as PNG, atomically."""
    from PIL import Image

    from ..io.files import atomic_path

    if picture.dtype != np.uint8:
        picture = (np.clip(picture, 0, 1) * 255).round().astype(np.uint8)
    with atomic_path(path) as temporary:
        Image.fromarray(picture).save(temporary, format="PNG")


def phase_colours(field: np.ndarray) -> np.ndarray:
    """RGB float picture of a complex field: hue = phase, brightness = sqrt of magnitude.

    NaN (units outside the layer) is drawn mid-grey.

    Examples
    --------
    >>> phase_colours(np.array([[1.0, 1j, np.nan]])).shape
    (1, 3, 3)
    """
    from skimage.color import hsv2rgb

    missing = np.isnan(field)
    magnitude = np.abs(np.where(missing, 0, field))
    peak = magnitude.max(initial=0.0)
    hsv = np.stack(
        [
            (np.angle(np.where(missing, 0, field)) + np.pi) / (2 * np.pi) % 1.0,
            np.ones(field.shape),
            np.sqrt(magnitude / peak) if peak > 0 else magnitude,
        ],
        axis=-1,
    )
    rgb = hsv2rgb(hsv)
    rgb[missing] = 0.5
    return rgb


def spread_phases(field: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre a mode's phases on their mean and, if they span less than pi/2 (but more than
    rounding), stretch them to span 0.8 pi.

    Returns the field to draw and the phase span (radians) of the units that carry at least 1%
    of the peak magnitude.
    """
    values = np.where(np.isnan(field), 0, field)
    magnitude = np.abs(values)
    centred = values * np.exp(-1j * np.angle(np.sum(values * magnitude)))
    strong = magnitude > 0.01 * magnitude.max(initial=0.0)
    span = float(np.ptp(np.angle(centred[strong]))) if strong.any() else 0.0
    if _FLAT < span < _NARROW:
        centred = magnitude * np.exp(1j * np.angle(centred) * 0.8 * np.pi / span)
    return np.where(np.isnan(field), np.nan, centred), span


def explanation_figure(image: np.ndarray, explanation: Explanation) -> np.ndarray:
    """RGB uint8 figure: row 1 the image, mask and layer-1 modes; row 2 the segmentation,
    agreement map (if sampled) and layer-2 modes, each captioned with its eigenvalue.

    Examples
    --------
    >>> from wavesegment.analysis.explain import explain
    >>> from wavesegment.evaluation.shapes import shapes_image
    >>> image, _ = shapes_image(2, seed=1)
    >>> explanation_figure(image, explain(image, seed=1)).dtype
    dtype('uint8')
    """
    from ..preparation.intensity import to_grayscale

    result = explanation.result
    gray = to_grayscale(image)
    span = np.ptp(gray)
    gray = (gray - gray.min()) / span if span > 0 else np.zeros_like(gray)
    first_row = [
        ("image", np.repeat(gray[..., None], 3, axis=2)),
        ("layer 1 background", np.repeat(result.background[..., None], 3, axis=2) * 0.8),
    ]
    second_row = [(f"{result.n_segments} segments", overlay(image, result.labels) / 255)]
    if explanation.agreement is not None:
        agreement = explanation.agreement
        second_row.append(("agreement, black = 0", np.repeat(agreement[..., None], 3, axis=2)))
    report = explanation.report
    for row, name in ((first_row, "layer1"), (second_row, "layer2")):
        if name not in report:
            continue
        layer = explanation.layers[0 if name == "layer1" else 1]
        modes = report[name]["modes"]
        for entry, field in zip(modes, layer.mode_images(len(modes)), strict=True):
            shown, span = spread_phases(field)
            stretched = " stretched" if _FLAT < span < _NARROW else ""
            caption = (
                f"L{name[-1]} mode {entry['mode']}\n|l| {entry['growth']:.4g}, "
                f"arg {entry['rotation']:.4f}\nphase span {span:.3g}{stretched}"
            )
            row.append((caption, phase_colours(shown)))
    return _grid([first_row, second_row])


def _grid(rows: list[list[tuple[str, np.ndarray]]]) -> np.ndarray:
    from PIL import Image, ImageDraw

    height, width = rows[0][0][1].shape[:2]
    scale = _TILE / min(height, width)
    tile = (max(1, round(width * scale)), max(1, round(height * scale)))
    columns = max(len(row) for row in rows)
    canvas = Image.new(
        "RGB",
        (columns * (tile[0] + _GAP) + _GAP, len(rows) * (tile[1] + _CAPTION + _GAP) + _GAP),
        "white",
    )
    draw = ImageDraw.Draw(canvas)
    for r, row in enumerate(rows):
        top = _GAP + r * (tile[1] + _CAPTION + _GAP)
        for c, (caption, picture) in enumerate(row):
            left = _GAP + c * (tile[0] + _GAP)
            pixels = (np.clip(picture, 0, 1) * 255).round().astype(np.uint8)
            canvas.paste(
                Image.fromarray(pixels).resize(tile, Image.Resampling.NEAREST),
                (left, top + _CAPTION),
            )
            draw.multiline_text((left, top), caption, fill="black", spacing=2)
    return np.asarray(canvas)
