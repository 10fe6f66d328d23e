"""The Gaussian sheet K that couples the units of one layer.

Units sit on the pixel grid at positions normalised to (0, 1] along each axis (row ``r`` of
``n_rows`` sits at ``r / n_rows``). The coupling between two units is
``alpha * exp(-|p_i - p_j|^2 / (2 sigma^2))`` with zero outside the image. It factorises into a
row and a column matrix, ``K = alpha * (K_rows kron K_cols)``, so it is never built as an N x N
matrix except by the exact engine on small images.

The same sheet runs in any dimension: a line or a ring of oscillators (a 1-D signal), a volume
(3-D), with one 1-D Gaussian per axis (:mod:`~wavesegment.network.axis_coupling`); the 2-D sheet
keeps its own low-rank product, which the tests compare with the published code.
"""

from __future__ import annotations

from functools import cached_property, reduce

import numpy as np

from .axis_coupling import AxisCoupling

# Eigenvalues of a 1-D Gaussian Gram matrix below this fraction of the largest are dropped.
# The rank that remains does not grow with the image size (about 9 for sigma = 0.9 and about
# 92 for sigma = 0.0313), and what is dropped changes a step by less than float64 rounding.
_RANK_TOLERANCE = 1e-15


def _low_rank(gram: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh(gram)
    keep = values > _RANK_TOLERANCE * values[-1]
    return np.ascontiguousarray(vectors[:, keep]), values[keep]


class GaussianCoupling:
    """The Gaussian sheet ``K`` of one layer on a grid, in separable (low-rank) form.

    Parameters
    ----------
    shape : tuple of int
        Grid shape: (samples,) for a signal, (rows, columns) for an image, (planes, rows,
        columns) for a volume.
    alpha : float
        Amplitude of the Gaussian.
    sigma : float or sequence of float
        Width of the Gaussian in normalised units of each axis; one per axis gives the widths
        along each, so that a width in pixels (or in microns) stays isotropic on any grid.
    normalise : bool
        Divide alpha by the largest row sum of the Gaussian, so that an interior unit's couplings
        add up to alpha whatever the image size (the published coupling is unnormalised).
    periodic : bool
        Couple every axis as a ring (the two ends of an axis are neighbours).

    Examples
    --------
    >>> coupling = GaussianCoupling((4, 5), alpha=0.5, sigma=0.9)
    >>> state = np.ones((2, 4, 5))  # real and imaginary parts
    >>> bool(np.allclose(coupling.apply(state)[0].ravel(), coupling.dense() @ np.ones(20)))
    True
    >>> ring = GaussianCoupling((12,), alpha=0.5, sigma=0.1, periodic=True)
    >>> bool(np.allclose(ring.apply(np.ones((2, 12)))[0], ring.dense() @ np.ones(12)))
    True
    """

    def __init__(
        self,
        shape: tuple[int, ...],
        *,
        alpha: float,
        sigma: float | tuple[float, ...],
        normalise: bool = False,
        periodic: bool = False,
    ):
        self.shape = tuple(int(n) for n in shape)
        self.sigma = tuple(float(s) for s in np.broadcast_to(sigma, len(self.shape)))
        self.periodic = bool(periodic)
        self.alpha = float(alpha)
        if normalise:
            self.alpha /= np.prod([axis.largest_row_sum for axis in self._axes])

    @cached_property
    def _axes(self) -> tuple[AxisCoupling, ...]:
        return tuple(
            AxisCoupling(n, s, periodic=self.periodic)
            for n, s in zip(self.shape, self.sigma, strict=True)
        )

    @property
    def _is_sheet(self) -> bool:
        """The open 2-D sheet, stepped by its own low-rank product."""
        return len(self.shape) == 2 and not self.periodic

    def _grams(self) -> tuple[np.ndarray, ...]:
        return tuple(axis.gram() for axis in self._axes)

    @cached_property
    def _factors(self):
        (row_vectors, row_values), (col_vectors, col_values) = map(_low_rank, self._grams())
        core = self.alpha * np.outer(row_values, col_values)
        return row_vectors, col_vectors, core

    @property
    def rank(self) -> tuple[int, int]:
        """Ranks kept along rows and columns."""
        row_vectors, col_vectors, _ = self._factors
        return row_vectors.shape[1], col_vectors.shape[1]

    @cached_property
    def _grams_without_tails(self) -> tuple[np.ndarray, np.ndarray]:
        """alpha K_rows and K_cols^T with entries below ``_RANK_TOLERANCE`` of the largest set
        to zero: products of such tiny numbers underflow into subnormals, which halve the speed
        of a product, and they change it by less than float64 rounding."""
        row_gram, col_gram = (np.where(g < _RANK_TOLERANCE, 0.0, g) for g in self._grams())
        return self.alpha * row_gram, np.ascontiguousarray(col_gram.T)

    @cached_property  # asked at every step
    def _low_rank_is_cheaper(self) -> bool:
        rows, cols = self.shape
        row_rank, col_rank = self.rank
        return 2 * col_rank * (cols + row_rank) < cols * (rows + cols)

    def apply(self, state: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``K x`` for a state stored as real and imaginary planes of shape (2, *shape), or for
        a stack of real planes (n, *shape), each coupled on its own.

        On the 2-D sheet it costs O(N r) with r the kept rank, through
        ``U_r (core * (U_r^T X U_c)) U_c^T``; where the rank is close to the grid's side, the two
        Gram matrices do it in half the work. In other dimensions, one 1-D product per axis.
        """
        if out is None:
            out = np.empty(state.shape)
        if not self._is_sheet:
            coupled = state
            for number, axis in enumerate(self._axes):
                coupled = axis.apply(coupled, axis=number + 1)
            np.multiply(coupled, self.alpha, out=out)
            return out
        rows, cols = self.shape
        if not self._low_rank_is_cheaper:
            row_gram, col_gram_transposed = self._grams_without_tails
            along_columns = state.reshape(-1, cols) @ col_gram_transposed
            np.matmul(row_gram, along_columns.reshape(-1, rows, cols), out=out)
            return out
        row_vectors, col_vectors, core = self._factors
        projected = state.reshape(-1, cols) @ col_vectors
        projected = np.matmul(row_vectors.T, projected.reshape(-1, rows, col_vectors.shape[1]))
        projected *= core
        expanded = np.matmul(row_vectors, projected).reshape(-1, col_vectors.shape[1])
        np.matmul(expanded, col_vectors.T, out=out.reshape(-1, cols))
        return out

    def dense(self) -> np.ndarray:
        """The full N x N matrix in row-major pixel order (for small images only)."""
        return self.alpha * reduce(np.kron, self._grams())

    def block(self, units: np.ndarray) -> np.ndarray:
        """``K`` restricted to ``units`` (flat row-major indices): a dense len(units)^2 matrix,
        built from the 1-D Gaussians of each axis without the whole N x N one."""
        coordinates = np.unravel_index(np.asarray(units), self.shape)
        block = np.full((len(units), len(units)), self.alpha)
        for index, gram in zip(coordinates, self._grams(), strict=True):
            block *= gram[np.ix_(index, index)]
        return block
