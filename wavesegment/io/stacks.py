"""Multi-page and 3-D TIFFs: read as a volume (one 3-D segmentation) or as frames (each page on
its own), and labels written as a 3-D 16-bit ImageJ TIFF that Fiji and napari open as it is,
with the spacing kept; the overlay is a montage of slices.

:func:`segment_stack` and :func:`write_stack_outputs` are the stack side of
:func:`wavesegment.io.single.segment_file`, which ``run`` and every file of a ``batch`` go
through.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..files import WRITER, atomic_path, write_png
from .images import TIFF_SUFFIXES, ImageError, memory_needed

#: How a stack is segmented: as the file says ("auto"), as one volume, or page by page.
STACK_MODES = ("auto", "volume", "frames")


@dataclass(frozen=True)
class Stack:
    """A TIFF's pages: (pages, rows, cols) float64, the spacing (dz, dy, dx) where the file
    gives it, and whether the file says that its pages are the planes of a volume."""

    pixels: np.ndarray
    spacing: tuple[float, float, float] | None
    is_volume: bool


@dataclass(frozen=True)
class StackResult:
    """A segmented stack: labels (pages, rows, cols), how it ran, the spacing of its outputs,
    and the parameters of each run (one for a volume, one per frame)."""

    labels: np.ndarray
    as_volume: bool
    spacing: tuple[float, float, float] | None
    parameters: list[dict]
    seconds: float


def is_stack_file(path: str | os.PathLike) -> bool:
    """True for a TIFF whose image has more than one grayscale page (planes or frames).

    Examples
    --------
    >>> is_stack_file("photo.png")
    False
    """
    if Path(path).suffix.lower() not in TIFF_SUFFIXES or not Path(path).is_file():
        return False
    import tifffile

    try:
        with tifffile.TiffFile(path) as tiff:
            if _pages_as_series(tiff):
                return True
            series = tiff.series[0]
            shape, axes = series.shape, series.axes
    except Exception:  # not a readable TIFF: the image reader says so
        return False
    # Pages of Y x X planes: not samples of one pixel ("S": colour, planar or not, or a
    # multi-channel image, which the image reader takes or refuses).
    kept = "".join(axis for axis, n in zip(axes, shape, strict=True) if n > 1)
    return len(kept) == 3 and kept.endswith("YX") and "S" not in kept


def read_stack(
    path: str | os.PathLike, *, max_pixels: int | None = None, preset: str = "natural"
) -> Stack:
    """The pages of a multi-page or 3-D TIFF, with the ImageJ spacing where present.

    A page's pixel size is 1 / the X and Y resolution; the plane distance is ImageJ's
    ``spacing``. The file is a volume if ImageJ counts ``slices`` or the series' axes have a Z.
    A stack of more than ``max_pixels`` voxels (all pages) is refused from the header, before
    its pixels are decoded.
    """
    import tifffile

    try:
        with tifffile.TiffFile(path) as tiff:
            series, by_page = tiff.series[0], _pages_as_series(tiff)
            _check_voxels(path, _stack_shape(tiff), max_pixels, preset)
            if by_page:  # written page by page: one series per page
                pixels = np.stack([np.asarray(one.asarray(), np.float64) for one in tiff.series])
            else:
                pixels = np.asarray(series.asarray(), dtype=np.float64).squeeze()
            imagej = tiff.imagej_metadata or {}
            page = tiff.pages[0]
            resolution = [page.tags.get(name) for name in ("YResolution", "XResolution")]
            axes = series.axes
    except ImageError:
        raise
    except Exception as error:
        raise ImageError(f"{path}: not a readable TIFF stack ({error})") from None
    if pixels.ndim != 3:
        raise ImageError(f"{path}: expected a stack of 2-D grayscale pages, got {pixels.shape}")
    if not np.isfinite(pixels).all():
        raise ImageError(f"{path}: NaN or infinite values: fill them first")
    pixel_size = [_size(tag.value) if tag is not None else None for tag in resolution]
    spacing = None
    if "spacing" in imagej or all(pixel_size):
        dy, dx = (size or 1.0 for size in pixel_size)
        spacing = (float(imagej.get("spacing", 1.0)), dy, dx)
    is_volume = int(imagej.get("slices", 1)) > 1 or "Z" in axes
    return Stack(pixels, spacing, is_volume)


def stack_voxels(path: str | os.PathLike) -> int | None:
    """Voxels of all the pages of a multi-page or 3-D TIFF, from its header (what reading it
    takes, and what ``max_pixels`` counts); None for any other file.

    Examples
    --------
    >>> stack_voxels("photo.png") is None
    True
    """
    if not is_stack_file(path):
        return None
    import tifffile

    try:
        with tifffile.TiffFile(path) as tiff:
            return int(np.prod(_stack_shape(tiff)))
    except Exception:  # unreadable after all: the reader says so
        return None


def _stack_shape(tiff) -> tuple[int, ...]:
    """The stack's shape without its axes of length 1, also for a TIFF written page by page."""
    series = tiff.series[0]
    if _pages_as_series(tiff):
        return (len(tiff.series), *_plane(series.shape))
    return _plane(series.shape)


