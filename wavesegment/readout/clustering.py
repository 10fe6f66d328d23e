"""From readout features to segment labels: how many segments, and which unit is in which."""

from __future__ import annotations

import warnings

import numpy as np

from ..labels import relabel_by_size
from .nearest import kmeans_plus_plus, nearest_centres

# Features whose total variance is below this fraction of their mean squared norm come from
# units that all move in phase: one segment.
_COHERENT_SPREAD = 1e-4
# Two clusters count as distinct when the distance between their centres is at least this many
# times the sum of their RMS radii. A Gaussian blob cut in two by k-means scores about 0.5; on
# the published shapes images, objects score 2.4 to 18 and over-split objects up to 2.7.
SEPARATION = 2.5
# k-means restarts run on a sample of this many units; the best centres are then refined on all.
_KMEANS_SAMPLE = 20_000
# The number of segments is chosen on a smaller sample (the sample is in random order).
_COUNT_SAMPLE = 5_000
# k-means++ runs whose best is kept, by default: of the final clustering, and of each k tried
# for the count (the parameters cluster_restarts and count_restarts).
RESTARTS = 10
COUNT_RESTARTS = 4


def cluster_units(
    features: np.ndarray,
    *,
    n_segments: int | None = None,
    max_segments: int = 8,
    seed: int = 0,
    separation: float = SEPARATION,
    restarts: int = RESTARTS,
    count_restarts: int = COUNT_RESTARTS,
) -> np.ndarray:
    """Labels ``0..k-1`` (largest cluster first) for the rows of ``features``.

    With ``n_segments`` given, k-means with that many clusters. Otherwise k is chosen: one
    segment when all units have (nearly) the same features, else the largest k in
    ``2..max_segments`` whose k-means clusters are all well apart: every two centres at least
    ``separation`` (2.5 by default) times the sum of the two clusters' RMS radii apart. If no
    k passes, the k whose closest two clusters are farthest apart, or one segment if even those
    overlap.

    k-means runs k-means++ (drawn as scipy's ``kmeans2`` draws it, :mod:`.nearest`)
    ``restarts`` times (``count_restarts`` for each k tried) on a seeded sample of at most
    20 000 rows, keeps the centres with the lowest within-cluster sum of squares and refines
    them on all rows.

    Examples
    --------
    >>> centres = np.repeat([[0.0, 0.0, 9.0], [9.0, 0.0, 0.0], [0.0, 9.0, 0.0]], 50, axis=0)
    >>> noise = np.random.default_rng(0).normal(scale=0.3, size=centres.shape)
    >>> int(cluster_units(centres + noise).max()) + 1
    3
    """
    data = np.asarray(features, dtype=np.float64)
    rng = np.random.default_rng(seed)
    sample = data[rng.permutation(data.shape[0])[:_KMEANS_SAMPLE]]
    if n_segments is None:
        count_sample = sample[:_COUNT_SAMPLE]
        n_segments = _choose_count(count_sample, max_segments, rng, separation, count_restarts)
    n_segments = min(n_segments, len(np.unique(sample, axis=0)))
    if n_segments <= 1:
        return np.zeros(data.shape[0], dtype=np.intp)
    centres, _ = _kmeans(sample, n_segments, rng, n_init=restarts)
    _, labels = _lloyd(data, centres, iterations=10)
    return relabel_by_size(labels) - 1


def _choose_count(
    sample: np.ndarray,
    max_segments: int,
    rng: np.random.Generator,
    separation: float,
    restarts: int,
) -> int:
    scale = float(np.mean(np.sum(sample**2, axis=1)))
    if float(np.sum(np.var(sample, axis=0))) <= _COHERENT_SPREAD * scale:
        return 1
    chosen, best_k, best_separation = 0, 1, 1.0
    for k in range(2, min(max_segments, len(sample)) + 1):
        _, labels = _kmeans(sample, k, rng, n_init=restarts)
        if np.unique(labels).size < k:
            break
        apart = float(separations(sample, labels, k).min())
        if apart >= separation:
            chosen = k
        if apart > best_separation:
            best_k, best_separation = k, apart
    return chosen or best_k


