"""Connected regions and small-region merging.

The network couples units only locally, so two parts of one phase cluster that do not touch are
not held together by the dynamics: they are separate segments (:func:`split_disconnected`).
Fragments below a minimum size are merged into the neighbour of closest mean features (or,
without features, the neighbour they share the longest border with;
:func:`merge_small_regions`). Merging similar regions is in :mod:`.merging`, boundary
refinement in :mod:`.refinement`.

Both functions can log what they do: give a list as ``steps`` and one JSON-ready dict per
action is appended to it, regions named by their labels in the labels given (see each
function's ``steps``).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..labels import relabel_by_size
from .adjacency import border_lengths, relabel_step


def split_disconnected(
    labels: np.ndarray, *, ignore: np.ndarray | None = None, steps: list | None = None
) -> np.ndarray:
    """Give each 8-connected part (26 in a volume) of every label its own label (1..n, largest
    first).

    Parameters
    ----------
    labels : (rows, cols) int ndarray
        A label image.
    ignore : (rows, cols) bool ndarray, optional
        Pixels that keep label 0 and take part in no region.
    steps : list, optional
        If given, one dict per label of ``labels`` that has pixels outside ``ignore`` is
        appended, in increasing order of the label: ``{"step": "split", "label": l,
        "regions": [r, ...], "pixels": [n_r, ...]}``, the output regions made of the parts of
        ``l`` (increasing) and their sizes in pixels. Every output region but 0 appears once.

    Returns
    -------
    (rows, cols) int32 ndarray

    Examples
    --------
    >>> labels = np.array([[1, 0, 1], [1, 0, 1]])
    >>> log = []
    >>> split_disconnected(labels, steps=log).tolist()
    [[2, 1, 3], [2, 1, 3]]
    >>> log[1]
    {'step': 'split', 'label': 1, 'regions': [2, 3], 'pixels': [2, 2]}
    """
    labels = np.asarray(labels)
    parts = np.zeros(labels.shape, dtype=np.int64)
    count = 0
    origins = []  # (label, first part - 1, number of parts)
    for value in np.unique(labels if ignore is None else labels[~ignore]):
        inside = labels == value
        if ignore is not None:
            inside &= ~ignore
        found, n = ndimage.label(inside, structure=np.ones((3,) * labels.ndim))
        parts[inside] = found[inside] + count
        origins.append((value, count, n))
        count += n
    split = relabel_by_size(parts, keep_zero=ignore is not None)
    if steps is not None:
        steps.extend(_split_steps(parts, split, origins))
    return split


def _split_steps(parts: np.ndarray, split: np.ndarray, origins: list) -> list[dict]:
    """The log of :func:`split_disconnected`: the output regions of each input label."""
    output_of = np.zeros(int(parts.max()) + 1, dtype=np.int64)
    output_of[parts.ravel()] = split.ravel()
    sizes = np.bincount(split.ravel())
    logged = []
    for value, before, n in origins:
        regions = np.sort(output_of[before + 1 : before + n + 1])
        logged.append(
            {
                "step": "split",
                "label": int(value),
                "regions": regions.tolist(),
                "pixels": sizes[regions].tolist(),
            }
        )
    return logged


def merge_small_regions(
    labels: np.ndarray,
    *,
    min_size: int,
    ignore: np.ndarray | None = None,
    features: np.ndarray | None = None,
    steps: list | None = None,
) -> np.ndarray:
    """Merge every region smaller than ``min_size`` pixels into a neighbour.

    The neighbour is the one whose mean ``features`` are closest or, without features, the one
    with the longest common border. Regions are merged smallest first, one merge per region
    and pass, until none is too small or one region is left. Returns labels 1..n, largest
    first; pixels under ``ignore`` get 0 and are neither merged nor merged into.

    Parameters
    ----------
    labels : (rows, cols) int ndarray
    min_size : int
        Smallest region kept, in pixels.
    ignore : (rows, cols) bool ndarray, optional
    features : (n_features, rows, cols) ndarray, optional
        Per-pixel features whose region means decide where a region goes.
    steps : list, optional
        If given, one dict per merge is appended, in the order of the merges: ``{"step":
        "absorb", "region": a, "into": b, "pixels": n_a, "into_pixels": n_b, "border": m,
        "pass": k}``, plus ``"distance": d`` with ``features``. Region a (``n_a`` pixels) joins
        region b (``n_b`` pixels, as they were then), with which it shares ``m`` 4-neighbour
        pixel pairs and whose mean features are ``d`` away, in pass ``k`` (1, 2, ...); the
        union keeps the name b. A region is named by a label of ``labels``: its own, or, once
        it has absorbed others, the one it had before. Last comes ``{"step": "relabel",
        "mapping": {l: r}}``: the output label ``r`` of every label ``l`` of ``labels`` with
        pixels outside ``ignore``.

    Examples
    --------
    >>> labels = np.ones((4, 4), dtype=int)
    >>> labels[0, 0] = 2
    >>> log = []
    >>> np.unique(merge_small_regions(labels, min_size=2, steps=log)).tolist()
    [1]
    >>> log[0]["region"], log[0]["into"], log[-1]
    (2, 1, {'step': 'relabel', 'mapping': {1: 1, 2: 1}})
    """
    keep_zero = ignore is not None
    if keep_zero:  # shift so that a label 0 outside ``ignore`` stays a region
        merged = relabel_by_size(np.where(ignore, 0, labels + 1), keep_zero=True)
    else:
        merged = relabel_by_size(labels)
    names = None if steps is None else _names(labels, merged, ignore)
    n_passes = 0
    while merged.max() > 1:
        sizes = np.bincount(merged.ravel())
        small = np.flatnonzero((sizes < min_size) & (sizes > 0))
        small = small[small > 0]
        if small.size == 0:
            break
        target, absorbed = _absorb_pass(merged, sizes, small, features)
        if not absorbed:
            break
        joined = target[merged]
        before, merged = merged, relabel_by_size(joined, keep_zero=keep_zero)
        if names is not None:
            n_passes += 1
            steps.extend(_absorb_steps(absorbed, names, sizes, n_passes, features is not None))
            names = _names(names[target][before], merged)
    if steps is not None:
        steps.append(relabel_step(labels, merged, ignore=ignore))
    return merged


def _absorb_pass(
    labels: np.ndarray, sizes: np.ndarray, small: np.ndarray, features: np.ndarray | None
) -> tuple[np.ndarray, list[tuple[int, int, int, float | None]]]:
    """One pass of :func:`merge_small_regions`: the label each label goes to, and the merges
    made as (region, into, common border, feature distance or None), in order.

    The small regions go smallest first; a region that has merged or been merged into in this
    pass takes no further part in it, so the merges of a pass are disjoint pairs."""
    border = border_lengths(labels)
    if features is not None:
        means = np.stack([np.bincount(labels.ravel(), f.ravel()) for f in features], axis=1)
        means /= np.maximum(sizes, 1)[:, None]
    target = np.arange(sizes.size)
    taken = np.zeros(sizes.size, dtype=bool)
    absorbed = []
    for region in small[np.argsort(sizes[small], kind="stable")]:
        neighbours = border[region]
        if taken[region] or not neighbours:
            continue
        if features is None:
            into = max(neighbours, key=neighbours.get)
            distance = None
        else:
            candidates = np.fromiter(neighbours, dtype=np.intp)
            distances = np.linalg.norm(means[candidates] - means[region], axis=1)
            nearest = np.argmin(distances)
            into, distance = int(candidates[nearest]), float(distances[nearest])
        if not taken[into]:
            target[region] = into
            taken[region] = taken[into] = True
            absorbed.append((int(region), into, neighbours[into], distance))
    return target, absorbed


def _names(names: np.ndarray, labels: np.ndarray, ignore: np.ndarray | None = None) -> np.ndarray:
    """For each label of ``labels``, the name (label in the caller's numbering) that its
    pixels have in ``names``, an image numbered as the caller's; 0 where no pixel has it."""
    named = np.zeros(int(labels.max()) + 1, dtype=np.int64)
    inside = np.s_[:] if ignore is None else ~np.asarray(ignore)
    named[labels[inside]] = np.asarray(names)[inside]
    return named


def _absorb_steps(
    absorbed: list, names: np.ndarray, sizes: np.ndarray, n_pass: int, distances: bool
) -> list[dict]:
    """The log entries of one pass of :func:`merge_small_regions`."""
    logged = []
    for region, into, border, distance in absorbed:
        step = {
            "step": "absorb",
            "region": int(names[region]),
            "into": int(names[into]),
            "pixels": int(sizes[region]),
            "into_pixels": int(sizes[into]),
            "border": int(border),
            "pass": n_pass,
        }
        if distances:
            step["distance"] = distance
        logged.append(step)
    return logged
