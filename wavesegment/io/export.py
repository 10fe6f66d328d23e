"""Writing a segmentation's outputs as one set: label map, masks, overlay (:mod:`.overlay`),
JSON sidecar.

Every file is written atomically, and the sidecar is written last. The sidecar records a
fingerprint of the input (size, modification time, SHA-256) and of every output (size, SHA-256):
a set is complete when its sidecar's request, input and outputs all still match
(:func:`read_complete_sidecar`). If writing the set fails or is interrupted, the files of the
set already written are removed again, so no half set is left behind; files of an earlier set of
the same stem that the new set does not have (masks of more segments, another label format) are
removed once the new set is complete.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..files import WRITER, atomic_path, fingerprint, write_png
from ..pictures.overlay import write_overlay

#: Label map formats: 16-bit, 0 = background, read as they are by scikit-image and napari;
#: PNG and TIFF by Fiji too.
LABEL_FORMATS = ("png", "tiff", "npy")


def output_names(stem: str, *, label_format: str = "png") -> dict[str, str]:
    """File names of an image's outputs (masks aside), keyed by kind.

    Examples
    --------
    >>> output_names("coins", label_format="tiff")["labels"]
    'coins_labels.tiff'
    """
    if label_format not in LABEL_FORMATS:
        raise ValueError(f"label format must be one of {', '.join(LABEL_FORMATS)}")
    return {
        "labels": f"{stem}_labels.{label_format}",
        "overlay": f"{stem}_overlay.png",
        "sidecar": f"{stem}_segments.json",
    }


def write_label_map(path: str | os.PathLike, labels: np.ndarray) -> None:
    """Write a 16-bit label map (0 = background) as PNG, TIFF or NPY, by the suffix, atomically.

    Raises ValueError for another suffix or for labels that do not fit 16 bits.

    Examples
    --------
    >>> write_label_map("labels.tiff", np.array([[0, 1], [2, 2]]))  # doctest: +SKIP
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in LABEL_FORMATS:
        raise ValueError(f"label map suffix must be one of {', '.join(LABEL_FORMATS)}")
    if labels.max(initial=0) > np.iinfo(np.uint16).max:
        raise ValueError("more than 65535 labels do not fit a 16-bit label map")
    labels = labels.astype(np.uint16)
    if suffix == "png":
        write_png(path, labels)
        return
    with atomic_path(path) as temporary:
        if suffix == "npy":
            np.save(temporary, labels)
        else:
            import tifffile

            tifffile.imwrite(temporary, labels, metadata=None, software=WRITER)


def write_segment_masks(folder: str | os.PathLike, stem: str, labels: np.ndarray) -> list[Path]:
    """Write one 8-bit PNG per segment (255 inside, 0 outside) as ``STEM_mask_NN.png``.

    Returns the paths written, segment 1 first.
    """
    paths = []
    for label in range(1, int(labels.max(initial=0)) + 1):
        path = Path(folder) / f"{stem}_mask_{label:02d}.png"
        write_png(path, np.where(labels == label, 255, 0).astype(np.uint8))
        paths.append(path)
    return paths


def sidecar(
    result,
    *,
    image_shape: tuple[int, ...],
    request: dict,
    outputs: list[str],
    source: str = "",
    shape_spectra: dict | None = None,
    counts: np.ndarray | None = None,
) -> dict:
    """The JSON-ready record of a run: what was asked, what ran, what came out.

    ``result`` is a :class:`~wavesegment.SegmentationResult`; ``request`` holds the options the
    user gave (compared on resume), ``outputs`` the file names of the set, ``source`` the input;
    ``shape_spectra``, if given (:func:`wavesegment.analysis.shape_spectra.spectra_record`), is
    stored under that key; ``counts``, if given, are the labels' counts (``label_counts``).
    """
    from .. import __version__
    from ..labels import label_counts

    if counts is None:
        counts = label_counts(result.labels)  # np.unique sorts: seconds on a large photo
    labels = np.flatnonzero(counts)
    areas = counts[labels]
    return {
        "wavesegment_version": __version__,
        "input": source,
        "request": request,
        "image_size": {"width": int(image_shape[1]), "height": int(image_shape[0])},
        "n_segments": int(result.n_segments),
        "segment_areas": {str(int(k)): int(n) for k, n in zip(labels, areas, strict=True)},
        "parameters": result.parameters,
        "seed": result.parameters["seed"],
        "timings": {stage: round(seconds, 6) for stage, seconds in result.timings.items()},
        "outputs": outputs,
        **({"shape_spectra": shape_spectra} if shape_spectra is not None else {}),
    }


