"""A layer's coupling normalised onto the unit circle, for the critical dynamics.

``K_n = D^-1/2 W D^-1/2`` on the active units, with ``W`` the layer's Gaussian sheet restricted
to them and ``d = W m`` its degrees (``m``: the active units). ``K_n`` is symmetric and positive
semi-definite with largest eigenvalue exactly 1 (eigenvector ``sqrt(d)``) on every connected
component, so a step neither grows nor shrinks the slowest mode: the network sits at its
critical point. On the whole grid ``d`` is the product of the row sums of the two 1-D Gram
matrices, ``D^-1/2 (K_r kron K_c) D^-1/2 = (D_r^-1/2 K_r D_r^-1/2) kron (D_c^-1/2 K_c D_c^-1/2)``;
on a foreground it is one more product with ``W``. Either way a step costs the O(N r) of the
separable coupling plus two diagonal scalings, and the amplitude alpha cancels.
"""

from __future__ import annotations

import numpy as np

from .coupling import GaussianCoupling


class UnitCircleCoupling:
    """``K_n x = d^-1/2 * W (d^-1/2 * x)`` on the ``active`` units, zero elsewhere.

    Parameters
    ----------
    coupling : GaussianCoupling
        The layer's sheet ``W`` (its alpha cancels).
    active : (rows, cols) bool ndarray, optional
        The units that take part (all by default).

    Examples
    --------
    >>> sheet = GaussianCoupling((6, 5), alpha=3.0, sigma=0.2)
    >>> normalised = UnitCircleCoupling(sheet)
    >>> float(np.linalg.eigvalsh(normalised.dense()).max())  # doctest: +ELLIPSIS
    1.0...
    """

    def __init__(self, coupling: GaussianCoupling, active: np.ndarray | None = None):
        self.coupling = coupling
        self.shape = coupling.shape
        if active is None:
            active = np.ones(self.shape, dtype=bool)
        self.active = np.asarray(active, dtype=bool)
        ones = np.stack([self.active.astype(np.float64), np.zeros(self.shape)])
        degrees = coupling.apply(ones)[0]
        self.scale = np.where(self.active, 1.0 / np.sqrt(np.where(self.active, degrees, 1.0)), 0.0)

    def apply(self, state: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``K_n x`` for a state of real and imaginary planes, shape (2, rows, cols)."""
        out = self.coupling.apply(state * self.scale, out=out)
        out *= self.scale
        return out

    def dense(self) -> np.ndarray:
        """The full N x N matrix in row-major pixel order (zero rows and columns for inactive
        units; small grids only)."""
        scale = self.scale.ravel()
        return scale[:, None] * self.coupling.dense() * scale[None, :]


def rotation_angles(coupling: GaussianCoupling, omega: np.ndarray) -> np.ndarray:
    """Phase advance per step of each unit, ``arg(g + i omega)`` with ``g`` the layer's largest
    row sum: the advance that the linear step ``(i omega + K) x`` gives a unit inside a region
    of uniform omega, with its growth ``|g + i omega|`` taken away.

    Examples
    --------
    >>> sheet = GaussianCoupling((4, 4), alpha=1.0, sigma=1e-3)  # row sums 1
    >>> round(float(rotation_angles(sheet, np.full((4, 4), 1.0))[0, 0]), 4)
    0.7854
    """
    ones = np.stack([np.ones(coupling.shape), np.zeros(coupling.shape)])
    gain = coupling.apply(ones)[0].max()
    return np.arctan2(omega, gain)
