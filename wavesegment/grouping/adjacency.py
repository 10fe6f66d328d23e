"""Label images: the labels that meet across pixel borders, and the map from one numbering to
another that the step logs report (renumbering by size is :mod:`wavesegment.labels`'s).
"""

from __future__ import annotations

import numpy as np


def neighbour_pairs(
    labels: np.ndarray, values: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels on the two sides of every 4-neighbour pixel pair (2 on a line, 6 in a volume)
    whose labels differ, and the larger of ``values`` at the two pixels (zeros without
    ``values``)."""
    # Last axis first: the order of the pairs of a 2-D image is that of the columns, then rows.
    # Each axis keeps only its differing pairs before they are joined (few, on a large image).
    first, second, larger = [], [], []
    for axis in range(labels.ndim - 1, -1, -1):
        low = (slice(None),) * axis + (slice(None, -1),)
        up = (slice(None),) * axis + (slice(1, None),)
        differ = labels[low] != labels[up]
        first.append(labels[low][differ])
        second.append(labels[up][differ])
        if values is None:
            larger.append(np.zeros(first[-1].size))
        else:
            larger.append(np.maximum(values[low][differ], values[up][differ]))
    return np.concatenate(first), np.concatenate(second), np.concatenate(larger)


def border_lengths(labels: np.ndarray) -> list[dict[int, int]]:
    """For each label, the number of 4-neighbour pixel pairs it shares with each other label
    (label 0 left out)."""
    first, second, _ = neighbour_pairs(labels)
    inside = (first > 0) & (second > 0)
    first, second = first[inside].astype(np.int64), second[inside].astype(np.int64)
    # Each pair as one integer, a * (largest + 1) + b: sorted as the pairs (a, b) are, and
    # many times faster to count than np.unique(axis=1) (a pass of merge_small_regions).
    span = int(labels.max()) + 1 if labels.size else 1
    keys = np.concatenate([first * span + second, second * span + first])
    unique, counts = np.unique(keys, return_counts=True)
    border = [{} for _ in range(span)]
    for a, b, count in zip(
        (unique // span).tolist(), (unique % span).tolist(), counts.tolist(), strict=True
    ):
        border[a][b] = count
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


def border_side_sums(labels: np.ndarray, sides: list, n_regions: int) -> list[dict]:
    """``sides[a][b]``: over the 4-neighbour pixel pairs of a and b, the sum of the colours
    sampled on a's side, ``offset`` pixels away from the pair, in each blurred image of
    ``sides`` (all concatenated): what the learned linkage's contrast across a border needs.

    Examples
    --------
    >>> labels = np.array([[0, 0, 1, 1]])
    >>> image = np.array([[1.0, 2.0, 3.0, 4.0]])[..., None]
    >>> sums = border_side_sums(labels, [(image, 1)], 2)
    >>> sums[0][1].tolist(), sums[1][0].tolist()
    ([1.0], [4.0])
    """
    rows, cols = labels.shape
    ends = {}
    for axis, length in ((1, cols), (0, rows)):  # pairs (i, i + 1) along the axis
        before = np.take(labels, np.arange(length - 1), axis=axis)
        after = np.take(labels, np.arange(1, length), axis=axis)
        differ = before != after
        pairs = np.nonzero(differ)  # each pair's first pixel; only these are sampled
        samples = []
        for blurred, offset in sides:
            low, high = list(pairs), list(pairs)
            low[axis] = np.clip(pairs[axis] - offset, 0, length - 1)
            high[axis] = np.clip(pairs[axis] + 1 + offset, 0, length - 1)
            samples.append((blurred[tuple(low)], blurred[tuple(high)]))
        ends[axis] = (before[differ], after[differ], samples)
    first = np.concatenate([ends[axis][0] for axis in (1, 0)])
    second = np.concatenate([ends[axis][1] for axis in (1, 0)])
    n_sides = len(sides)
    near = [np.concatenate([ends[axis][2][i][0] for axis in (1, 0)]) for i in range(n_sides)]
    far = [np.concatenate([ends[axis][2][i][1] for axis in (1, 0)]) for i in range(n_sides)]
    result = [{} for _ in range(n_regions)]
    for owner, other, samples in ((first, second, near), (second, first, far)):
        key = owner * n_regions + other
        keys, inverse = np.unique(key, return_inverse=True)
        values = np.concatenate(samples, axis=1)
        totals = np.stack([np.bincount(inverse, v, keys.size) for v in values.T], axis=1)
        for pair, total in zip(keys, totals, strict=True):
            a, b = divmod(int(pair), n_regions)
            result[a][b] = result[a].get(b, 0.0) + total  # pairs either way round
    return result
