"""Spatial regularisation of a label image: connected regions, merging, boundary refinement.

The network couples units only locally, so two parts of one phase cluster that do not touch are
not held together by the dynamics: they are separate segments. Fragments below a minimum size
are merged into the neighbour of closest mean features (or, without features, the neighbour
they share the longest border with); adjacent regions of similar colour are merged, large
ones less readily than small ones; and boundaries found on a coarse grid are moved, pixel by
pixel, to where the full-resolution colours put them.
"""

from __future__ import annotations

import heapq

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


def merge_similar_regions(
    labels: np.ndarray, *, features: np.ndarray, threshold: float, size_exponent: float = 0.25
) -> np.ndarray:
    """Merge adjacent regions of similar mean features, most similar first.

    The cost of merging regions a and b is ``|mean_a - mean_b| * (4 h)^size_exponent``, with
    h = n_a n_b / (n_a + n_b) / n_pixels their harmonic size (4 h = 1 for two halves of the
    image): small regions merge readily, large ones only when close. Pairs are merged,
    cheapest first and with the means updated, while the cheapest costs less than
    ``threshold``. With CIELAB features the threshold is a colour difference (Delta E) between
    two halves of the image.

    Parameters
    ----------
    labels : (rows, cols) int ndarray
        A label image, every label a region (0 included).
    features : (n_features, rows, cols) ndarray
        Per-pixel features, such as L*, a*, b*.
    threshold : float
        Merging stops when no adjacent pair costs less.
    size_exponent : float
        How much harder large regions merge (0: mean difference alone).

    Returns
    -------
    (rows, cols) int32 ndarray
        Labels 1..n, largest first.

    Examples
    --------
    >>> labels = np.repeat([[0, 1, 2]], 3, axis=0)
    >>> colour = np.repeat([[[10.0, 12.0, 50.0]]], 3, axis=1)
    >>> merge_similar_regions(labels, features=colour, threshold=5).tolist()[0]
    [1, 1, 2]
    """
    labels = _by_size(labels) - 1
    n_regions = int(labels.max()) + 1
    sizes = np.bincount(labels.ravel(), minlength=n_regions).astype(float)
    sums = np.stack([np.bincount(labels.ravel(), f.ravel(), n_regions) for f in features], 1)
    means = sums / sizes[:, None]
    neighbours = [set(border) for border in _border_lengths(labels + 1)[1:]]
    neighbours = [{b - 1 for b in border} for border in neighbours]
    total = float(labels.size)

    def cost(a: int, b: int) -> float:
        harmonic = sizes[a] * sizes[b] / (sizes[a] + sizes[b]) / total
        return float(np.linalg.norm(means[a] - means[b])) * (4 * harmonic) ** size_exponent

    version = np.zeros(n_regions, dtype=np.intp)
    into = np.arange(n_regions)
    heap = [(cost(a, b), a, b, 0, 0) for a in range(n_regions) for b in neighbours[a] if a < b]
    heapq.heapify(heap)
    while heap:
        pair_cost, a, b, version_a, version_b = heapq.heappop(heap)
        if (version_a, version_b) != (version[a], version[b]) or into[a] != a or into[b] != b:
            continue  # a stale entry: one of the two has merged since
        if pair_cost >= threshold:
            break
        means[a] = (sizes[a] * means[a] + sizes[b] * means[b]) / (sizes[a] + sizes[b])
        sizes[a] += sizes[b]
        into[b] = a
        version[a] += 1
        for other in neighbours[b] - {a}:
            neighbours[other].discard(b)
            neighbours[other].add(a)
        neighbours[a] = (neighbours[a] | neighbours[b]) - {a, b}
        for other in neighbours[a]:
            heapq.heappush(heap, (cost(a, other), a, other, version[a], version[other]))
    while not np.array_equal(into[into], into):
        into = into[into]
    return _by_size(into[labels])


def refine_boundaries(
    labels: np.ndarray, features: np.ndarray, *, iterations: int, smoothness: float = 1.0
) -> np.ndarray:
    """Move region boundaries to where the colours of the full-resolution image put them.

    Labels brought up from a coarse grid have staircase boundaries. Each iteration lets every
    boundary pixel take its own or a 4-neighbour's label, whichever has the lowest cost: the
    squared distance of the pixel's features to the label's mean, in units of twice the mean
    within-region variance, less ``smoothness`` for each of its 8 neighbours that carries the
    label (iterated conditional modes with a Potts prior). A boundary moves by at most one
    pixel per iteration, so ``iterations`` is about the size of a grid cell in pixels. Labels
    are kept as they are, not renumbered.

    Parameters
    ----------
    labels : (rows, cols) int ndarray
    features : (rows, cols, n_features) ndarray
        Such as the image in CIELAB.
    iterations : int
    smoothness : float

    Returns
    -------
    (rows, cols) ndarray of the labels' dtype

    Examples
    --------
    >>> image = np.zeros((6, 6, 1))
    >>> image[:, 3:] = 10
    >>> coarse = np.zeros((6, 6), dtype=int)
    >>> coarse[:, 4:] = 1
    >>> refine_boundaries(coarse, image, iterations=2)[0].tolist()
    [0, 0, 0, 1, 1, 1]
    """
    labels = np.array(labels)
    rows, cols = labels.shape
    n_labels = int(labels.max()) + 1
    flat = features.reshape(rows * cols, -1).astype(np.float64)
    counts = np.maximum(np.bincount(labels.ravel(), minlength=n_labels), 1)[:, None]
    offsets = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)]
    for _ in range(iterations):
        means = np.stack([np.bincount(labels.ravel(), f, n_labels) for f in flat.T], 1) / counts
        spread = 2 * max(float(np.mean((flat - means[labels.ravel()]) ** 2)) * flat.shape[1], 1e-12)
        padded = np.pad(labels, 1, mode="edge")

        def shifted(dr: int, dc: int, padded=padded) -> np.ndarray:
            return padded[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols]

        around = np.stack([shifted(dr, dc) for dr, dc in offsets])
        boundary = np.flatnonzero((around != labels).any(axis=0))
        if boundary.size == 0:
            break
        around = around.reshape(len(offsets), -1)[:, boundary]
        candidates = np.stack([labels.ravel()[boundary], *around[[1, 3, 4, 6]]])
        costs = np.stack(
            [
                np.sum((flat[boundary] - means[c]) ** 2, axis=1) / spread
                - smoothness * (around == c).sum(axis=0)
                for c in candidates
            ]
        )
        chosen = np.take_along_axis(candidates, costs.argmin(axis=0)[None], axis=0)[0]
        if np.array_equal(chosen, candidates[0]):
            break
        labels.ravel()[boundary] = chosen
        counts = np.maximum(np.bincount(labels.ravel(), minlength=n_labels), 1)[:, None]
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