def _plane(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(n for n in shape if n > 1)


def _check_voxels(path, shape: tuple[int, ...], max_pixels: int | None, preset: str) -> None:
    voxels = int(np.prod(shape))
    if max_pixels is not None and voxels > max_pixels:
        size = "x".join(map(str, shape[::-1]))
        raise ImageError(
            f"{path}: a stack of {size} = {voxels} voxels would need about "
            f"{memory_needed(voxels, preset, blocks=False) / 1e9:.1f} GB with the {preset} "
            f"preset; the limit is {max_pixels} voxels (raise it with --max-pixels)"
        )


def _pages_as_series(tiff) -> bool:
    """True for a TIFF written page by page: several series, each one grayscale page of one
    shape (tifffile reads such a file as one series per page)."""
    series = tiff.series
    shapes = {_plane(one.shape) for one in series}
    return len(series) > 1 and len(shapes) == 1 and len(next(iter(shapes))) == 2


def _size(rational) -> float | None:
    numerator, denominator = rational
    return denominator / numerator if numerator else None


def write_imagej_stack(
    path: str | os.PathLike, array: np.ndarray, spacing, *, frames: bool = False
) -> None:
    """A (pages, rows, cols) uint8 or uint16 array as an ImageJ TIFF, atomically, with the
    spacing kept (as Z planes of a volume, or as T frames), as Fiji and napari open it."""
    import tifffile

    dz, dy, dx = spacing if spacing is not None else (1.0, 1.0, 1.0)
    metadata = {"axes": "TYX" if frames else "ZYX"}
    if not frames:
        metadata["spacing"] = dz
    with atomic_path(path) as temporary:
        tifffile.imwrite(
            temporary,
            array,
            imagej=True,
            resolution=(1 / dx, 1 / dy),
            metadata=metadata,
            software=WRITER,
        )


def write_label_stack(
    path: str | os.PathLike, labels: np.ndarray, spacing, *, frames: bool = False
) -> None:
    """Labels (pages, rows, cols) as a 16-bit file by the suffix: an ImageJ TIFF
    (:func:`write_imagej_stack`) or NPY (the array alone: the spacing is in the sidecar)."""
    if labels.max(initial=0) > np.iinfo(np.uint16).max:
        raise ValueError(f"{labels.max()} segments do not fit a 16-bit label stack")
    if Path(path).suffix.lower() == ".npy":
        with atomic_path(path) as temporary:
            np.save(temporary, labels.astype(np.uint16))
    else:
        write_imagej_stack(path, labels.astype(np.uint16), spacing, frames=frames)


def write_mask_stacks(
    folder: str | os.PathLike, stem: str, labels: np.ndarray, spacing, *, frames: bool
) -> list[Path]:
    """One 8-bit ImageJ TIFF per label (255 inside), ``STEM_mask_NN.tif``, as the labels are
    (3-D, spacing kept); of frames, mask NN holds segment NN of each frame. Returns the paths."""
    paths = []
    for label in range(1, int(labels.max(initial=0)) + 1):
        paths.append(Path(folder) / f"{stem}_mask_{label:02d}.tif")
        mask = np.where(labels == label, 255, 0).astype(np.uint8)
        write_imagej_stack(paths[-1], mask, spacing, frames=frames)
    return paths


def montage(stack: np.ndarray, labels: np.ndarray, *, n_slices: int = 9) -> np.ndarray:
    """An RGB montage of up to ``n_slices`` evenly spaced slices with their label boundaries,
    row by row from the first slice, in a grid as square as the count allows.

    Examples
    --------
    >>> montage(np.zeros((10, 4, 5)), np.ones((10, 4, 5), int)).shape  # 9 slices, 3 x 3
    (12, 15, 3)
    """
    from ..pictures.overlay import overlay

    chosen = np.unique(
        np.linspace(0, len(stack) - 1, min(n_slices, len(stack))).round().astype(int)
    )
    tiles = [overlay(stack[index], labels[index]) for index in chosen]
    columns = int(np.ceil(np.sqrt(len(tiles))))
    rows = int(np.ceil(len(tiles) / columns))
    height, width = tiles[0].shape[:2]
    sheet = np.zeros((rows * height, columns * width, 3), dtype=tiles[0].dtype)
    for number, tile in enumerate(tiles):
        row, column = divmod(number, columns)
        sheet[row * height : (row + 1) * height, column * width : (column + 1) * width] = tile
    return sheet


def segment_stack(
    read: Stack,
    *,
    stack: str = "auto",
    spacing: tuple[float, float, float] | None = None,
    **segment_options,
) -> StackResult:
    """Segment a stack as one volume or frame by frame (each page its own image).

    ``stack`` is one of :data:`STACK_MODES`; ``spacing`` (dz, dy, dx) overrides the file's. The
    spacing sets the coupling of the normalised presets; the published coupling is per axis by
    definition, and keeps the file's spacing for the outputs only (an explicit one is refused).

    Examples
    --------
    >>> volume = np.zeros((4, 12, 12)); volume[1:3, 3:9, 3:9] = 1
    >>> result = segment_stack(Stack(volume, None, True), preset="published")
    >>> result.labels.shape, result.as_volume
    ((4, 12, 12), True)
    """
    from ..parameters import Parameters
    from ..segmentation import segment

    if stack not in STACK_MODES:
        raise ValueError(f"--stack must be one of {', '.join(STACK_MODES)}, not {stack!r}")
    started = time.perf_counter()
    given = spacing is not None
    spacing = tuple(spacing) if given else read.spacing
    preset = segment_options.get("preset") or "natural"
    coupled = spacing if given or Parameters.from_preset(preset).coupling == "normalised" else None
    as_volume = stack == "volume" or (stack == "auto" and read.is_volume)
    if as_volume:
        results = [segment(read.pixels, spatial_dims=3, spacing=coupled, **segment_options)]
        labels = results[0].labels
    else:  # each page its own image; its pixels may be anisotropic
        plane = coupled[1:] if coupled is not None and coupled[1] != coupled[2] else None
        results = [segment(page, spacing=plane, **segment_options) for page in read.pixels]
        labels = np.stack([result.labels for result in results])
    parameters = [result.parameters for result in results]
    return StackResult(labels, as_volume, spacing, parameters, time.perf_counter() - started)


def stack_record(read: Stack, result: StackResult, *, request: dict, source: str) -> dict:
    """The JSON-ready sidecar of a stack, less its outputs: as an image's
    (:func:`wavesegment.io.export.sidecar`), with the depth, mode and spacing; ``n_segments`` is
    the highest label, and frames also have ``segments_per_frame``."""
    from .. import __version__

    labels = result.labels
    record = {
        "wavesegment_version": __version__,
        "input": source,
        "request": request,
        "image_size": dict(zip(("depth", "height", "width"), map(int, labels.shape), strict=True)),
        "mode": "volume" if result.as_volume else "frames",
        "spacing": None if result.spacing is None else [float(n) for n in result.spacing],
        "n_segments": int(labels.max(initial=0)),
    }
    if result.as_volume:
        values, areas = np.unique(labels, return_counts=True)
        record["segment_areas"] = {str(int(k)): int(n) for k, n in zip(values, areas, strict=True)}
    else:
        record["segments_per_frame"] = [int(page.max(initial=0)) for page in labels]
    record["parameters"] = result.parameters[0] if result.as_volume else result.parameters
    record["seed"] = result.parameters[0]["seed"]
    record["timings"] = {"segment": round(result.seconds, 6)}
    return record


def check_stack_format(path: str | os.PathLike, label_format: str) -> None:
    """Refuse a label format that cannot hold a stack's 3-D labels (PNG).

    Examples
    --------
    >>> check_stack_format("cells.tif", "png")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    wavesegment.io.images.ImageError: cells.tif: a stack's labels are 3-D, which PNG cannot ...
    """
    if label_format not in ("tiff", "npy"):
        raise ImageError(
            f"{path}: a stack's labels are 3-D, which {label_format.upper()} cannot hold: use "
            "--format tiff (the default for stacks) or npy"
        )


def write_stack_outputs(
    folder: str | os.PathLike,
    stem: str,
    read: Stack,
    result: StackResult,
    *,
    request: dict,
    label_format: str = "tiff",
    masks: bool = False,
    timings: dict | None = None,
    source: str | os.PathLike = "",
) -> dict:
    """Write a stack's label stack (``tiff``: ImageJ, spacing kept; or ``npy``), its masks
    (optional), the montage overlay and, last, the sidecar, as one set
    (:func:`wavesegment.io.export.output_set`). Returns the sidecar's content."""
    from .export import finish_sidecar, output_names, output_set

    check_stack_format(source, label_format)
    folder, frames = Path(folder), not result.as_volume
    names = output_names(stem, label_format=label_format)
    with output_set(folder, stem, names["sidecar"]) as written:
        written.append(folder / names["labels"])
        write_label_stack(written[-1], result.labels, result.spacing, frames=frames)
        if masks:
            masks = write_mask_stacks(folder, stem, result.labels, result.spacing, frames=frames)
            written.extend(masks)
        written.append(folder / names["overlay"])
        write_png(written[-1], montage(read.pixels, result.labels))
        source = str(Path(source).resolve()) if source else ""
        record = stack_record(read, result, request=request, source=source)
        record["timings"].update({key: round(value, 6) for key, value in (timings or {}).items()})
        return finish_sidecar(folder / names["sidecar"], record, written, source)
