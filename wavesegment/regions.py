"""Spatial regularisation of a label image: connected regions and small-region merging.

The network couples units only locally, so two parts of one phase cluster that do not touch are
not held together by the dynamics: they are separate segments. Fragments below a minimum size
are merged into the neighbour of closest mean features (or, without features, the neighbour
they share the longest border with).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def split_disconnected(labels: np.ndarray, *, ignore: np.ndarray | None = None) -> np.ndarray:
    """Give each 8-connected part of every label its own label (1..n, largest first).

    Parameters
    ----------
    labels : (rows, cols) int ndarray
        A label image.
    ignore : (rows, cols) bool ndarray, optional
        Pixels that keep label 0 and take part in no region.

    Returns
    -------
    (rows, cols) int32 ndarray

    Examples
    --------
    >>> labels = np.array([[1, 0, 1], [1, 0, 1]])
    >>> split_disconnected(labels).tolist()
    [[2, 1, 3], [2, 1, 3]]
    """
    labels = np.asarray(labels)
    parts = np.zeros(labels.shape, dtype=np.int64)
    count = 0
    for value in np.unique(labels if ignore is None else labels[~ignore]):
        inside = labels == value
        if ignore is not None:
            inside &= ~ignore
        found, n = ndimage.label(inside, structure=np.ones((3, 3)))
        parts[inside] = found[inside] + count
        count += n
    return _by_size(parts, keep_zero=ignore is not None)


def merge_small_regions(
    labels: np.ndarray,
    *,
    min_size: int,
    ignore: np.ndarray | None = None,
    features: np.ndarray | None = None,
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

    Examples
    --------
    >>> labels = np.ones((4, 4), dtype=int)
    >>> labels[0, 0] = 2
    >>> np.unique(merge_small_regions(labels, min_size=2)).tolist()
    [1]
    """
    keep_zero = ignore is not None
    if keep_zero:  # shift so that a label 0 outside ``ignore`` stays a region
        labels = _by_size(np.where(ignore, 0, labels + 1), keep_zero=True)
    else:
        labels = _by_size(labels)
    while labels.max() > 1:
        sizes = np.bincount(labels.ravel())
        small = np.flatnonzero((sizes < min_size) & (sizes > 0))
        small = small[small > 0]
        if small.size == 0:
            break
        border = _border_lengths(labels)
        if features is not None:
            means = np.stack([np.bincount(labels.ravel(), f.ravel()) for f in features], axis=1)
            means /= np.maximum(sizes, 1)[:, None]
        target = np.arange(sizes.size)
        taken = np.zeros(sizes.size, dtype=bool)
        for region in small[np.argsort(sizes[small], kind="stable")]:
            neighbours = border[region]
            if taken[region] or not neighbours:
                continue
            if features is None:
                into = max(neighbours, key=neighbours.get)
            else:
                candidates = np.fromiter(neighbours, dtype=np.intp)
                distance = np.linalg.norm(means[candidates] - means[region], axis=1)
                into = int(candidates[np.argmin(distance)])
            if not taken[into]:
                target[region] = into
                taken[region] = taken[into] = True
        if not taken.any():
            break
        labels = _by_size(target[labels], keep_zero=keep_zero)
    return labels


def _border_lengths(labels: np.ndarray) -> list[dict[int, int]]:
    """For each label, the number of 4-neighbour pixel pairs it shares with each other label."""
    pairs = [
        np.stack([labels[:, :-1].ravel(), labels[:, 1:].ravel()]),
        np.stack([labels[:-1].ravel(), labels[1:].ravel()]),
    ]
    pairs = np.concatenate(pairs, axis=1)
    pairs = pairs[:, (pairs[0] != pairs[1]) & (pairs[0] > 0) & (pairs[1] > 0)]
    pairs = np.concatenate([pairs, pairs[::-1]], axis=1)
    unique, counts = np.unique(pairs, axis=1, return_counts=True)
    border = [{} for _ in range(labels.max() + 1)]
    for (a, b), count in zip(unique.T, counts, strict=True):
        border[a][int(b)] = int(count)
    return border


def _by_size(labels: np.ndarray, *, keep_zero: bool = False) -> np.ndarray:
    """Renumber the labels present to 1..n, the largest region first (ties: lower label first).

    With ``keep_zero``, label 0 stays 0 and is not counted as a region.
    """
    values, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if keep_zero:
        counts = np.where(values == 0, -1, counts)
    rank = np.empty(values.size, dtype=np.int32)
    rank[np.argsort(-counts, kind="stable")] = np.arange(1, values.size + 1)
    if keep_zero and values[0] == 0:
        rank[0] = 0
    return rank[inverse].reshape(labels.shape)