def write_outputs(
    folder: str | os.PathLike,
    stem: str,
    image: np.ndarray,
    result,
    *,
    request: dict,
    label_format: str = "png",
    masks: bool = False,
    timings: dict | None = None,
    source: str | os.PathLike = "",
    shape_spectra: dict | None = None,
    hierarchy: bool = False,
) -> dict:
    """Write label map, optional masks, overlay and, last, the sidecar of one image.

    Parameters
    ----------
    folder : path-like
        Where the files go (created if needed).
    stem : str
        Start of every file name.
    image : ndarray
        The input image, for the overlay.
    result : SegmentationResult
    request : dict
        The user's options, stored in the sidecar.
    label_format : {"png", "tiff", "npy"}
    masks : bool
        Also write one binary PNG mask per segment.
    timings : dict, optional
        More timings (reading, ...) to store beside the segmentation's.
    source : path-like, optional
        The input file, recorded in the sidecar (its absolute path).
    shape_spectra : dict, optional
        The segments' shape spectra, stored in the sidecar.
    hierarchy : bool
        Also write the merge tree's ultrametric contour map and leaves, and the tree in the
        sidecar (:mod:`wavesegment.io.hierarchy`).

    Returns
    -------
    dict
        The sidecar's content.

    Examples
    --------
    >>> record = write_outputs("out", "coins", image, segment(image), request={})  # doctest: +SKIP
    """
    from ..labels import label_counts

    folder = Path(folder)
    names = output_names(stem, label_format=label_format)
    counts = label_counts(result.labels)  # once, for the overlay's colours and the areas
    with output_set(folder, stem, names["sidecar"]) as written:
        written.append(folder / names["labels"])
        write_label_map(written[-1], result.labels)
        if masks:
            written.extend(write_segment_masks(folder, stem, result.labels))
        written.append(folder / names["overlay"])
        write_overlay(written[-1], image, result.labels, counts=counts)
        tree_entry = None
        if hierarchy:
            from .hierarchy import hierarchy_maps

            maps, tree_entry = hierarchy_maps(stem, result, label_format=label_format)
            for name, array in maps.items():
                written.append(folder / name)
                write_label_map(written[-1], array)
        record = sidecar(
            result,
            image_shape=image.shape,
            request=request,
            outputs=[path.name for path in written],
            source=str(Path(source).resolve()) if source else "",
            shape_spectra=shape_spectra,
            counts=counts,
        )
        record["timings"].update({key: round(value, 6) for key, value in (timings or {}).items()})
        extra = {"hierarchy": tree_entry} if tree_entry is not None else {}
        return finish_sidecar(folder / names["sidecar"], record, written, source, extra)


@contextmanager
def output_set(folder: Path, stem: str, sidecar_name: str) -> Iterator[list[Path]]:
    """Write one set of outputs: the block appends each file it writes to the yielded list.

    If the block fails or is interrupted, the files written so far are removed; once it
    succeeds, the files of an earlier set of ``stem`` that the new set does not have are.
    """
    earlier = _earlier_outputs(folder, stem, sidecar_name)
    written: list[Path] = []
    try:
        yield written
    except BaseException:  # also KeyboardInterrupt: never leave part of a set behind
        for path in written:
            path.unlink(missing_ok=True)
        raise
    for name in earlier - {path.name for path in written}:
        (folder / name).unlink(missing_ok=True)


def finish_sidecar(
    path: Path, record: dict, written: list[Path], source, extra: dict | None = None
) -> dict:
    """Complete a set: the record with its outputs, the fingerprints of the input and of
    every output, and ``extra``, written as the sidecar at ``path``, last. Returns it."""
    record["outputs"] = [output.name for output in written]
    record["fingerprints"] = {
        "input": input_fingerprint(source) if source else None,
        "outputs": {output.name: fingerprint(output) for output in written},
    }
    record.update(extra or {})
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def input_fingerprint(path: str | os.PathLike) -> dict:
    """Size, modification time (ns) and SHA-256 of an input file, as its sidecar records them."""
    return {**fingerprint(path), "mtime_ns": os.stat(path).st_mtime_ns}


def _earlier_outputs(folder: Path, stem: str, sidecar_name: str) -> set[str]:
    """Names of the files an earlier set of ``stem`` in ``folder`` may have left.

    Those its sidecar lists, and its masks even when the sidecar is gone or damaged.
    """
    masks = re.compile(re.escape(stem) + r"_mask_\d{2,}\.(png|tif)")
    names = {path.name for path in folder.glob("*_mask_*.*") if masks.fullmatch(path.name)}
    return names | _listed_outputs(folder / sidecar_name)


def recorded_outputs(folder: Path) -> set[Path]:
    """The files that the sidecars of ``folder`` (``*_segments.json``) list as their outputs:
    wavesegment's results, which a batch over the folder does not take for inputs."""
    return {
        folder / name
        for sidecar_path in folder.glob("*_segments.json")
        for name in _listed_outputs(sidecar_path)
    }


def _listed_outputs(sidecar_path: Path) -> set[str]:
    """The output names a sidecar lists (none if it is missing or damaged)."""
    try:
        record = json.loads(sidecar_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    listed = record.get("outputs", []) if isinstance(record, dict) else []
    return {name for name in listed if isinstance(name, str) and Path(name).name == name}


def read_complete_sidecar(
    path: str | os.PathLike, *, request: dict, source: str | os.PathLike | None = None
) -> dict | None:
    """The sidecar at ``path`` if its set of outputs is complete and current, else None.

    Complete and current means: the sidecar is readable and records ``request``; the input
    ``source`` (when given) has the size and SHA-256 the sidecar records; every output it lists
    is a regular file with the recorded size and SHA-256. The modification time is recorded,
    not compared: a file touched but unchanged is not redone.
    """
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or record.get("request") != request:
            return None
        recorded = record["fingerprints"]
        if source is not None:
            if not stat.S_ISREG(os.stat(source).st_mode):
                return None  # a FIFO or device would block or never end
            now = fingerprint(source)
            if {key: recorded["input"][key] for key in now} != now:
                return None
        outputs = recorded["outputs"]
        if sorted(outputs) != sorted(record["outputs"]):
            return None
        for name, expected in outputs.items():
            output = path.parent / name
            if Path(name).name != name or not output.is_file() or fingerprint(output) != expected:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # unreadable or damaged: the image is redone
    return record
