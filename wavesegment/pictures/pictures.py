"""Pictures of a segmentation: a movie of the waves, the similarity projection, a contact sheet.

Drawn with numpy and Pillow only. Segment colours are those of :func:`wavesegment.io.overlay`
(scikit-image's label colours); phases use the hue circle, a cyclic colour map.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from ..io.files import WRITER, atomic_path, write_png
from .colours import phase_colours, segment_colours, to_uint8

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


def contact_sheet(
    output: str | os.PathLike, *, max_images: int = 60, size: int = 200, cut: dict | None = None
):
    """One picture of a batch's results: per image, input, overlay and labels side by side.

    Reads the sidecars under ``output`` (and, if there, the failures of ``summary.json``,
    shown as a line of red text). Returns an RGB uint8 array, or None if there is nothing.

    With ``cut`` (``{"n_regions": k}`` or ``{"threshold": level}``), each image's merge tree,
    read back from the sidecar and the leaves file that ``--hierarchy`` wrote, is cut there
    (:meth:`~wavesegment.grouping.tree.MergeTree.cut`) and that cut is drawn instead of the
    label map; ValueError naming the sidecar if an image has no hierarchy.
    """
    from ..io.overlay import overlay

    output = Path(output)
    rows = []
    for sidecar_path in sorted(output.rglob("*_segments.json"))[:max_images]:
        record, labels = _read_result(sidecar_path)
        name = sidecar_path.relative_to(output).as_posix().removesuffix("_segments.json")
        middle = len(labels) // 2 if labels.ndim == 3 else None  # a stack: its middle slice
        labels = labels[middle] if middle is not None else labels
        caption = f"{name}: {record['n_segments']} segments"
        caption += f" (slice {middle + 1})" if middle is not None else ""
        if cut is not None:
            labels = _cut_labels(sidecar_path, record, labels.shape, cut)
            caption = f"{name}: {int(labels.max())} segments, {_cut_name(cut)}"
        try:
            image = _read_input(record["input"], middle)
            pictures = [_display(image), overlay(image, labels)]
        except (OSError, ValueError):  # the input moved away since: show what is left
            pictures = [np.full(labels.shape + (3,), 200, np.uint8)] * 2
        pictures.append(segment_colours(int(labels.max(initial=0)))[labels])
        tiles = [_pad(_fit(picture, size), size) for picture in pictures]
        rows.append(_captioned(np.concatenate(tiles, axis=1), caption))
    summary = output / "summary.json"
    if summary.is_file():
        try:
            failed = [row for row in json.loads(summary.read_text())["images"] if row["error"]]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ValueError(
                f"{summary}: a damaged batch summary ({error}); rerun the batch"
            ) from None
        for row in failed[: max(0, max_images - len(rows))]:
            strip = np.full((4, 3 * size, 3), 255, np.uint8)
            rows.append(_captioned(strip, f"failed: {row['error']}"[:110], colour=(200, 0, 0)))
    return np.concatenate(rows, axis=0) if rows else None


def _read_result(sidecar_path: Path) -> tuple[dict, np.ndarray]:
    """A sidecar and its label map; ValueError naming the file if either is damaged."""
    try:
        record = json.loads(sidecar_path.read_text(encoding="utf-8"))
        labels = _read_labels(sidecar_path.parent / record["outputs"][0])
        int(record["n_segments"]), str(record["input"])
        if labels.ndim != (3 if "mode" in record else 2):  # a stack's sidecar has its mode
            raise ValueError(f"the label map is not {3 if 'mode' in record else 2}-D")
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        why = (str(error).splitlines() or [type(error).__name__])[0]
        raise ValueError(
            f"{sidecar_path}: a damaged result ({why}); rerun the image or remove the file"
        ) from None
    return record, labels


def _read_input(path: str, middle: int | None) -> np.ndarray:
    """The input image, or the slice ``middle`` of an input stack."""
    if middle is None:
        from ..io.images import read_image

        return read_image(path)
    from ..io.stacks import read_stack

    return read_stack(path).pixels[middle]


def _cut_labels(sidecar_path: Path, record: dict, shape: tuple, cut: dict) -> np.ndarray:
    """The cut ``cut`` of the merge tree that ``--hierarchy`` wrote beside ``sidecar_path``."""
    from ..io.hierarchy import read_tree

    entry = record.get("hierarchy")
    if not isinstance(entry, dict):
        raise ValueError(
            f"{sidecar_path}: this result has no hierarchy (merge tree) to cut; "
            "re-run it with --hierarchy"
        )
    try:
        tree = read_tree(entry, _read_labels(sidecar_path.parent / entry["leaves"]))
        if tree.leaves.shape != shape:
            raise ValueError(f"leaves of shape {tree.leaves.shape}, labels of {shape}")
    except (OSError, ValueError, KeyError, TypeError) as error:
        why = (str(error).splitlines() or [type(error).__name__])[0]
        raise ValueError(
            f"{sidecar_path}: a damaged hierarchy ({why}); re-run it with --hierarchy"
        ) from None
    return tree.cut(**cut)


def _cut_name(cut: dict) -> str:
    if "n_regions" in cut:
        return f"tree cut at {cut['n_regions']} regions"
    return f"tree cut under level {cut['threshold']:g}"


def _read_labels(path: Path) -> np.ndarray:
    if path.suffix == ".npy":
        return np.load(path).astype(np.int64)
    if path.suffix in (".tif", ".tiff"):
        import tifffile

        return tifffile.imread(path).astype(np.int64)
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image).astype(np.int64)


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


def write_contact_sheet(path: str | os.PathLike, output: str | os.PathLike, **options) -> bool:
    """Write :func:`contact_sheet` of ``output`` as a PNG, atomically; False if it is empty."""
    sheet = contact_sheet(output, **options)
    if sheet is None:
        return False
    write_png(path, sheet)
    return True
