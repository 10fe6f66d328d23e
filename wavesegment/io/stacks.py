"""Multi-page and 3-D TIFFs: read as a volume (one 3-D segmentation) or as frames (each page on
its own), and labels written as a 3-D 16-bit ImageJ TIFF that Fiji and napari open as it is,
with the spacing kept; the overlay is a montage of slices.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .files import atomic_path
from .images import TIFF_SUFFIXES, ImageError

#: How a stack is segmented: as the file says ("auto"), as one volume, or page by page.
STACK_MODES = ("auto", "volume", "frames")


@dataclass(frozen=True)
class Stack:
    """A TIFF's pages: (pages, rows, cols) float64, the spacing (dz, dy, dx) where the file
    gives it, and whether the file says that its pages are the planes of a volume."""

    pixels: np.ndarray
    spacing: tuple[float, float, float] | None
    is_volume: bool


def is_stack_file(path: str | os.PathLike) -> bool:
    """True for a TIFF whose image has more than one grayscale page (planes or frames)."""
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


def read_stack(path: str | os.PathLike) -> Stack:
    """The pages of a multi-page or 3-D TIFF, with the ImageJ spacing where present.

    A page's pixel size is 1 / the X and Y resolution; the plane distance is ImageJ's
    ``spacing``. The file is a volume if ImageJ counts ``slices`` or the series' axes have a Z.
    """
    import tifffile

    try:
        with tifffile.TiffFile(path) as tiff:
            series = tiff.series[0]
            pixels = np.asarray(series.asarray(), dtype=np.float64).squeeze()
            if _pages_as_series(tiff):  # written page by page: one series per page
                pixels = np.stack([np.asarray(one.asarray(), np.float64) for one in tiff.series])
            imagej = tiff.imagej_metadata or {}
            page = tiff.pages[0]
            resolution = [page.tags.get(name) for name in ("YResolution", "XResolution")]
            axes = series.axes
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


def _pages_as_series(tiff) -> bool:
    """True for a TIFF written page by page: several series, each one grayscale page of one
    shape (tifffile reads such a file as one series per page)."""
    series = tiff.series
    shapes = {tuple(n for n in one.shape if n > 1) for one in series}
    return len(series) > 1 and len(shapes) == 1 and len(next(iter(shapes))) == 2


def _size(rational) -> float | None:
    numerator, denominator = rational
    return denominator / numerator if numerator else None


def write_label_stack(
    path: str | os.PathLike, labels: np.ndarray, spacing, *, frames: bool = False
) -> None:
    """Labels (pages, rows, cols) as a 16-bit ImageJ TIFF, atomically, with the spacing kept
    (as Z planes of a volume, or as T frames)."""
    import tifffile

    if labels.max() > np.iinfo(np.uint16).max:
        raise ValueError(f"{labels.max()} segments do not fit a 16-bit label stack")
    dz, dy, dx = spacing if spacing is not None else (1.0, 1.0, 1.0)
    metadata = {"axes": "TYX" if frames else "ZYX"}
    if not frames:
        metadata["spacing"] = dz
    with atomic_path(path) as temporary:
        tifffile.imwrite(
            temporary,
            labels.astype(np.uint16),
            imagej=True,
            resolution=(1 / dx, 1 / dy),
            metadata=metadata,
        )


def montage(stack: np.ndarray, labels: np.ndarray, *, n_slices: int = 9) -> np.ndarray:
    """An RGB montage of up to ``n_slices`` evenly spaced slices with their label boundaries."""
    from .export import overlay

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


def segment_stack_file(
    path: str | os.PathLike,
    *,
    folder: str | os.PathLike,
    stem: str,
    stack: str = "auto",
    spacing: tuple[float, float, float] | None = None,
    **segment_options,
):
    """Read a TIFF stack, segment it as a volume or frame by frame, and write
    ``stem_labels.tif`` (3-D, 16-bit, ImageJ, spacing kept), ``stem_overlay.png`` (a montage of
    slices) and ``stem_segments.json``. ``spacing`` (dz, dy, dx) overrides the file's. The
    spacing sets the coupling of the normalised presets; the published coupling is per axis by
    definition, and keeps the file's spacing for the labels only (an explicit one is refused).

    Returns the labels, whether it ran as a volume, and the paths written.
    """
    from PIL import Image

    from ..parameters import Parameters
    from ..segmentation import segment

    if stack not in STACK_MODES:
        raise ValueError(f"stack must be one of {', '.join(STACK_MODES)}, not {stack!r}")
    read = read_stack(path)
    given = spacing is not None
    spacing = tuple(spacing) if given else read.spacing
    preset = segment_options.get("preset") or "natural"
    coupled = spacing if given or Parameters.from_preset(preset).coupling == "normalised" else None
    as_volume = stack == "volume" or (stack == "auto" and read.is_volume)
    if as_volume:
        result = segment(read.pixels, spatial_dims=3, spacing=coupled, **segment_options)
        labels, records = result.labels, [result.parameters]
    else:  # each page its own image; its pixels may be anisotropic
        plane = coupled[1:] if coupled is not None and coupled[1] != coupled[2] else None
        results = [segment(page, spacing=plane, **segment_options) for page in read.pixels]
        labels = np.stack([result.labels for result in results])
        records = [result.parameters for result in results]
    folder = Path(folder)
    paths = {name: folder / f"{stem}_{name}" for name in ("labels.tif", "overlay.png")}
    paths["sidecar"] = folder / f"{stem}_segments.json"
    write_label_stack(paths["labels.tif"], labels, spacing, frames=not as_volume)
    with atomic_path(paths["overlay.png"]) as temporary:
        Image.fromarray(montage(read.pixels, labels)).save(temporary, format="PNG")
    record = {
        "source": str(path),
        "shape": list(read.pixels.shape),
        "mode": "volume" if as_volume else "frames",
        "spacing": None if spacing is None else list(spacing),
        "segments": [int(labels.max())] if as_volume else [int(page.max()) for page in labels],
        "parameters": records,
    }
    with atomic_path(paths["sidecar"]) as temporary:
        temporary.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return labels, as_volume, paths
