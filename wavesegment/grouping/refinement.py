"""Boundary refinement at full resolution: labels found on a coarse grid, moved pixel by pixel
to where the full-resolution colours put them (iterated conditional modes, Potts prior)."""

from __future__ import annotations

import numpy as np

from ..parameters import Parameters

# The 8 neighbours, row by row; 1, 3, 4 and 6 are the 4-neighbours up, left, right and down.
_OFFSETS = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)]


def refine_boundaries(
    labels: np.ndarray,
    features: np.ndarray,
    *,
    iterations: int,
    smoothness: float = Parameters.refine_smoothness,
    sample: int = 1,
) -> np.ndarray:
    """Move region boundaries to where the colours of the full-resolution image put them.

    Labels brought up from a coarse grid have staircase boundaries. Each iteration lets every
    boundary pixel take its own or a 4-neighbour's label, whichever has the lowest cost: the
    squared distance of the pixel's features to the label's mean, in units of twice the mean
    within-region variance (that of the labels given), less ``smoothness`` for each of
    its 8 neighbours that carries the label (iterated conditional modes with a Potts prior).
    A boundary moves by at most one pixel per iteration, so ``iterations`` is about the size
    of a grid cell in pixels. Only pixels next to a change are looked at again, so the cost
    grows with the length of the boundaries, not with the image. Labels are kept as they are,
    not renumbered.

    Parameters
    ----------
    labels : (rows, cols) int ndarray
    features : (rows, cols, n_features) ndarray
        Such as the image in CIELAB.
    iterations : int
    smoothness : float
        The Potts prior's weight (by default the parameters' ``refine_smoothness``).
    sample : int
        The labels' means and their spread are counted on every ``sample``-th pixel along
        each axis (the touch-up of a large photo: the same estimates for a fraction of the
        work), each pixel that moves counting ``1 / sample**2``.

    Returns
    -------
    (rows, cols) ndarray of the labels' dtype

    Examples
    --------
    >>> image = np.zeros((6, 6, 1))
    >>> image[:, 3:] = 10
    >>> coarse = np.zeros((6, 6), dtype=int)
    >>> coarse[:, 4:] = 1
    >>> refine_boundaries(coarse, image, iterations=2)[0].tolist()
    [0, 0, 0, 1, 1, 1]
    """
    labels = np.array(labels, order="C")  # updated in place through a flat view
    rows, cols = labels.shape
    flat_labels = labels.ravel()  # a view of ``labels`` (when C-ordered): changed in place
    flat = features.reshape(rows * cols, -1)
    n_labels = int(labels.max()) + 1
    counted = labels[::sample, ::sample].ravel()
    values = features[::sample, ::sample].reshape(counted.size, -1)
    counts = np.bincount(counted, minlength=n_labels).astype(np.float64)
    sums = np.stack([np.bincount(counted, f, n_labels) for f in values.T], axis=1)
    means = sums / np.maximum(counts, 1)[:, None]
    spread = 2 * max(_mean_squared_distance(values, counted, means), 1e-12)
    weight = 1.0 / sample**2
    active = np.flatnonzero(_boundary(labels))
    for _ in range(iterations):
        if active.size == 0:
            break
        row, col = np.divmod(active, cols)
        around = np.stack(
            [flat_labels[_shifted(row, col, dr, dc, labels.shape)] for dr, dc in _OFFSETS]
        )
        own = flat_labels[active]
        pixel = flat[active]
        chosen = _cheapest_label(own, around, pixel, means, spread, smoothness)
        changed = chosen != own
        flat_labels[active[changed]] = chosen[changed]
        _move_pixels(counts, sums, own[changed], chosen[changed], pixel[changed], weight)
        means = sums / np.maximum(counts, 1)[:, None]
        # Next, the changed pixels and their 8 neighbours.
        row, col = row[changed], col[changed]
        nearby = np.zeros(labels.size, dtype=bool)  # sorted and unique, as np.unique's but
        for dr, dc in [(0, 0), *_OFFSETS]:  # without its hashing (a third of the time)
            nearby[_shifted(row, col, dr, dc, labels.shape)] = True
        active = np.flatnonzero(nearby)
    return labels


