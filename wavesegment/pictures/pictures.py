"""Pictures of a segmentation: a movie of the waves, the similarity projection, the rows of a
contact sheet (:mod:`wavesegment.io.contact_sheet` reads the results they show).

Drawn with numpy and Pillow only. Segment colours are those of the overlay (:mod:`.overlay`,
scikit-image's label colours); phases use the hue circle, a cyclic colour map.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ..files import WRITER, atomic_path, write_png
from .colours import phase_colours, segment_colours, to_uint8
from .overlay import overlay

_CAPTION_HEIGHT = 16
_WHITE, _BLACK, _GREY = (255, 255, 255), (0, 0, 0), (120, 120, 120)


def _fit(picture: np.ndarray, size: int) -> np.ndarray:
    """Scale so that the longer side is ``size`` pixels, keeping sharp pixel edges."""
    from PIL import Image

    rows, cols = picture.shape[:2]
    scale = size / max(rows, cols)
    shape = (max(1, round(cols * scale)), max(1, round(rows * scale)))
    return np.asarray(Image.fromarray(picture).resize(shape, Image.Resampling.NEAREST))


def _captioned(picture: np.ndarray, caption: str, colour=_BLACK) -> np.ndarray:
    from PIL import Image, ImageDraw

    canvas = Image.new("RGB", (picture.shape[1], picture.shape[0] + _CAPTION_HEIGHT), _WHITE)
    canvas.paste(Image.fromarray(picture), (0, _CAPTION_HEIGHT))
    ImageDraw.Draw(canvas).text((2, 2), caption, fill=colour)
    return np.asarray(canvas)


def trace_every_for(
    shape: tuple[int, int], *, n_steps: int = 180, budget: float = 4e8, max_frames: int = 240
) -> int:
    """Step interval of ``segment(..., trace_every=)`` for a movie within ``budget`` bytes.

    Every second step at most; fewer for long runs (at most about ``max_frames`` frames) and
    for large images (8 bytes per pixel and kept step).

    Examples
    --------
    >>> trace_every_for((321, 481))
    2
    >>> trace_every_for((321, 481), n_steps=840)  # the natural preset reads a volume out up to 840
    4
    """
    memory = math.ceil(n_steps * shape[0] * shape[1] * 8 / budget)
    return max(2, math.ceil(n_steps / max_frames), memory)


def relative_phases(phasors: np.ndarray) -> tuple[np.ndarray, float]:
    """Phasors turned so that their mean phase is 0, with small phase spreads magnified.

    The common rotation of all units carries no information, and layer 1 separates the
    background by phase differences of about 1e-5 rad: to make them visible, the differences
    are multiplied by a gain that spreads 99 % of the units over half the colour circle.
    Returns the phasors to draw and the gain (1 when the spread is already large).
    """
    active = np.abs(phasors) > 0
    mean = phasors[active].mean() if active.any() else 0
    if abs(mean) == 0:
        return phasors, 1.0
    deviation = np.angle(phasors * np.conj(mean))
    spread = np.percentile(np.abs(deviation[active]), 99)
    gain = 1.0 if spread >= np.pi / 2 or spread == 0 else float(np.pi / 2 / spread)
    return np.where(active, np.exp(1j * gain * deviation), 0), gain


def wave_movie_frames(result, *, size: int = 320) -> list[np.ndarray]:
    """Frames of the phase dynamics of both layers, from a ``segment(..., trace_every=k)``.

    Layer 1 (all units) comes first, then layer 2 (foreground only; the background is black).
    Phases are drawn relative to their mean, magnified where they are close (see
    :func:`relative_phases`). Each frame is captioned with its layer, its step (numbered as in
    :mod:`wavesegment.segmentation`) and the gain.
    """
    if result.grid.trace is None:
        raise ValueError("the result holds no trace: segment with trace_every > 0")
    every = result.parameters["trace_every"]
    layer1_steps = result.parameters["layer1_steps"]
    frames = []
    for layer, (trace, first_step) in enumerate(
        zip(result.grid.trace, (1, layer1_steps), strict=True), start=1
    ):
        for index, phasors in enumerate(trace):
            shown, gain = relative_phases(phasors)
            caption = f"layer {layer}, step {first_step + index * every}"
            caption += f", phases x{gain:.0e}" if gain > 1 else ""
            frames.append(_captioned(_fit(to_uint8(phase_colours(shown)), size), caption))
    return frames


def write_wave_movie(
    path: str | os.PathLike, result, *, size: int = 320, frame_ms: int = 60
) -> None:
    """Write :func:`wave_movie_frames` as a looping GIF, atomically.

    Examples
    --------
    >>> result = segment(image, trace_every=trace_every_for(image.shape[:2]))  # doctest: +SKIP
    >>> write_wave_movie("waves.gif", result)  # doctest: +SKIP
    """
    from PIL import Image

    frames = [Image.fromarray(frame) for frame in wave_movie_frames(result, size=size)]
    with atomic_path(path) as temporary:
        frames[0].save(
            temporary,
            format="GIF",
            save_all=True,
            append_images=frames[1:],
            duration=frame_ms,
            loop=0,
            comment=WRITER,
        )


def projection_plot(result, *, panel: int = 280, max_points: int = 20000) -> np.ndarray:
    """RGB uint8 scatter plots of the foreground units of the working grid in the similarity
    projection, the features that were clustered.

    One panel per pair of modes, each unit coloured by its phase cluster (overlay colours).
    At most ``max_points`` units are drawn (a fixed random subset), in random order so that
    no cluster is systematically hidden under another.
    """
    grid = result.grid
    features = grid.readout.projection
    labels = grid.clusters[~grid.background]
    n_modes = features.shape[1]
    order = np.random.default_rng(0).permutation(len(labels))[:max_points]
    colours = segment_colours(int(grid.clusters.max()))[labels[order]]
    pairs = [(a, b) for a in range(n_modes) for b in range(a + 1, n_modes)] or [(0, 0)]
    panels = [_scatter(features[order][:, pair], colours, panel, pair) for pair in pairs]
    return np.concatenate(panels, axis=1)


def _scatter(points: np.ndarray, colours: np.ndarray, size: int, pair) -> np.ndarray:
    margin = 20
    canvas = np.full((size, size, 3), 255, dtype=np.uint8)
    inner = size - 2 * margin
    canvas[margin - 1 : size - margin + 1, [margin - 1, size - margin]] = _GREY
    canvas[[margin - 1, size - margin], margin - 1 : size - margin + 1] = _GREY
    if len(points):
        low, high = points.min(axis=0), points.max(axis=0)
        span = np.where(high > low, high - low, 1.0)
        scaled = (points - low) / span * (inner - 3) + margin + 1
        cols, rows = scaled[:, 0].astype(int), (size - scaled[:, 1]).astype(int)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                canvas[rows + dr, cols + dc] = colours
    return _captioned(canvas, f" mode {pair[0] + 1} (x) vs mode {pair[1] + 1} (y)")


def write_projection_plot(path: str | os.PathLike, result) -> None:
    """Write :func:`projection_plot` as a PNG, atomically."""
    write_png(path, projection_plot(result))


def _display(image: np.ndarray) -> np.ndarray:
    """An image of any value range as RGB uint8, stretched to its own minimum and maximum."""
    from ..preparation.intensity import rescale_unit

    scaled = rescale_unit(image)
    rgb = scaled if scaled.ndim == 3 else np.repeat(scaled[..., None], 3, axis=2)
    return to_uint8(rgb[..., :3])


def _pad(picture: np.ndarray, size: int) -> np.ndarray:
    canvas = np.full((size, size, 3), 255, dtype=np.uint8)
    canvas[: picture.shape[0], : picture.shape[1]] = picture
    return canvas


def contact_row(image: np.ndarray | None, labels: np.ndarray, caption: str, *, size: int):
    """One row of a contact sheet: the image, its overlay and its label map, each fitted into
    a ``size``-pixel square, under ``caption``; grey tiles where there is no image (None).

    Examples
    --------
    >>> labels = np.repeat([[1] * 8 + [2] * 8], 8, axis=0)
    >>> contact_row(np.zeros((8, 16)), labels, "two halves", size=32).shape
    (48, 96, 3)
    """
    if image is None:
        pictures = [np.full(labels.shape + (3,), 200, np.uint8)] * 2
    else:
        pictures = [_display(image), overlay(image, labels)]
    pictures.append(segment_colours(int(labels.max(initial=0)))[labels])
    tiles = [_pad(_fit(picture, size), size) for picture in pictures]
    return _captioned(np.concatenate(tiles, axis=1), caption)


def failure_row(text: str, *, size: int) -> np.ndarray:
    """A row of a contact sheet that names, in red, an image that failed."""
    strip = np.full((4, 3 * size, 3), 255, np.uint8)
    return _captioned(strip, text[:110], colour=(200, 0, 0))
