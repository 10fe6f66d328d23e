"""The figure of ``wavesegment explain``: the image, its segmentation and the leading modes.

Built with numpy and pillow only. A mode's phase is shown on a cyclic hue wheel and its
magnitude as brightness, so that a travelling wave reads as a rainbow and a silent unit as dark;
units outside the layer are grey.
"""

from __future__ import annotations

import numpy as np

from ..analysis.explain import Explanation
from .colours import phase_colours, to_uint8
from .overlay import overlay

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
    from ..files import write_png

    write_png(path, picture if picture.dtype == np.uint8 else to_uint8(picture))


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
    """RGB uint8 figure of an explanation, one row per layer-1 run and one for layer 2.

    Each layer-1 row shows the channel on the working grid, the side its run cut (white:
    background) and its leading modes; the last row the segmentation at the image's size, the
    agreement map (if sampled) and the leading layer-2 modes. Modes are captioned with their
    eigenvalue.

    Examples
    --------
    >>> from wavesegment.analysis.explain import explain
    >>> from wavesegment.evaluation.shapes import shapes_image
    >>> image, _ = shapes_image(2, seed=1)
    >>> explanation_figure(image, explain(image, seed=1)).dtype
    dtype('uint8')
    """
    result, report = explanation.result, explanation.report
    grid = result.grid
    rows = []
    for channel, spectrum in explanation.layer1.items():
        side = grid.background if not rows else grid.sides[channel]
        values = result.network.channels[channel]
        row = [
            (f"{channel} on the grid", _gray(values)),
            (f"layer 1 on {channel}:\nbackground side", _gray(side * 0.8)),
        ]
        row += _mode_tiles(spectrum, report["layer1"][channel]["modes"], "L1")
        rows.append(row)
    last = [(f"{result.n_segments} segments", overlay(image, result.labels) / 255)]
    if explanation.agreement is not None:
        last.append(("agreement, black = 0", _gray(explanation.agreement)))
    if explanation.layer2 is not None:
        last += _mode_tiles(explanation.layer2, report["layer2"]["modes"], "L2")
    return _grid([*rows, last])


def _gray(values: np.ndarray) -> np.ndarray:
    from ..preparation.intensity import rescale_unit

    return np.repeat(rescale_unit(np.asarray(values, dtype=np.float64))[..., None], 3, axis=2)


def _mode_tiles(spectrum, modes: list[dict], layer: str) -> list[tuple[str, np.ndarray]]:
    tiles = []
    for entry, field in zip(modes, spectrum.mode_images(len(modes)), strict=True):
        shown, span = spread_phases(field)
        stretched = " stretched" if _FLAT < span < _NARROW else ""
        caption = (
            f"{layer} mode {entry['mode']}\n|l| {entry['growth']:.4g}, "
            f"arg {entry['rotation']:.4f}\nphase span {span:.3g}{stretched}"
        )
        tiles.append((caption, phase_colours(shown)))
    return tiles


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
            pixels = to_uint8(picture)
            canvas.paste(
                Image.fromarray(pixels).resize(tile, Image.Resampling.NEAREST),
                (left, top + _CAPTION),
            )
            draw.multiline_text((left, top), caption, fill="black", spacing=2)
    return np.asarray(canvas)
