"""``wavesegment show``: a contact sheet of the results in an output folder (per image: input,
overlay, labels; or a cut of its merge tree), read back from the sidecars and label maps that
``run`` and ``batch`` wrote; drawn by :mod:`wavesegment.pictures.pictures`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..files import write_png
from ..pictures.pictures import contact_row, failure_row


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
            rows.append(
                contact_row(_read_input(record["input"], middle), labels, caption, size=size)
            )
        except (OSError, ValueError):  # the input moved away since: show what is left
            rows.append(contact_row(None, labels, caption, size=size))
    summary = output / "summary.json"
    if summary.is_file():
        try:
            failed = [row for row in json.loads(summary.read_text())["images"] if row["error"]]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ValueError(
                f"{summary}: a damaged batch summary ({error}); rerun the batch"
            ) from None
        for row in failed[: max(0, max_images - len(rows))]:
            rows.append(failure_row(f"failed: {row['error']}", size=size))
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
        from .images import read_image

        return read_image(path)
    from .stacks import read_stack

    return read_stack(path).pixels[middle]


def _cut_labels(sidecar_path: Path, record: dict, shape: tuple, cut: dict) -> np.ndarray:
    """The cut ``cut`` of the merge tree that ``--hierarchy`` wrote beside ``sidecar_path``."""
    from .hierarchy import read_tree

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


def write_contact_sheet(path: str | os.PathLike, output: str | os.PathLike, **options) -> bool:
    """Write :func:`contact_sheet` of ``output`` as a PNG, atomically; False if it is empty."""
    sheet = contact_sheet(output, **options)
    if sheet is None:
        return False
    write_png(path, sheet)
    return True
