"""Scores at the dataset's best threshold (ODS) and each image's best (OIS), as BSDS500 does.

Per image, :func:`level_scores` scores every threshold of a segmenter's output: the boundary
counts of :func:`~wavesegment.evaluation.boundaries.boundary_counts` and the region scores of
:mod:`wavesegment.evaluation.metrics`. :func:`dataset_scores` then follows the benchmark's
``collect_eval_bdry.m`` and ``collect_eval_reg.m``:

- boundaries, ODS: the counts summed over the images at each threshold, recall and precision
  from the sums, the best F along the precision-recall curve (interpolated between thresholds,
  as ``maxF``); OIS: the counts of each image at its own best threshold, summed; AP: the area
  under the dataset's curve, precision interpolated at recall 0, 0.01, ..., 1;
- covering, pooled as the benchmark pools it (each image weighs its pixels times its
  annotators): ODS at the best common threshold, OIS at each image's best;
- PRI and VoI, means over the images: ODS at the best common threshold, OIS at each image's best
  (highest PRI, lowest VoI), each score its own threshold.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from skimage.morphology import thin

from .boundaries import MAX_DISTANCE, boundary_counts, label_boundaries
from .levels import Levels
from .metrics import region_scores

__all__ = ["boundary_scores", "dataset_scores", "f_measure", "level_scores", "truth_boundaries"]


def truth_boundaries(truths: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Each annotator's boundary map: the thinned boundaries of its label map.

    On BSDS500 this is the ``Boundaries`` field of the ground truth, pixel for pixel.
    """
    return [thin(label_boundaries(truth)) for truth in truths]


def f_measure(recall: np.ndarray | float, precision: np.ndarray | float) -> np.ndarray:
    """Harmonic mean of recall and precision, 0 where both are 0.

    Examples
    --------
    >>> float(f_measure(0.5, 1.0))
    0.6666666666666666
    """
    recall, precision = np.asarray(recall, float), np.asarray(precision, float)
    total = recall + precision
    return 2 * recall * precision / np.where(total == 0, 1, total)


def level_scores(
    levels: Levels,
    truths: Sequence[np.ndarray],
    *,
    boundaries: Sequence[np.ndarray] | None = None,
    max_distance: float = MAX_DISTANCE,
) -> dict[str, list]:
    """Boundary counts and region scores of one image at every threshold of ``levels``.

    Parameters
    ----------
    levels : Levels
        The image's segmentations (:func:`~wavesegment.evaluation.levels.segmentation_levels`).
    truths : sequence of (rows, cols) int ndarray
        The annotators' label maps.
    boundaries : sequence of (rows, cols) bool ndarray, optional
        The annotators' boundary maps (default: :func:`truth_boundaries`).

    Returns
    -------
    dict
        ``thresholds``; ``counts``, per threshold ``[matched truth, truth, matched machine,
        machine]`` pixels; ``covering``, ``pri``, ``voi`` per threshold; ``pixels`` (the
        covering's weight, pixels times annotators). Lists, so that it goes to JSON as it is.

    Examples
    --------
    >>> from wavesegment.evaluation.levels import segmentation_levels
    >>> truth = np.zeros((20, 20), int); truth[:, 10:] = 1
    >>> scores = level_scores(segmentation_levels(truth, truth.shape), [truth])
    >>> scores["counts"], scores["covering"]
    ([[20, 20, 20, 20]], [1.0])
    """
    if boundaries is None:
        boundaries = truth_boundaries(truths)
    stages = []
    for labels, machine in zip(levels.labels, levels.boundaries, strict=True):
        counts = boundary_counts(machine, boundaries, max_distance=max_distance)
        stages.append((list(counts), *region_scores(labels, truths)))
    at = [stages[int(stage)] for stage in levels.stage]
    return {
        "thresholds": [float(threshold) for threshold in levels.thresholds],
        "counts": [entry[0] for entry in at],
        "covering": [entry[1] for entry in at],
        "pri": [entry[2] for entry in at],
        "voi": [entry[3] for entry in at],
        "pixels": int(np.asarray(truths[0]).size * len(truths)),
    }


def _best_on_curve(thresholds: np.ndarray, recall: np.ndarray, precision: np.ndarray) -> tuple:
    """The benchmark's ``maxF``: best F on the curve, linear between consecutive thresholds."""
    best = (thresholds[0], recall[0], precision[0], float(f_measure(recall[0], precision[0])))
    steps = np.linspace(0, 1, 100)
    for i in range(1, thresholds.size):
        t = thresholds[i] * steps + thresholds[i - 1] * (1 - steps)
        r = recall[i] * steps + recall[i - 1] * (1 - steps)
        p = precision[i] * steps + precision[i - 1] * (1 - steps)
        f = f_measure(r, p)
        k = int(np.argmax(f))
        if f[k] > best[3]:
            best = (t[k], r[k], p[k], float(f[k]))
    return tuple(float(value) for value in best)


