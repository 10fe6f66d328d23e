"""Seeded 2-shapes and 3-shapes test images in the style of the paper's datasets.

A 13 x 13 square outline and 17-wide triangles (pointing up or down), 3 pixels thick, placed at
random on a 32 x 32 canvas: background -1, objects +1, as in the published inputs.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import binary_dilation

_THICKNESS = 3


def _square() -> np.ndarray:
    mask = np.ones((13, 13), dtype=bool)
    mask[_THICKNESS:-_THICKNESS, _THICKNESS:-_THICKNESS] = False
    return mask


def _triangle(pointing_up: bool) -> np.ndarray:
    height, half = 9, 8
    row = np.arange(height)[:, None]
    offset = np.abs(np.arange(2 * half + 1) - half)[None, :]
    mask = (offset <= row) & ((offset > row - _THICKNESS) | (row >= height - _THICKNESS))
    return mask if pointing_up else mask[::-1]


def shapes_image(
    n_objects: int = 2, *, size: int = 32, seed: int = 0, overlap: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """A random image of ``n_objects`` shapes and its ground-truth labels.

    Parameters
    ----------
    n_objects : {2, 3}
        2: a square and a triangle; 3: a square, a triangle up and a triangle down.
    size : int
        Side of the square canvas (32 in the paper).
    seed : int
        Seed of the placement.
    overlap : bool
        If False, shapes keep at least one pixel apart; if True, they are placed anywhere and
        later shapes occlude earlier ones.

    Returns
    -------
    image : (size, size) float64 ndarray
        -1 on the background, +1 on objects.
    labels : (size, size) int32 ndarray
        0 background, 1 the square, 2 and 3 the triangles.

    Examples
    --------
    >>> image, labels = shapes_image(3, seed=1)
    >>> sorted(np.unique(labels).tolist())
    [0, 1, 2, 3]
    """
    if n_objects not in (2, 3):
        raise ValueError(f"n_objects must be 2 or 3, got {n_objects}")
    rng = np.random.default_rng(seed)
    shapes = [_square(), _triangle(pointing_up=bool(rng.integers(2)))]
    if n_objects == 3:
        shapes = [_square(), _triangle(pointing_up=True), _triangle(pointing_up=False)]
    for _ in range(1000):
        labels = np.zeros((size, size), dtype=np.int32)
        for label, shape in enumerate(shapes, start=1):
            top = rng.integers(0, size - shape.shape[0] + 1)
            left = rng.integers(0, size - shape.shape[1] + 1)
            placed = np.zeros_like(labels, dtype=bool)
            placed[top : top + shape.shape[0], left : left + shape.shape[1]] = shape
            # Keep shapes apart by at least one pixel (8-neighbourhood) unless overlap is allowed.
            if not overlap and np.any(binary_dilation(placed, np.ones((3, 3))) & (labels > 0)):
                break
            labels[placed] = label
        else:
            if np.unique(labels).size == n_objects + 1:
                return np.where(labels > 0, 1.0, -1.0), labels
    raise RuntimeError("could not place the shapes; the canvas is too small")
