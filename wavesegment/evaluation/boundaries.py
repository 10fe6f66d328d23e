"""Boundary precision and recall as the BSDS500 benchmark measures them (Arbelaez et al. 2011).

A machine boundary map is thinned (``bwmorph(..., 'thin', inf)``, here
:func:`skimage.morphology.thin`, the same algorithm) and matched one to one with each
annotator's boundary pixels within 0.0075 of the image diagonal (``correspondPixels``).
Precision counts the machine pixels matched to any annotator, recall the annotators' pixels
matched, summed over annotators (``evaluation_bdry_image.m``).

``correspondPixels`` solves a min-cost assignment whose cost of leaving a pixel unmatched is
100 times the largest distance, so that it matches as many pixels as can be matched and only
then prefers short pairs; the counts are those of a maximum bipartite matching of the pixel
pairs within reach, which is what :func:`match_boundaries` computes (nearest pairs first, then
augmenting paths). Which of several maximum matchings is taken can change which machine pixels
count as matched when there are several annotators. On BSDS500 photos the original code
(``correspondPixels`` as pyedgeeval 0.2.8 compiles it) matched the same number of pixels or up to
3 fewer in about 2000 (its sparse random outlier graph can miss an augmentation).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from skimage.morphology import thin

from ._matching import maximum_matching

__all__ = [
    "MAX_DISTANCE",
    "boundary_counts",
    "label_boundaries",
    "match_boundaries",
]

# The benchmark's maxDist: a fraction of the image diagonal.
MAX_DISTANCE = 0.0075


def label_boundaries(labels: np.ndarray) -> np.ndarray:
    """The boundary pixels of a label map, as the benchmark's ``seg2bdry(seg, 'imageSize')``.

    A pixel is on a boundary where its label differs from the one below or to the right, or
    where the labels of the 2 x 2 block it starts differ (the lower-right corner of a pixel in
    the benchmark's double-size grid); the last row and column take only their own edges.

    Examples
    --------
    >>> labels = np.array([[1, 1, 2], [1, 1, 2], [3, 3, 3]])
    >>> label_boundaries(labels).astype(int)
    array([[0, 1, 0],
           [1, 1, 1],
           [0, 0, 0]])
    """
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"a label map must be 2-D, not of shape {labels.shape}")
    across = labels[:, :-1] != labels[:, 1:]  # (rows, cols - 1)
    down = labels[:-1, :] != labels[1:, :]  # (rows - 1, cols)
    boundaries = np.zeros(labels.shape, dtype=bool)
    boundaries[:-1, :-1] = across[:-1] | across[1:] | down[:, :-1] | down[:, 1:]
    boundaries[-1, :-1] = across[-1]
    boundaries[:-1, -1] = down[:, -1]
    return boundaries


def _pairs_within(
    machine: np.ndarray, truth: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray]:
    """The truth pixels within ``radius`` of each machine pixel, nearest first, as CSR
    ``indptr`` and ``indices`` (machine pixels in raster order, truth pixels numbered so)."""
    rows, cols = truth.shape
    truth_index = np.full(truth.shape, -1, dtype=np.int64)
    truth_index[truth] = np.arange(np.count_nonzero(truth))
    machine_rows, machine_cols = np.nonzero(machine)
    reach = int(np.ceil(radius))
    offsets = [
        (dy * dy + dx * dx, dy, dx)
        for dy in range(-reach, reach + 1)
        for dx in range(-reach, reach + 1)
        if dy * dy + dx * dx <= radius * radius
    ]
    sources, targets, distances = [], [], []
    for squared, dy, dx in offsets:
        y, x = machine_rows + dy, machine_cols + dx
        inside = np.flatnonzero((y >= 0) & (y < rows) & (x >= 0) & (x < cols))
        found = truth_index[y[inside], x[inside]]
        sources.append(inside[found >= 0])
        targets.append(found[found >= 0])
        distances.append(np.full(np.count_nonzero(found >= 0), squared))
    sources, targets = np.concatenate(sources), np.concatenate(targets)
    order = np.lexsort((np.concatenate(distances), sources))
    indptr = np.searchsorted(sources[order], np.arange(machine_rows.size + 1))
    return indptr.astype(np.int64), targets[order].astype(np.int64)


def match_boundaries(
    machine: np.ndarray, truth: np.ndarray, *, max_distance: float = MAX_DISTANCE
) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one correspondence of two boundary maps within ``max_distance`` x diagonal.

    Parameters
    ----------
    machine, truth : (rows, cols) bool ndarray
        Boundary maps (already thin).
    max_distance : float
        Largest distance of a matched pair, as a fraction of the image diagonal.

    Returns
    -------
    matched_machine, matched_truth : (rows, cols) bool ndarray
        The pixels of each map that have a partner in a maximum matching.

    Examples
    --------
    >>> machine = np.zeros((100, 100), bool); machine[50, 10:60] = True
    >>> truth = np.zeros((100, 100), bool); truth[51, 30:90] = True
    >>> matched_machine, matched_truth = match_boundaries(machine, truth)
    >>> int(matched_machine.sum()), int(matched_truth.sum())
    (30, 30)
    """
    machine, truth = np.asarray(machine, dtype=bool), np.asarray(truth, dtype=bool)
    if machine.shape != truth.shape or machine.ndim != 2:
        raise ValueError(f"boundary maps of shapes {machine.shape} and {truth.shape} differ")
    radius = max_distance * float(np.hypot(*machine.shape))
    matched_machine = np.zeros(machine.shape, dtype=bool)
    matched_truth = np.zeros(truth.shape, dtype=bool)
    if not machine.any() or not truth.any():
        return matched_machine, matched_truth
    indptr, indices = _pairs_within(machine, truth, radius)
    partner = maximum_matching(indptr, indices, int(np.count_nonzero(truth)))
    matched_machine.flat[np.flatnonzero(machine)[partner >= 0]] = True
    matched_truth.flat[np.flatnonzero(truth)[partner[partner >= 0]]] = True
    return matched_machine, matched_truth


def boundary_counts(
    machine: np.ndarray,
    truths: Sequence[np.ndarray],
    *,
    max_distance: float = MAX_DISTANCE,
    thin_machine: bool = True,
) -> tuple[int, int, int, int]:
    """The benchmark's counts of one boundary map against every annotator's.

    Parameters
    ----------
    machine : (rows, cols) bool ndarray
        The segmenter's boundary map (thinned first unless ``thin_machine`` is False).
    truths : sequence of (rows, cols) bool ndarray
        The annotators' boundary maps (BSDS500's ``Boundaries``).
    max_distance : float
        Largest distance of a matched pair, as a fraction of the image diagonal.

    Returns
    -------
    matched_truth, truth, matched_machine, machine : int
        Recall is ``matched_truth / truth`` (pixels summed over the annotators), precision
        ``matched_machine / machine``, a machine pixel counting as matched when it is matched
        to some annotator (``cntR, sumR, cntP, sumP`` of ``evaluation_bdry_image.m``).

    Examples
    --------
    >>> labels = np.zeros((40, 40), int); labels[:, 20:] = 1
    >>> shifted = np.zeros((40, 40), int); shifted[:, 30:] = 1
    >>> truths = [label_boundaries(labels), label_boundaries(shifted)]
    >>> boundary_counts(label_boundaries(labels), truths)
    (40, 80, 40, 40)
    """
    if len(truths) == 0:
        raise ValueError("at least one ground truth is needed")
    machine = np.asarray(machine, dtype=bool)
    if thin_machine:
        machine = thin(machine)
    matched_any = np.zeros(machine.shape, dtype=bool)
    matched_truth = truth_pixels = 0
    for truth in truths:
        truth = np.asarray(truth, dtype=bool)
        matched_machine, matched = match_boundaries(machine, truth, max_distance=max_distance)
        matched_any |= matched_machine
        matched_truth += int(np.count_nonzero(matched))
        truth_pixels += int(np.count_nonzero(truth))
    return (
        matched_truth,
        truth_pixels,
        int(np.count_nonzero(matched_any)),
        int(np.count_nonzero(machine)),
    )
