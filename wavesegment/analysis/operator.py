"""The exact operator of a layer: the network in its eigenbasis, a diagonal linear state-space
model.

A layer is linear, ``x_{t+1} = M x_t`` with ``M = diag(i omega) + K``. With ``M = V diag(lambda)
V^-1``, the modal state ``s = V^-1 x`` evolves independently per mode, ``s_{t+1} = Lambda s_t``:
the diagonal state-space model (S4D's form, its state matrix Lambda) whose input vectors (the
rows of ``B = V^-1``) take a unit's initial value into the modes, and whose output vectors (the
columns of ``C = V``) read the units back out. On a ring of oscillators (a 1-D signal) this is
the operator that Shikder et al. write for S4D; here it is exact for any network of the package
small enough for a dense eigen-decomposition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dynamics.engines import MAX_EXACT_UNITS
from ..network import Network
from ..network.coupling import GaussianCoupling


@dataclass(frozen=True, eq=False)
class DiagonalStateSpace:
    """``s_{t+1} = Lambda s_t``, ``s_0 = B x_0``, ``x_t = C s_t``: a layer in its eigenbasis.

    Attributes
    ----------
    state : (n_modes,) complex ndarray
        The diagonal of the state matrix Lambda: the eigenvalues of M, largest |lambda| first.
    input : (n_modes, n_units) complex ndarray
        B = V^-1: row k is mode k's input vector.
    output : (n_units, n_modes) complex ndarray
        C = V: column k is mode k's output vector (unit norm).
    units : (n_units,) int ndarray
        Flat indices of the units that take part, in the grid ``shape``.
    shape : tuple of int
        The grid.
    """

    state: np.ndarray
    input: np.ndarray
    output: np.ndarray
    units: np.ndarray
    shape: tuple[int, ...]

    def run(self, x0: np.ndarray, n_steps: int) -> np.ndarray:
        """States ``x_0 .. x_{n_steps}`` on the grid, from the diagonal model (unscaled).

        Examples
        --------
        >>> coupling = GaussianCoupling((8,), alpha=0.5, sigma=0.2, periodic=True)
        >>> model = diagonal_state_space(coupling, np.linspace(-1, 1, 8))
        >>> model.run(np.ones(8), 3).shape
        (4, 8)
        """
        modal = self.input @ np.asarray(x0).ravel()[self.units]
        powers = self.state[None, :] ** np.arange(n_steps + 1)[:, None]
        states = np.zeros((n_steps + 1, int(np.prod(self.shape))), dtype=np.complex128)
        states[:, self.units] = (powers * modal) @ self.output.T
        return states.reshape(n_steps + 1, *self.shape)


def diagonal_state_space(
    coupling: GaussianCoupling, omega: np.ndarray, *, foreground: np.ndarray | None = None
) -> DiagonalStateSpace:
    """The diagonal state-space model of ``M = diag(i omega) + K`` on the ``foreground`` units.

    Raises ValueError for more than :data:`~wavesegment.dynamics.engines.MAX_EXACT_UNITS` units
    (the decomposition is dense).

    Examples
    --------
    >>> ring = GaussianCoupling((16,), alpha=0.5, sigma=0.1, periodic=True)
    >>> omega = np.sin(np.arange(16))
    >>> model = diagonal_state_space(ring, omega)
    >>> matrix = ring.dense() + np.diag(1j * omega)
    >>> bool(np.allclose(model.output * model.state @ model.input, matrix))
    True
    """
    omega = np.asarray(omega, dtype=np.float64)
    units = np.flatnonzero(np.ones(omega.shape, bool) if foreground is None else foreground)
    if units.size > MAX_EXACT_UNITS:
        raise ValueError(
            f"the operator needs a dense eigen-decomposition of {units.size} units; it is "
            f"limited to {MAX_EXACT_UNITS}: use a smaller signal or a working grid (max_units)"
        )
    matrix = coupling.dense()[np.ix_(units, units)] + np.diag(1j * omega.ravel()[units])
    eigenvalues, vectors = np.linalg.eig(matrix)
    order = np.argsort(-np.abs(eigenvalues), kind="stable")
    eigenvalues, vectors = eigenvalues[order], vectors[:, order]
    return DiagonalStateSpace(
        eigenvalues, np.linalg.inv(vectors), vectors, units, tuple(omega.shape)
    )


def network_operators(network: Network, foreground: np.ndarray) -> dict[str, DiagonalStateSpace]:
    """The diagonal models of a network's two layers: layer 1 on all units (luminance), layer 2
    on ``foreground``."""
    return {
        "layer1": diagonal_state_space(network.layer1, network.omega),
        "layer2": diagonal_state_space(
            network.layer2, np.where(foreground, network.omega, 0.0), foreground=foreground
        ),
    }
