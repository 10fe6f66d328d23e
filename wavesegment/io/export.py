"""Writing a segmentation's outputs as one set: label map, masks, overlay, JSON sidecar.

Every file is written atomically, and the sidecar is written last: an image's outputs are
complete exactly when its sidecar exists. If writing the set fails or is interrupted, the files
of the set already written are removed again, so no half set is left behind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .files import atomic_path

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
    with atomic_path(path) as temporary:
        if suffix == "png":
            from PIL import Image

            Image.fromarray(labels).save(temporary, format="PNG")
        elif suffix == "npy":
            np.save(temporary, labels)
        else:
            import tifffile

            tifffile.imwrite(temporary, labels, metadata=None)


def write_segment_masks(folder: str | os.PathLike, stem: str, labels: np.ndarray) -> list[Path]:
    """Write one 8-bit PNG per segment (255 inside, 0 outside) as ``STEM_mask_NN.png``.

    Returns the paths written, segment 1 first.
    """
    from PIL import Image

    paths = []
    for label in range(1, int(labels.max(initial=0)) + 1):
        path = Path(folder) / f"{stem}_mask_{label:02d}.png"
        with atomic_path(path) as temporary:
            Image.fromarray(np.where(labels == label, 255, 0).astype(np.uint8)).save(
                temporary, format="PNG"
            )
        paths.append(path)
    return paths


def sidecar(
    result, *, image_shape: tuple[int, ...], request: dict, outputs: list[str], source: str = ""
) -> dict:
    """The JSON-ready record of a run: what was asked, what ran, what came out.

    ``result`` is a :class:`~wavesegment.SegmentationResult`; ``request`` holds the options the
    user gave (compared on resume), ``outputs`` the file names of the set, ``source`` the input.
    """
    from .. import __version__

    labels, areas = np.unique(result.labels, return_counts=True)
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
    folder = Path(folder)
    names = output_names(stem, label_format=label_format)
    written: list[Path] = []
    try:
        written.append(folder / names["labels"])
        write_label_map(written[-1], result.labels)
        if masks:
            written.extend(write_segment_masks(folder, stem, result.labels))
        written.append(folder / names["overlay"])
        write_overlay(written[-1], image, result.labels)
        tree_entry = None
        if hierarchy:
            from .hierarchy import write_hierarchy

            paths, tree_entry = write_hierarchy(folder, stem, result, label_format=label_format)
            written.extend(paths)
        record = sidecar(
            result,
            image_shape=image.shape,
            request=request,
            outputs=[path.name for path in written],
            source=str(Path(source).resolve()) if source else "",
        )
        record["timings"].update({key: round(value, 6) for key, value in (timings or {}).items()})
        if tree_entry is not None:
            record["hierarchy"] = tree_entry
        with atomic_path(folder / names["sidecar"]) as temporary:
            temporary.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    except BaseException:  # also KeyboardInterrupt: never leave part of a set behind
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return record


def read_complete_sidecar(path: str | os.PathLike, *, request: dict) -> dict | None:
    """The sidecar at ``path`` if its set of outputs is complete for ``request``, else None."""
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("request") != request:
        return None
    outputs = record.get("outputs", [])
    return record if all((path.parent / name).is_file() for name in outputs) else None


def overlay(image: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """RGB uint8 picture: segment colours blended over the image, with segment boundaries."""
    from skimage.color import label2rgb
    from skimage.segmentation import mark_boundaries

    from ..preparation.intensity import rescale_unit, to_grayscale

    gray = rescale_unit(to_grayscale(image))
    coloured = label2rgb(labels, image=gray, bg_label=0, alpha=0.4, image_alpha=1.0)
    outlined = mark_boundaries(coloured, labels, color=(1.0, 1.0, 0.0), mode="inner")
    return (np.clip(outlined, 0, 1) * 255).round().astype(np.uint8)


def write_overlay(path: str | os.PathLike, image: np.ndarray, labels: np.ndarray) -> None:
    """Write :func:`overlay` as an RGB PNG, atomically."""
    from PIL import Image

    with atomic_path(path) as temporary:
        Image.fromarray(overlay(image, labels)).save(temporary, format="PNG")
