"""Touching objects of one segment told apart: each segment's foreground cut at the necks of its
distance transform (a seeded watershed), the step that instance segmentation of cells and
nuclei uses.

Objects of one intensity that touch make one segment: the waves, and the merge by intensity,
see no difference between them. Where they touch, the segment narrows: its distance transform
(to the nearest voxel outside it, in physical units) has one peak per object and a saddle at
the neck. :func:`split_at_necks` seeds a watershed of the negated distance from the peaks that
stand at least ``depth`` above the saddle around them (the h-domes), so that a neck shallower
than ``depth`` does not split, nor does the noise of a blocky outline.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..labels import relabel_by_size


def split_at_necks(
    labels: np.ndarray,
    foreground: np.ndarray,
    *,
    depth: float,
    spacing: tuple[float, ...] | None = None,
    steps: list | None = None,
) -> np.ndarray:
    """Cut each segment's part in ``foreground`` at the necks of its distance transform.

    Parameters
    ----------
    labels : int ndarray
        Segments, of any dimension; label 0 is the background if ``labels`` has it (it stays
        0 and is not split).
    foreground : bool ndarray
        Where objects may be (e.g. the layer-1 foreground). A segment's voxels there are cut;
        those off it, and its connected parts there with no voxel ``depth`` deep (measured
        from the part's edge), stay one piece, the rest of the segment.
    depth : float
        How far (in the units of ``spacing``) an object's centre must stand above the neck
        that joins it to another for the two to be cut apart.
    spacing : tuple of float, optional
        The size of a sample per axis (default 1).
    steps : list, optional
        One ``{"step": "split_necks", "label": l, "regions": [...], "pixels": [...]}`` per
        segment cut in two or more (``regions``: the output labels of its pieces, ``pixels``
        their sizes).

    Returns
    -------
    int32 ndarray
        Labels 1..n (0 kept where ``labels`` is 0), largest first.

    Examples
    --------
    >>> two = np.zeros((9, 20), dtype=bool)
    >>> two[1:8, 1:9] = two[1:8, 11:19] = two[4, 9:11] = True  # two squares, one thin bridge
    >>> labels = split_at_necks(two.astype(int), two, depth=1.0)
    >>> labels[4, [0, 4, 15]].tolist(), int(labels.max())  # the background stays 0
    ([0, 1, 2], 2)
    """
    labels = np.asarray(labels)
    pieces = np.zeros(labels.shape, dtype=np.int64)
    sampling = (1.0,) * labels.ndim if spacing is None else spacing
    origins: list[int] = []  # the input label of each piece (pieces 1, 2, ...)
    for label, box in enumerate(ndimage.find_objects(labels), start=1):
        if box is None:
            continue
        segment = labels[box] == label
        parts = _cut(segment & foreground[box], sampling, depth)
        parts[segment & (parts == 0)] = parts.max() + 1  # the rest: off the foreground, thin
        numbers, inverse = np.unique(parts[segment], return_inverse=True)
        pieces[box][segment] = inverse.ravel() + 1 + len(origins)
        origins += [label] * numbers.size
    out = relabel_by_size(pieces, keep_zero=True)
    if steps is not None:
        steps.extend(_split_log(pieces, out, np.array(origins)))
    return out.astype(np.int32)


def _cut(mask: np.ndarray, sampling, depth: float) -> np.ndarray:
    """The watershed of the negated distance transform of ``mask`` from its h-domes, 1.. per
    piece; 0 off the mask and on its parts with no voxel deeper than ``depth``."""
    # Imported here: a run without split_necks (the default) need not load skimage.morphology.
    from skimage.morphology import local_maxima, reconstruction
    from skimage.segmentation import watershed

    if not mask.any():
        return np.zeros(mask.shape, dtype=np.int64)
    distance = ndimage.distance_transform_edt(np.pad(mask, 1), sampling=sampling)
    distance = distance[(slice(1, -1),) * mask.ndim]  # a box's edge is not the segment's edge
    # The distance lowered by ``depth`` and rebuilt under itself: peaks that stand less than
    # ``depth`` above their saddle become one plateau with their neighbour (equal peaks too,
    # which skimage's h_maxima would keep apart); each plateau on top seeds one object.
    lowered = reconstruction(distance - depth, distance, method="dilation")
    full = ndimage.generate_binary_structure(mask.ndim, mask.ndim)  # local_maxima's plateaus
    seeds = ndimage.label(local_maxima(lowered) & mask & (lowered > 0), structure=full)[0]
    parts = ndimage.label(mask)[0]
    seeded = np.isin(parts, np.unique(parts[seeds > 0])) & mask
    return watershed(-distance, seeds, mask=seeded).astype(np.int64)


def _split_log(pieces: np.ndarray, out: np.ndarray, origins: np.ndarray) -> list[dict]:
    """One entry per input label cut into two or more pieces (output labels, sizes)."""
    flat = pieces.ravel()
    output_of = np.zeros(origins.size + 1, dtype=np.int64)
    output_of[flat] = out.ravel()
    sizes = np.bincount(flat, minlength=origins.size + 1)
    log = []
    for label in np.unique(origins):
        mine = np.flatnonzero(origins == label) + 1
        if mine.size > 1:
            order = mine[np.argsort(output_of[mine])]
            log.append(
                {
                    "step": "split_necks",
                    "label": int(label),
                    "regions": output_of[order].tolist(),
                    "pixels": sizes[order].tolist(),
                }
            )
    return log