def _ratios(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Recall and precision from ``[..., 4]`` counts (0 where nothing was counted)."""
    recall = counts[..., 0] / np.where(counts[..., 1] == 0, 1, counts[..., 1])
    precision = counts[..., 2] / np.where(counts[..., 3] == 0, 1, counts[..., 3])
    return recall, precision


def _average_precision(recall: np.ndarray, precision: np.ndarray) -> float:
    unique, first = np.unique(recall, return_index=True)
    if unique.size < 2:
        return 0.0
    grid = np.linspace(0, 1, 101)
    interpolated = np.interp(grid, unique, precision[first], left=np.nan, right=np.nan)
    return float(np.nansum(interpolated) * 0.01)


def dataset_scores(images: Sequence[dict]) -> dict[str, float]:
    """ODS, OIS and AP of the boundaries, ODS and OIS of the region scores, over ``images``.

    Parameters
    ----------
    images : sequence of dict
        :func:`level_scores` of each image, all with the same thresholds.

    Returns
    -------
    dict
        ``boundary_ods_f``, ``boundary_ods_recall``, ``boundary_ods_precision``,
        ``boundary_ods_threshold``, ``boundary_ois_f``, ``boundary_ois_recall``,
        ``boundary_ois_precision``, ``boundary_ap``, and ``covering_ods``, ``covering_ois``,
        ``pri_ods``, ``pri_ois``, ``voi_ods``, ``voi_ois``; ``thresholds``, their number
        (AP is 0 for one threshold, as in the benchmark).

    Examples
    --------
    >>> image = {"thresholds": [1.0], "counts": [[3, 4, 3, 3]], "covering": [0.5],
    ...          "pri": [0.7], "voi": [1.0], "pixels": 10}
    >>> scores = dataset_scores([image, image])
    >>> round(scores["boundary_ods_f"], 4), scores["covering_ois"]
    (0.8571, 0.5)
    """
    if not images:
        raise ValueError("no images to score")
    thresholds = np.asarray(images[0]["thresholds"], dtype=np.float64)
    if any(len(image["thresholds"]) != thresholds.size for image in images):
        raise ValueError("the images were scored at different numbers of thresholds")
    counts = np.array([image["counts"] for image in images], dtype=np.float64)
    scores = boundary_scores(thresholds, counts)
    return scores | _region_scores(images) | {"thresholds": int(thresholds.size)}


def boundary_scores(thresholds: np.ndarray, counts: np.ndarray) -> dict[str, float]:
    """Boundary ODS, OIS and AP from the counts of every image at every threshold.

    Parameters
    ----------
    thresholds : (n,) ndarray
        The thresholds, common to the images.
    counts : (images, n, 4) ndarray
        Per image and threshold: matched truth, truth, matched machine and machine pixels.

    Examples
    --------
    >>> counts = np.array([[[8, 10, 8, 8], [10, 10, 10, 20]]])
    >>> scores = boundary_scores(np.array([1.0, 2.0]), counts)
    >>> round(scores["boundary_ods_f"], 4), round(scores["boundary_ois_f"], 4)
    (0.8889, 0.8889)
    """
    counts = np.asarray(counts, dtype=np.float64)
    recall, precision = _ratios(counts.sum(axis=0))
    ods = _best_on_curve(np.asarray(thresholds, dtype=np.float64), recall, precision)
    best = np.argmax(f_measure(*_ratios(counts)), axis=1)
    ois_recall, ois_precision = _ratios(counts[np.arange(counts.shape[0]), best].sum(axis=0))
    return {
        "boundary_ods_f": ods[3],
        "boundary_ods_recall": ods[1],
        "boundary_ods_precision": ods[2],
        "boundary_ods_threshold": ods[0],
        "boundary_ois_f": float(f_measure(ois_recall, ois_precision)),
        "boundary_ois_recall": float(ois_recall),
        "boundary_ois_precision": float(ois_precision),
        "boundary_ap": _average_precision(recall, precision),
    }


def _region_scores(images: Sequence[dict]) -> dict[str, float]:
    weights = np.array([image["pixels"] for image in images], dtype=np.float64)[:, None]
    covered = np.array([image["covering"] for image in images]) * weights
    pri = np.array([image["pri"] for image in images])
    voi = np.array([image["voi"] for image in images])
    return {
        "covering_ods": float(np.max(covered.sum(axis=0)) / weights.sum()),
        "covering_ois": float(covered.max(axis=1).sum() / weights.sum()),
        "pri_ods": float(np.max(pri.mean(axis=0))),
        "pri_ois": float(pri.max(axis=1).mean()),
        "voi_ods": float(np.min(voi.mean(axis=0))),
        "voi_ois": float(voi.min(axis=1).mean()),
    }
