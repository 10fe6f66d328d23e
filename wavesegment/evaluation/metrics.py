"""Scores of a segmentation against one or several ground truths, as the BSDS500 benchmark does.

Probabilistic Rand index and variation of information are averaged over the annotators;
segmentation covering pools the regions of all annotators (``evaluation_reg_image.m`` of the
benchmark). Variation of information is in bits. Every score is computed from contingency tables
(``skimage.metrics.contingency_table``); :func:`region_scores` gives the benchmark's three from
one table per annotator.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..labels import adjusted_rand_index, compact_labels, contingency_counts

__all__ = [
    "adjusted_rand_index",
    "mask_iou",
    "probabilistic_rand_index",
    "region_scores",
    "segmentation_covering",
    "variation_of_information_bits",
]


def _as_list(truths: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    if isinstance(truths, np.ndarray):
        return [truths]
    if len(truths) == 0:
        raise ValueError("at least one ground truth is needed")
    return list(truths)


def _rand_index(counts: np.ndarray) -> float:
    total = counts.sum()
    if total < 2:
        return 1.0
    # Pairs split by one partition and not the other (the benchmark's rand_index.m).
    squares = (counts.sum(axis=1) ** 2).sum() + (counts.sum(axis=0) ** 2).sum()
    disagreements = squares / 2 - (counts**2).sum()
    return float(1 - disagreements / (total * (total - 1) / 2))


def probabilistic_rand_index(
    segmentation: np.ndarray, truths: np.ndarray | Sequence[np.ndarray]
) -> float:
    """Probabilistic Rand index: the Rand index averaged over the ground truths.

    For each pair of pixels the segmentation scores 1 if it agrees with an annotator on whether
    the two are together; PRI is the mean over pairs and annotators, in 0..1 (higher is better).

    Parameters
    ----------
    segmentation : (rows, cols) int ndarray
        Labels of the segmentation.
    truths : (rows, cols) int ndarray or sequence of them
        One or several ground-truth label maps.

    Returns
    -------
    float

    Examples
    --------
    >>> probabilistic_rand_index(np.array([0, 0, 1, 1]), [np.array([0, 0, 0, 1])])
    0.5
    """
    return float(
        np.mean(
            [_rand_index(contingency_counts(truth, segmentation)) for truth in _as_list(truths)]
        )
    )


def variation_of_information_bits(
    segmentation: np.ndarray, truths: np.ndarray | Sequence[np.ndarray]
) -> float:
    """Variation of information in bits, averaged over the ground truths (lower is better).

    ``VoI = H(S | G) + H(G | S)``, from ``skimage.metrics.variation_of_information``.

    Examples
    --------
    >>> variation_of_information_bits(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 0]))
    1.0
    """
    return float(
        np.mean([_voi_bits(contingency_counts(truth, segmentation)) for truth in _as_list(truths)])
    )


def _voi_bits(counts: np.ndarray) -> float:
    """``H(S | G) + H(G | S)`` in bits from a contingency table, as
    ``skimage.metrics.variation_of_information`` computes it: ``2 H(G, S) - H(G) - H(S)``."""
    p = counts / counts.sum()

    def entropy(q: np.ndarray) -> float:
        q = q[q > 0]
        return float(-(q * np.log2(q)).sum())

    return 2 * entropy(p.ravel()) - entropy(p.sum(axis=1)) - entropy(p.sum(axis=0))


def segmentation_covering(
    segmentation: np.ndarray, truths: np.ndarray | Sequence[np.ndarray]
) -> float:
    """How well the segments cover the ground-truth regions, pooled over annotators (0..1).

    Each ground-truth region R of every annotator scores its best intersection over union with
    a segment, weighted by its area: ``sum_R |R| max_S IoU(R, S) / sum_annotators N``.

    Examples
    --------
    >>> segmentation_covering(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1]))
    0.625
    """
    tables = [contingency_counts(truth, segmentation) for truth in _as_list(truths)]
    return float(sum(map(_covered, tables)) / sum(table.sum() for table in tables))


def _covered(counts: np.ndarray) -> float:
    """``sum_R |R| max_S IoU(R, S)`` over the truth regions R (rows) of a contingency table."""
    union = counts.sum(axis=1, keepdims=True) + counts.sum(axis=0, keepdims=True) - counts
    return float((counts.sum(axis=1) * (counts / union).max(axis=1)).sum())


def region_scores(
    segmentation: np.ndarray, truths: np.ndarray | Sequence[np.ndarray]
) -> tuple[float, float, float]:
    """Covering, PRI and VoI bits at once, from one contingency table per ground truth: what
    :func:`segmentation_covering`, :func:`probabilistic_rand_index` and
    :func:`variation_of_information_bits` give, in a third of their time.

    Examples
    --------
    >>> region_scores(np.array([0, 0, 1, 1]), [np.array([0, 0, 0, 1])])
    (0.625, 0.5, 1.188721875540867)
    """
    tables = [contingency_counts(truth, segmentation) for truth in _as_list(truths)]
    return (
        float(sum(map(_covered, tables)) / sum(table.sum() for table in tables)),
        float(np.mean([_rand_index(table) for table in tables])),
        float(np.mean([_voi_bits(table) for table in tables])),
    )


def mask_iou(segmentation: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """Intersection over union of the segments with a figure mask, best segment and best union.

    Parameters
    ----------
    segmentation : (rows, cols) int ndarray
        Labels; every label, 0 included, is a segment.
    mask : (rows, cols) bool ndarray
        The figure (e.g. the horse).

    Returns
    -------
    best : float
        IoU of the single segment that matches the mask best.
    union : float
        IoU of the union of the segments that lie mostly (more than half their pixels) inside
        the mask; 0 when no segment does.

    Examples
    --------
    >>> mask_iou(np.array([0, 0, 1, 2]), np.array([False, False, True, True]))
    (0.5, 1.0)
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != np.shape(segmentation):
        raise ValueError(f"mask has shape {mask.shape}, segmentation {np.shape(segmentation)}")
    if not mask.any():
        raise ValueError("the mask is empty")
    segments = compact_labels(segmentation)
    size = np.bincount(segments.ravel()).astype(np.float64)
    inside = np.bincount(segments[mask], minlength=size.size).astype(np.float64)
    figure = inside.sum()
    best = float((inside / (size + figure - inside)).max())
    mostly_inside = inside > size / 2
    union_inside = inside[mostly_inside].sum()
    union = float(union_inside / (size[mostly_inside].sum() + figure - union_inside))
    return best, union
