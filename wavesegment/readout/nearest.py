"""Nearest centres and k-means++ starts in numpy, as scipy's ``vq`` and ``kmeans2(minit="++")``
make them, to the bit: importing ``scipy.cluster`` (which imports ``scipy.spatial`` and
``scipy.sparse``) took a command 0.13 s of its start-up, for these few lines.

Squared distances are summed feature by feature, in order, as scipy's loops add them (its
``vq`` for fewer than :data:`FEW_FEATURES` features, and ``cdist(metric="sqeuclidean")``);
``vq`` with more features multiplies matrices through BLAS, and is then scipy's own.
"""

from __future__ import annotations

import numpy as np

#: scipy's ``vq`` adds squared differences in a loop below this many features.
FEW_FEATURES = 5


def squared_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """(len(centres), len(points)) squared Euclidean distances, the features added in order.

    Examples
    --------
    >>> squared_distances(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 0.0]])).tolist()
    [[0.0, 25.0]]
    """
    total = (centres[:, None, 0] - points[None, :, 0]) ** 2
    for feature in range(1, points.shape[1]):
        total += (centres[:, None, feature] - points[None, :, feature]) ** 2
    return total


def nearest_centres(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The index (int32) of each point's nearest centre, the first of equals:
    ``scipy.cluster.vq.vq(points, centres)[0]``.

    Examples
    --------
    >>> nearest_centres(np.array([[0.0], [2.0], [9.0]]), np.array([[1.0], [8.0]])).tolist()
    [0, 0, 1]
    """
    if points.shape[1] >= FEW_FEATURES:
        from scipy.cluster.vq import vq

        return vq(points, centres, check_finite=False)[0]
    return first_minimum(squared_distances(points, centres))


def first_minimum(rows: np.ndarray) -> np.ndarray:
    """``rows.argmin(axis=0)`` as int32 for finite values (the first of equal minima), a row
    at a time: numpy's argmin along the first axis of a (k, n) array reads it column by
    column, two to three times slower for the few rows of k-means.

    Examples
    --------
    >>> first_minimum(np.array([[3.0, 1.0, 2.0], [1.0, 1.0, 5.0]])).tolist()
    [1, 0, 0]
    """
    best = rows[0].copy()
    index = np.zeros(rows.shape[1], dtype=np.int32)
    for row, values in enumerate(rows[1:], start=1):
        index[values < best] = row  # strictly closer: the first of equals keeps it
        np.minimum(best, values, out=best)
    return index


def kmeans_plus_plus(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k starting centres drawn by k-means++ (each next one with a probability in proportion
    to the squared distance to the nearest one drawn), as scipy's ``kmeans2(points, k,
    minit="++", seed=rng)`` draws them, with the same draws of ``rng``.

    Examples
    --------
    >>> points = np.array([[0.0], [0.1], [10.0]])
    >>> sorted(kmeans_plus_plus(points, 2, np.random.default_rng(0))[:, 0].tolist())
    [0.0, 10.0]
    """
    centres = np.empty((int(k), points.shape[1]))
    for i in range(k):
        if i == 0:
            index = rng.integers(points.shape[0], dtype="int64")
        else:
            nearest = squared_distances(points, centres[:i]).min(axis=0)
            index = int(np.searchsorted((nearest / nearest.sum()).cumsum(), rng.uniform()))
        centres[i] = points[index]
    return centres
