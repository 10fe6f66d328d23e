"""``wavesegment match`` on files: read an image and reference shapes, name its segments."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .images import ImageError, read_image


def read_references(folder: str | os.PathLike) -> dict[str, np.ndarray]:
    """One reference shape per image file of ``folder``: its nonzero pixels, named by its stem.

    Raises ImageError (naming the folder or file) when there is none or one has no shape.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ImageError(f"{folder}: not a folder of reference shapes")
    references = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        pixels = read_image(path, max_pixels=None)
        mask = (pixels.max(axis=-1) if pixels.ndim == 3 else pixels) > 0
        if not mask.any():
            raise ImageError(f"{path}: the reference is empty (no nonzero pixel)")
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        references[path.stem] = mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    if not references:
        raise ImageError(f"{folder}: no reference shape images in it")
    return references


def match_file(
    image: str | os.PathLike,
    *,
    references: str | os.PathLike | None = None,
    max_pixels: int | None = None,
    **options,
) -> tuple[object, dict[int, dict]]:
    """Segment an image file and name each segment by the reference of nearest shape spectrum.

    Parameters
    ----------
    image : path-like
    references : path-like, optional
        A folder of reference shapes (:func:`read_references`); by default the five tetromino
        classes of Jacobs et al. at their scale (7-pixel cells).
    max_pixels : int, optional
        Refuse larger images (see :func:`wavesegment.io.images.read_image`).
    **options
        Passed to :func:`wavesegment.segment`.

    Returns
    -------
    result : SegmentationResult
    named : dict
        :func:`wavesegment.analysis.shape_spectra.match_segments`'s answer, by label.
    """
    from ..analysis.shape_spectra import match_segments, tetromino_references
    from ..segmentation import segment

    shapes = read_references(references) if references is not None else tetromino_references()
    pixels = read_image(image, max_pixels=max_pixels, preset=options.get("preset", "natural"))
    result = segment(pixels, **options)
    return result, match_segments(result, shapes)
