"""Confidence from a stochastic drive: segment under noise with several seeds, see what holds.

Each sample runs :func:`wavesegment.segment` with its own seed (initial phases, noise, k-means)
and complex Gaussian noise in the dynamics. Segment numbers are arbitrary per sample, so the
samples are matched to one another (Hungarian assignment on label overlaps) before counting,
per pixel, how many of them agree with the consensus.
"""

from __future__ import annotations

import numpy as np


def sample_labels(
    image: np.ndarray, *, samples: int, noise: float, seed: int = 0, **segment_options
) -> np.ndarray:
    """Labels of ``samples`` noisy runs with seeds ``seed, seed + 1, ...``.

    Parameters
    ----------
    image : (rows, cols) or (rows, cols, 3|4) array
    samples : int
        Number of runs.
    noise : float
        Relative noise level (see :func:`wavesegment.dynamics.evolve`).
    seed : int
        Seed of the first run.
    **segment_options
        Passed on to :func:`wavesegment.segment` (not ``seed`` or ``noise``).

    Returns
    -------
    labels : (samples, rows, cols) int32 ndarray
    """
    from ..segmentation import segment

    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    return np.stack(
        [
            segment(image, seed=seed + offset, noise=noise, **segment_options).labels
            for offset in range(samples)
        ]
    )


def _contingency(labels: np.ndarray, reference: np.ndarray) -> np.ndarray:
    table = np.zeros((labels.max() + 1, reference.max() + 1), dtype=np.int64)
    np.add.at(table, (labels.ravel(), reference.ravel()), 1)
    return table


def align_labels(labels: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Renumber ``labels`` so that each segment takes the number of the reference segment it
    overlaps most, one to one (``scipy.optimize.linear_sum_assignment``).

    Segments left without a partner get numbers above all reference numbers.

    Examples
    --------
    >>> align_labels(np.array([2, 2, 0, 1]), np.array([0, 0, 1, 2])).tolist()
    [0, 0, 1, 2]
    """
    from scipy.optimize import linear_sum_assignment

    labels, reference = np.asarray(labels), np.asarray(reference)
    table = _contingency(labels, reference)
    rows, cols = linear_sum_assignment(table, maximize=True)
    mapping = np.full(table.shape[0], -1)
    mapping[rows] = cols
    unmatched = mapping < 0
    mapping[unmatched] = table.shape[1] + np.arange(unmatched.sum())
    return mapping[labels]


def label_agreement(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Consensus labels and, per pixel, the fraction of samples that agree with them.

    The samples are aligned to the first, the per-pixel majority is taken, and the samples are
    aligned once more, to that majority, before agreement is counted.

    Parameters
    ----------
    samples : (n_samples, ...) int ndarray

    Returns
    -------
    consensus : (...) int ndarray
    agreement : (...) float ndarray
        In ``[1 / n_samples, 1]``.

    Examples
    --------
    >>> runs = np.array([[0, 0, 1, 1], [1, 1, 0, 0], [1, 1, 0, 1]])
    >>> consensus, agreement = label_agreement(runs)
    >>> consensus.tolist(), agreement.round(2).tolist()
    ([0, 0, 1, 1], [1.0, 1.0, 1.0, 0.67])
    """
    samples = np.asarray(samples)
    consensus = samples[0]
    for _ in range(2):
        aligned = np.stack([align_labels(sample, consensus) for sample in samples])
        counts = np.stack([(aligned == label).sum(axis=0) for label in range(aligned.max() + 1)])
        consensus = counts.argmax(axis=0)
    return consensus, counts.max(axis=0) / len(samples)


def auroc(scores: np.ndarray, positives: np.ndarray) -> float:
    """Area under the ROC curve of ``scores`` for predicting ``positives`` (ties count half).

    The Mann-Whitney statistic: the probability that a random positive scores higher than a
    random negative. NaN when either class is empty.

    Examples
    --------
    >>> auroc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([False, False, True, True]))
    0.75
    """
    from scipy.stats import rankdata

    scores = np.asarray(scores, dtype=np.float64).ravel()
    positives = np.asarray(positives, dtype=bool).ravel()
    n_positive = int(positives.sum())
    n_negative = positives.size - n_positive
    if n_positive == 0 or n_negative == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float(
        (ranks[positives].sum() - n_positive * (n_positive + 1) / 2) / (n_positive * n_negative)
    )
