"""Phase readout: the similarity of the units' phase trajectories and its leading modes.

For unit phasors X (units x L steps), the published readout forms ``rho = X X^H / L``, takes its
eigenvectors V of largest |eigenvalue| and projects ``Re(rho) Re(V)``. rho has rank <= L, so
everything here goes through L x L Gram matrices and O(N L) products: no N x N matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_CHUNK = 1 << 16  # units per block, to keep float64 temporaries small on large images
_RANK_TOLERANCE = 1e-10  # eigenvalues of rho below this fraction of the largest count as zero


@dataclass(frozen=True)
class PhaseReadout:
    """Leading structure of the phase similarity ``rho`` over one window.

    Attributes
    ----------
    eigenvalues : (n_modes,) ndarray
        Largest eigenvalues of rho (real, as rho is Hermitian), in decreasing order.
    modes : (n_units, n_modes) complex ndarray
        The matching unit-norm eigenvectors. Each is rotated so that its real part carries as
        much of it as possible (an eigenvector's phase is otherwise arbitrary).
    projection : (n_units, n_modes) ndarray
        ``Re(rho) Re(modes)``, the features that are clustered.
    """

    eigenvalues: np.ndarray
    modes: np.ndarray
    projection: np.ndarray


def _blocks(n: int):
    for start in range(0, n, _CHUNK):
        yield slice(start, min(start + _CHUNK, n))


class _Columns:
    """Blocks of columns of the phasors of one or more runs, stacked along the steps."""

    def __init__(self, phasors, units: np.ndarray | None):
        runs = [phasors] if isinstance(phasors, np.ndarray) else list(phasors)
        self.runs = [run.reshape(run.shape[0], -1) for run in runs]
        self.units = units
        n_units = self.runs[0].shape[1] if units is None else len(units)
        self.shape = (sum(run.shape[0] for run in self.runs), n_units)
        self._last: tuple[slice, np.ndarray] | None = None

    def __getitem__(self, block: slice) -> np.ndarray:
        index = block if self.units is None else self.units[block]
        if len(self.runs) == 1:
            return self.runs[0][:, index]
        return np.concatenate([run[:, index] for run in self.runs])

    def stacked(self, block: slice) -> np.ndarray:
        """Z = [Re X; Im X] of the block, (2 L, units) float64; the last one is kept, as the
        readout passes three times over a window that is most often one block."""
        if self._last is None or self._last[0] != block:
            window = self[block]
            self._last = block, np.concatenate([window.real, window.imag]).astype(float)
        return self._last[1]


def phase_readout(
    phasors: np.ndarray | Sequence[np.ndarray],
    *,
    n_modes: int = 3,
    units: np.ndarray | None = None,
) -> PhaseReadout:
    """Leading modes and projection of the phase similarity of a window of phasors.

    Parameters
    ----------
    phasors : (L, n_units) complex ndarray, or a sequence of (L_i, ...) ones
        Unit phasors ``exp(i angle(x_t))`` of the units over L consecutive steps; a sequence
        (runs of the network, each of any grid shape) is read as its runs' steps one after
        the other, without being copied into one array.
    n_modes : int
        Number of eigenvectors kept (3 in the published readout).
    units : int ndarray, optional
        Flat indices of the units (columns) read, in this order; all of them by default. The
        columns are gathered a block at a time: a volume's window is not copied whole.

    Returns
    -------
    PhaseReadout

    Examples
    --------
    >>> t = np.arange(41)[:, None]
    >>> phasors = np.exp(1j * np.hstack([0.1 * t.repeat(5, 1), 0.3 * t.repeat(5, 1)]))
    >>> readout = phase_readout(phasors)
    >>> bool(np.allclose(readout.projection[:5], readout.projection[0]))
    True
    """
    columns = _Columns(phasors, units)
    length, n_units = columns.shape
    # Q = Z^T Z for Z = [Re X, Im X]: all second moments needed below, in float64.
    gram = np.zeros((2 * length, 2 * length))
    for block in _blocks(n_units):
        stacked = columns.stacked(block)
        gram += stacked @ stacked.T
    re_re, re_im, im_im = gram[:length, :length], gram[:length, length:], gram[length:, length:]
    hermitian = re_re + im_im + 1j * (re_im - re_im.T)  # X^H X
    symmetric = re_re - im_im + 1j * (re_im + re_im.T)  # X^T X

    values, vectors = np.linalg.eigh(hermitian / length)
    order = np.argsort(np.abs(values))[::-1][:n_modes]
    values, vectors = values[order], vectors[:, order]
    # v = X w / sqrt(L mu); rotate v so that v^T v is real and positive, i.e. |Re v| is largest.
    # Modes beyond the rank of rho (eigenvalues at rounding level) are left as zeros.
    present = values > _RANK_TOLERANCE * max(values[0], 0)
    norms = np.sqrt(np.where(present, values, 1.0) * length)
    weights = np.where(present, vectors / norms, 0)
    rotation = np.exp(-0.5j * np.angle(np.einsum("ik,ij,jk->k", weights, symmetric, weights)))
    weights = weights * rotation

    # The products below in real arithmetic on Z: V = X^T w is Z^T [Re w, Im w; -Im w, Re w],
    # X^H Re(V) is [Re; -Im] of Z Re(V), and Re(X^T b) = Z^T [Re b; -Im b] for b = X^H Re(V).
    n_modes = len(values)
    real_weights = np.block([[weights.real, weights.imag], [-weights.imag, weights.real]])
    modes = np.empty((n_units, 2 * n_modes))
    back = np.zeros((2 * length, n_modes))  # Z Re(V)
    for block in _blocks(n_units):
        stacked = columns.stacked(block)
        modes[block] = stacked.T @ real_weights
        back += stacked @ modes[block, :n_modes]
    projection = np.empty((n_units, n_modes))
    for block in _blocks(n_units):
        projection[block] = columns.stacked(block).T @ back / length
    return PhaseReadout(values, modes[:, :n_modes] + 1j * modes[:, n_modes:], projection)
