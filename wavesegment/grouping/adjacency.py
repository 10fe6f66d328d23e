"""Label images: renumbering by size, the labels that meet across pixel borders, and the map
from one numbering to another that the step logs report.
"""

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
    values, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if weights is not None:
        counts = np.bincount(inverse.ravel(), np.ravel(weights), values.size)
    if keep_zero:
        counts = np.where(values == 0, -1, counts)
    rank = np.empty(values.size, dtype=np.int32)
    rank[np.argsort(-counts, kind="stable")] = np.arange(1, values.size + 1)
    if keep_zero and values[0] == 0:
        rank[0] = 0
    return rank[inverse].reshape(labels.shape)


def neighbour_pairs(
    labels: np.ndarray, values: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels on the two sides of every 4-neighbour pixel pair (2 on a line, 6 in a volume)
    whose labels differ, and the larger of ``values`` at the two pixels (zeros without
    ``values``)."""
    values = np.zeros(labels.shape) if values is None else values
    # Last axis first: the order of the pairs of a 2-D image is that of the columns, then rows.
    axes = range(labels.ndim - 1, -1, -1)
    lower = [(slice(None),) * axis + (slice(None, -1),) for axis in axes]
    upper = [(slice(None),) * axis + (slice(1, None),) for axis in axes]
    first = np.concatenate([labels[low].ravel() for low in lower])
    second = np.concatenate([labels[up].ravel() for up in upper])
    larger = np.concatenate(
        [np.maximum(values[low], values[up]).ravel() for low, up in zip(lower, upper, strict=True)]
    )
    differ = first != second
    return first[differ], second[differ], larger[differ]


def border_lengths(labels: np.ndarray) -> list[dict[int, int]]:
    """For each label, the number of 4-neighbour pixel pairs it shares with each other label
    (label 0 left out)."""
    first, second, _ = neighbour_pairs(labels)
    pairs = np.stack([first, second])[:, (first > 0) & (second > 0)]
    pairs = np.concatenate([pairs, pairs[::-1]], axis=1)
    unique, counts = np.unique(pairs, axis=1, return_counts=True)
    border = [{} for _ in range(labels.max() + 1)]
    for (a, b), count in zip(unique.T, counts, strict=True):
        border[a][int(b)] = int(count)
    return border


def label_mapping(
    before: np.ndarray, after: np.ndarray, *, ignore: np.ndarray | None = None
) -> dict[int, int]:
    """``{label in before: label in after}`` for two numberings of which ``after`` is a function
    of ``before`` (pixels under ``ignore`` left out), as the ``"relabel"`` step of the logs.

    Examples
    --------
    >>> label_mapping(np.array([5, 5, 2, 9]), np.array([1, 1, 2, 2]))
    {2: 2, 5: 1, 9: 2}
    """
    before, after = np.ravel(before), np.ravel(after)
    if ignore is not None:
        inside = ~np.ravel(ignore)
        before, after = before[inside], after[inside]
    if before.size == 0:
        return {}
    if before.dtype.kind in "iu" and 0 <= before.min() and before.max() <= 4 * before.size:
        seen = np.zeros(int(before.max()) + 1, dtype=bool)  # small labels: no sort needed
        seen[before] = True
        values = np.flatnonzero(seen)
        target = np.empty(seen.size, dtype=after.dtype)
        target[before] = after
        return {int(v): int(a) for v, a in zip(values, target[values], strict=True)}
    values, first = np.unique(before, return_index=True)
    return {int(v): int(a) for v, a in zip(values, after[first], strict=True)}


def relabel_step(
    before: np.ndarray, after: np.ndarray, *, ignore: np.ndarray | None = None
) -> dict:
    """The last entry of a step log: ``{"step": "relabel", "mapping": {input: output}}``."""
    return {"step": "relabel", "mapping": label_mapping(before, after, ignore=ignore)}