def _kmeans(data: np.ndarray, k: int, rng: np.random.Generator, n_init: int | None = None):
    """Centres and labels of the best of ``n_init`` (``RESTARTS``) k-means++ runs."""
    best = None, None, np.inf
    for _ in range(RESTARTS if n_init is None else n_init):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an empty cluster in one restart is no matter
            # scipy's k-means++ start and its first iteration (kmeans2(data, k, iter=1,
            # minit="++", seed=rng)), then the other 29 to convergence
            centres, labels = _lloyd(data, kmeans_plus_plus(data, k, rng), iterations=1)
        centres, labels = _lloyd(data, centres, iterations=29, labels=labels)
        inertia = float(((data - centres[labels]) ** 2).sum())
        if inertia < best[2]:
            best = centres, labels, inertia
    return best[0], best[1]


def _lloyd(
    data: np.ndarray, centres: np.ndarray, *, iterations: int, labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``kmeans2(data, centres, iter=iterations, minit="matrix")``, to the bit, stopped where
    it has converged.

    Each of scipy's iterations assigns the rows to their nearest centre, then moves every
    centre with rows to their mean (an empty one stays). Once an assignment repeats the one
    before (``labels``: that of the centres' making, if known), the centres are those of the
    step before and so is everything after: kmeans2 would run its remaining iterations for
    nothing (most of its time on a photo's phase features, which converge in a few).

    Examples
    --------
    >>> data = np.random.default_rng(1).normal(size=(200, 3))
    >>> start = data[:4].copy()
    >>> ours = _lloyd(data, start, iterations=30)
    >>> from scipy.cluster.vq import kmeans2
    >>> theirs = kmeans2(data, start, iter=30, minit="matrix")
    >>> all(np.array_equal(a, b) for a, b in zip(ours, theirs))
    True
    """
    k = centres.shape[0]
    for _ in range(iterations):
        assigned = nearest_centres(data, centres)
        if labels is not None and np.array_equal(assigned, labels):
            return centres, assigned
        labels = assigned
        counts = np.bincount(labels, minlength=k)[:, None]
        # Sums in the rows' order, as scipy's update_cluster_means makes them, a feature at
        # a time.
        sums = np.stack([np.bincount(labels, column, k) for column in data.T], axis=1)
        centres = np.divide(sums, counts, out=centres.copy(), where=counts > 0)
    return centres, labels


def separations(features: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """(k, k) distances between cluster centres over the sums of their RMS radii.

    The diagonal is infinite, so that a row's minimum is how close that cluster comes to
    merging with another (``SEPARATION`` and above: well apart).

    Examples
    --------
    >>> features = np.array([[0.0], [2.0], [10.0], [12.0]])
    >>> separations(features, np.array([0, 0, 1, 1]), 2)[0, 1]
    np.float64(5.0)
    """
    counts = np.bincount(labels, minlength=k)[:, None]
    centres = np.zeros((k, features.shape[1]))
    np.add.at(centres, labels, features)
    centres /= counts
    squared = np.sum((features - centres[labels]) ** 2, axis=1)
    radii = np.sqrt(np.bincount(labels, squared, k) / counts[:, 0])
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=2)
    ratio = gaps / np.maximum(radii[:, None] + radii[None], 1e-300)
    np.fill_diagonal(ratio, np.inf)
    return ratio


def split_separation(features: np.ndarray, rng: np.random.Generator) -> float:
    """Separation of the best split of ``features`` into two k-means clusters (0: no split).

    At ``SEPARATION`` or above, the clustering would have counted the two halves as segments.
    """
    if len(np.unique(features, axis=0)) < 2:
        return 0.0
    _, halves = _kmeans(features, 2, rng)
    if np.unique(halves).size < 2:
        return 0.0
    return float(separations(features, halves, 2)[0, 1])