#: Pixels whose distances to their label's mean are summed at once: float64 temporaries of a few
#: tens of megabytes, not gigabytes, on a large photo (one block, and the same sum, up to 1 MP).
_BLOCK = 2**20


def _mean_squared_distance(flat, flat_labels, means) -> float:
    """The mean over pixels of the squared distance of their features to their label's mean."""
    total = 0.0
    for start in range(0, flat_labels.size, _BLOCK):
        block = np.s_[start : start + _BLOCK]
        total += np.sum(_squared_distances(flat[block], means[flat_labels[block]]))
    return float(total / flat_labels.size)


def _shifted(row: np.ndarray, col: np.ndarray, dr: int, dc: int, shape: tuple) -> np.ndarray:
    """Flat indices of the pixels at (row + dr, col + dc), clipped to the image."""
    rows, cols = shape
    # np.clip's dispatch costs more than the two ufuncs on these few thousand pixels.
    row = row if dr == 0 else np.minimum(np.maximum(row + dr, 0), rows - 1)
    col = col if dc == 0 else np.minimum(np.maximum(col + dc, 0), cols - 1)
    return row * cols + col


def _cheapest_label(own, around, pixel, means, spread, smoothness) -> np.ndarray:
    """For each active pixel, the cheapest of its own label and its 4-neighbours' labels
    (``around``: the labels of its 8 neighbours, in the order of ``_OFFSETS``); ties go to
    its own, then up, left, right, down."""
    candidates = np.stack([own, *around[[1, 3, 4, 6]]])  # self, up, left, right, down
    # Where the 4-neighbours all carry the pixel's own label, every candidate costs the same
    # and the pixel keeps it: only the others are costed (half of them, after the first pass).
    torn = np.flatnonzero((candidates[1:] != own).any(axis=0))
    candidates, around = candidates[:, torn], around[:, torn]
    pixel = pixel[torn].astype(np.float64)  # once, not once per candidate: the same values
    costs = np.stack(
        [
            _squared_distances(pixel, means[c]) / spread
            - smoothness * (around == c).view(np.uint8).sum(axis=0, dtype=np.uint8)
            for c in candidates
        ]
    )
    chosen = own.copy()
    chosen[torn] = np.take_along_axis(candidates, costs.argmin(axis=0)[None], axis=0)[0]
    return chosen


def _squared_distances(pixel: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Squared distance of each row of ``pixel`` to the same row of ``centres``: what
    ``np.sum((pixel - centres) ** 2, axis=1)`` gives (it adds a short last axis a column at a
    time, in order), eight times faster.

    Examples
    --------
    >>> pixel, centres = np.random.default_rng(0).normal(size=(2, 1000, 3)) ** 3
    >>> bool(np.all(_squared_distances(pixel, centres) == np.sum((pixel - centres) ** 2, axis=1)))
    True
    """
    squares = (pixel - centres) ** 2
    total = squares[:, 0].copy()
    for column in squares.T[1:]:
        total += column
    return total


def _move_pixels(counts, sums, old, new, pixel, weight: float) -> None:
    """Update the label counts and feature sums, in place, for pixels that went from labels
    ``old`` to labels ``new``, each counting ``weight``."""
    n_labels = counts.size
    for labels_of, sign in ((old, -weight), (new, weight)):
        counts += sign * np.bincount(labels_of, minlength=n_labels)
        for channel in range(sums.shape[1]):
            values = pixel[:, channel]
            sums[:, channel] += sign * np.bincount(labels_of, values, n_labels)


def _boundary(labels: np.ndarray) -> np.ndarray:
    """Pixels with an 8-neighbour of another label."""
    boundary = np.zeros(labels.shape, dtype=bool)
    for a, b in [
        (np.s_[:, 1:], np.s_[:, :-1]),
        (np.s_[1:, :], np.s_[:-1, :]),
        (np.s_[1:, 1:], np.s_[:-1, :-1]),
        (np.s_[1:, :-1], np.s_[:-1, 1:]),
    ]:
        differ = labels[a] != labels[b]
        boundary[a] |= differ
        boundary[b] |= differ
    return boundary
