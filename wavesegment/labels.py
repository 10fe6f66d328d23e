"""Label maps' numbering, shared by the readout (phase clusters) and the grouping steps:
labels 1..n, the largest region first; and their agreement (contingency table, adjusted Rand
index), shared by the analysis of a run and the evaluation against ground truth."""

from __future__ import annotations

import numpy as np


def relabel_by_size(
    labels: np.ndarray, *, keep_zero: bool = False, weights: np.ndarray | None = None
) -> np.ndarray:
    """Renumber the labels present to 1..n, the largest region first (ties: lower label first).

    With ``keep_zero``, label 0 stays 0 and is not counted as a region. With ``weights`` (one
    per element of ``labels``), a region's size is the sum of its elements' weights.

    Examples
    --------
    >>> relabel_by_size(np.array([7, 3, 3, 9])).tolist()
    [2, 1, 1, 3]
    >>> relabel_by_size(np.array([7, 3, 3, 9]), weights=np.array([1, 1, 1, 5])).tolist()
    [3, 2, 2, 1]
    """
    labels = np.asarray(labels)
    if _small_labels(labels):
        # Small non-negative labels: counted by bincount, not sorted (a 16 MP photo's labels
        # are sorted in seconds); the same values, counts and weight sums as np.unique's.
        counts = np.bincount(labels.ravel(), minlength=1)
        values = np.flatnonzero(counts)
        counts = counts[values]
        if weights is not None:
            counts = np.bincount(labels.ravel(), np.ravel(weights))[values]
        index = None
    else:
        values, index, counts = np.unique(labels, return_inverse=True, return_counts=True)
        if weights is not None:
            counts = np.bincount(index.ravel(), np.ravel(weights), values.size)
    if keep_zero:
        counts = np.where(values == 0, -1, counts)
    rank = np.empty(values.size, dtype=np.int32)
    rank[np.argsort(-counts, kind="stable")] = np.arange(1, values.size + 1)
    if keep_zero and values.size and values[0] == 0:
        rank[0] = 0
    if index is not None:
        return rank[index].reshape(labels.shape)
    table = np.zeros(int(values[-1]) + 1 if values.size else 1, dtype=np.int32)
    table[values] = rank
    return table[labels]


def _small_labels(labels: np.ndarray) -> bool:
    """Integer labels from 0 to at most 4 per element: a table indexed by label is cheap."""
    return (
        labels.dtype.kind in "iu"
        and labels.size > 0
        and 0 <= labels.min()
        and labels.max() <= 4 * labels.size
    )


def label_counts(labels: np.ndarray, minlength: int = 0) -> np.ndarray:
    """``np.bincount(labels.ravel(), minlength=minlength)`` of non-negative integer labels,
    a million at a time: bincount casts int32 labels to intp first, and that copy of a 16 MP
    photo's labels (128 MB of fresh pages) took longer than the counting.

    Examples
    --------
    >>> label_counts(np.array([[0, 2], [2, 2]], dtype=np.int32), minlength=4).tolist()
    [1, 0, 3, 0]
    >>> label_counts(np.array([1, 1], dtype=np.uint16)).tolist()  # a label PNG's type
    [0, 2]
    """
    flat = np.ravel(labels)
    top = int(flat.max()) if flat.size else -1
    counts = np.zeros(max(minlength, top + 1), dtype=np.int64)
    for start in range(0, flat.size, _CHUNK):
        part = np.bincount(flat[start : start + _CHUNK].astype(np.intp))
        counts[: part.size] += part
    return counts


#: Labels counted at once by :func:`label_counts`: 8 MB of intp.
_CHUNK = 2**20


def compact_labels(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0..n-1 in the order of their values, so that contingency tables stay
    as small as the label count.

    Examples
    --------
    >>> compact_labels(np.array([[7, 3], [3, 40]])).tolist()
    [[1, 0], [0, 2]]
    """
    return np.unique(np.asarray(labels), return_inverse=True)[1].reshape(np.shape(labels))


def contingency_counts(truth: np.ndarray, segmentation: np.ndarray) -> np.ndarray:
    """Dense contingency table: pixels of truth region i (rows) in segment j (columns), the
    regions numbered in order of their labels.

    Examples
    --------
    >>> contingency_counts(np.array([0, 0, 1, 1]), np.array([5, 5, 5, 2])).tolist()
    [[0.0, 2.0], [1.0, 1.0]]
    """
    truth, segmentation = np.asarray(truth), np.asarray(segmentation)
    if truth.shape != segmentation.shape:
        raise ValueError(f"ground truth has shape {truth.shape}, segmentation {segmentation.shape}")
    if truth.size == 0:
        raise ValueError("no pixels to compare")
    from skimage.metrics import contingency_table  # only where labels are compared

    table = contingency_table(compact_labels(truth), compact_labels(segmentation))
    return np.asarray(table.todense(), dtype=np.float64)


def adjusted_rand_index(
    truth: np.ndarray, segmentation: np.ndarray, *, mask: np.ndarray | None = None
) -> float:
    """Adjusted Rand index (Hubert and Arabie) between two label maps, 1 for identical partitions.

    Parameters
    ----------
    truth, segmentation : int ndarray
        Label maps of the same shape.
    mask : bool ndarray, optional
        Only these pixels count; e.g. the ground-truth foreground, for the foreground ARI of the
        published shapes experiments.

    Returns
    -------
    float
        1 for the same partition, about 0 for a random one. When both partitions put every
        pixel in one segment the index is 1.

    Examples
    --------
    >>> adjusted_rand_index(np.array([0, 0, 1, 1]), np.array([5, 5, 2, 2]))
    1.0
    """
    if mask is not None:
        truth, segmentation = np.asarray(truth)[mask], np.asarray(segmentation)[mask]
    counts = contingency_counts(truth, segmentation)

    def pairs(values):
        return float((values * (values - 1) / 2).sum())

    total = pairs(np.array([counts.sum()]))
    if total == 0:  # fewer than two pixels: no pair to disagree on
        return 1.0
    together, in_truth, in_segments = pairs(counts), pairs(counts.sum(1)), pairs(counts.sum(0))
    expected = in_truth * in_segments / total
    best = (in_truth + in_segments) / 2
    if best == expected:
        return 1.0
    return (together - expected) / (best - expected)
