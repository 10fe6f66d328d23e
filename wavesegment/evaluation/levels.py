"""A segmenter's output as segmentations at thresholds: one label map, several, or a UCM.

The BSDS500 benchmark scores a segmenter at a list of thresholds common to the whole dataset,
so that the dataset's best one (ODS) and each image's own (OIS) can be picked:

- a label map (integer array of the image's shape) is one threshold;
- a sequence of label maps (``segs`` in the benchmark) is one threshold per map, 1..n, so every
  image must give the same number of them (a map equal to the one before it is scored once);
- an ultrametric contour map in the benchmark's double-size format (``ucm2``: a floating-point
  array of shape (2 rows + 1, 2 cols + 1), pixels at odd positions, the level at which each
  boundary between them disappears at the others, levels in 0..1, the outer frame repeating
  the row or column inside it as the benchmark's ``seg2bdry`` does) is cut at the benchmark's 99
  thresholds 0.01..0.99: regions are the connected parts of ``ucm2 <= t`` and boundaries the
  pixels ``ucm2[2::2, 2::2] >= t`` (``evaluation_reg_image.m``, ``evaluation_bdry_image.m``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from skimage.measure import label

from .boundaries import label_boundaries

__all__ = ["UCM_THRESHOLDS", "Hierarchy", "Levels", "segmentation_levels"]

# The benchmark's nthresh = 99 thresholds of a UCM.
UCM_THRESHOLDS = np.linspace(0.01, 0.99, 99)


@dataclass(frozen=True)
class Levels:
    """Segmentations of one image at the thresholds of its segmenter.

    ``labels[k]`` and ``boundaries[k]`` (unthinned) are the distinct segmentations;
    ``stage[i]`` says which of them threshold ``thresholds[i]`` gives.
    """

    thresholds: np.ndarray
    stage: np.ndarray
    labels: list[np.ndarray]
    boundaries: list[np.ndarray]


@dataclass(frozen=True)
class Hierarchy:
    """A segmenter's answer and the hierarchy it was cut from.

    ``labels`` is the segmentation the segmenter gives (scored as a flat answer);
    ``levels`` is the hierarchy (a sequence of label maps or a ``ucm2``, see the module
    docstring), scored at every threshold for ODS, OIS and AP.
    """

    labels: np.ndarray
    levels: np.ndarray | Sequence[np.ndarray]


def segmentation_levels(
    output: np.ndarray | Sequence[np.ndarray], shape: tuple[int, int]
) -> Levels:
    """The segmentations that ``output`` (see the module docstring) makes of an image.

    Parameters
    ----------
    output : ndarray or sequence of ndarray
        A label map, a sequence of label maps or a ``ucm2``.
    shape : (int, int)
        The image's rows and columns.

    Examples
    --------
    >>> ucm2 = np.zeros((5, 7)); ucm2[:, 2] = 0.305; ucm2[:, 4] = 0.605
    >>> levels = segmentation_levels(ucm2, (2, 3))
    >>> len(levels.labels), [int(np.unique(part).size) for part in levels.labels]
    (3, [3, 2, 1])
    >>> levels.stage[[0, 29, 30, 59, 98]]
    array([0, 0, 1, 1, 2])
    """
    shape = tuple(shape)
    if isinstance(output, np.ndarray) and np.issubdtype(output.dtype, np.floating):
        return _ucm_levels(output, shape)
    maps = [output] if isinstance(output, np.ndarray) else list(output)
    if not maps:
        raise ValueError("a segmenter gave no segmentation")
    for labels in maps:
        if np.shape(labels) != shape:
            raise ValueError(f"a label map of shape {np.shape(labels)} for an image of {shape}")
    # A cut that equals the one before it (a tree with no merge between two levels) is
    # scored once: its thresholds share a stage.
    stage = np.zeros(len(maps), dtype=np.int64)
    distinct = [np.asarray(maps[0])]
    for i, labels in enumerate(maps[1:], start=1):
        if not np.array_equal(labels, distinct[-1]):
            distinct.append(np.asarray(labels))
        stage[i] = len(distinct) - 1
    return Levels(
        thresholds=np.arange(1, len(maps) + 1, dtype=np.float64),
        stage=stage,
        labels=distinct,
        boundaries=[label_boundaries(labels) for labels in distinct],
    )


def _ucm_levels(ucm2: np.ndarray, shape: tuple[int, int]) -> Levels:
    if ucm2.shape != (2 * shape[0] + 1, 2 * shape[1] + 1):
        raise ValueError(
            f"a ucm2 for an image of {shape} has shape {(2 * shape[0] + 1, 2 * shape[1] + 1)}, "
            f"not {ucm2.shape}"
        )
    strength = ucm2[2::2, 2::2]
    levels = np.unique(ucm2)
    # Thresholds between the same two levels cut the same segmentation.
    keys = np.stack(
        [np.searchsorted(levels, UCM_THRESHOLDS), np.searchsorted(levels, UCM_THRESHOLDS, "right")]
    )
    stage = np.unique(keys, axis=1, return_inverse=True)[1].ravel()
    labels, boundaries = [], []
    for first in np.unique(stage, return_index=True)[1]:  # a threshold of each stage
        threshold = UCM_THRESHOLDS[first]
        # Inside the frame, so that a frame left at 0 does not join the regions along it.
        labels.append(label(ucm2[1:-1, 1:-1] <= threshold, connectivity=2)[::2, ::2])
        boundaries.append(strength >= threshold)
    return Levels(UCM_THRESHOLDS.copy(), stage, labels, boundaries)
