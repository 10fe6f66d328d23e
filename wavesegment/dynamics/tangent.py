"""The exact tangent of the linear dynamics: how the phases of a run change with omega.

``x_{t+1} = M x_t`` with ``M = diag(i omega) + K`` is linear in x, and M is linear in omega.
A change ``d omega`` changes the state by ``y_t = d x_t``, which obeys
``y_{t+1} = M y_t + i (d omega * x_t)``, ``y_0 = 0``: the same network, driven by the run
itself. Stepping y beside x gives the exact first-order change of every phase,
``d angle(x_j) = Im(y_j / x_j)``, along many directions at once (forward mode). Rescaling x and
y by the same real factor each step, as the engines do, leaves ``y / x`` unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..network.coupling import GaussianCoupling
from ._kernels import _cached_njit


@dataclass(frozen=True)
class TangentRun:
    """What :func:`tangent_run` returns.

    Attributes
    ----------
    phasors : (n_recorded, rows, cols) complex ndarray
        ``exp(i angle(x_t))`` at the recorded steps, 0 off the units.
    phase_changes : (n_directions, n_recorded, rows, cols) ndarray
        ``d angle(x_t)`` for each direction of ``d omega``, 0 off the units.
    """

    phasors: np.ndarray
    phase_changes: np.ndarray


def tangent_run(
    coupling: GaussianCoupling,
    omega: np.ndarray,
    x0: np.ndarray,
    directions: np.ndarray,
    *,
    n_steps: int,
    record_from: int,
    foreground: np.ndarray | None = None,
) -> TangentRun:
    """Step ``x`` and its exact tangents along ``directions`` of ``omega`` together.

    Parameters
    ----------
    coupling : GaussianCoupling
        The layer's coupling K.
    omega, x0 : (rows, cols) ndarray
        Frequencies and initial state, as :func:`wavesegment.dynamics.evolve` takes them.
    directions : (n_directions, rows, cols) ndarray
        Changes ``d omega``; the phase changes returned are linear in them.
    n_steps, record_from : int
        As for :func:`wavesegment.dynamics.evolve`.
    foreground : (rows, cols) bool ndarray, optional
        Units that take part (all by default).

    Returns
    -------
    TangentRun

    Examples
    --------
    >>> coupling = GaussianCoupling((6, 6), alpha=0.5, sigma=0.3)
    >>> omega = np.linspace(-1, 1, 36).reshape(6, 6)
    >>> x0 = np.exp(2j * omega)
    >>> change = np.zeros((1, 6, 6))
    >>> change[0, 2, 3] = 1.0
    >>> run = tangent_run(coupling, omega, x0, change, n_steps=20, record_from=20)
    >>> def phases(eps):
    ...     again = tangent_run(coupling, omega + eps * change[0], x0, change[:0],
    ...                         n_steps=20, record_from=20)
    ...     return np.angle(again.phasors)
    >>> difference = (phases(1e-6) - phases(-1e-6)) / 2e-6
    >>> bool(np.allclose(run.phase_changes[0], difference, atol=1e-6))
    True
    """
    foreground = np.ones(omega.shape, dtype=bool) if foreground is None else foreground
    n_directions = len(directions)
    omega = np.ascontiguousarray(omega, dtype=np.float64)
    directions = np.ascontiguousarray(directions, dtype=np.float64)
    foreground = np.ascontiguousarray(foreground, dtype=np.bool_)
    # Planes: Re x, Im x, then Re y and Im y of each direction.
    planes = np.zeros((2 + 2 * n_directions, *omega.shape))
    planes[0], planes[1] = np.where(foreground, x0, 0).real, np.where(foreground, x0, 0).imag
    coupled = np.empty_like(planes)
    n_recorded = max(n_steps - record_from + 1, 0)
    phasors = np.zeros((n_recorded, *omega.shape), dtype=np.complex128)
    changes = np.zeros((n_directions, n_recorded, *omega.shape))
    peak = np.abs(x0[foreground]).max(initial=0.0)
    for step in range(n_steps + 1):
        if step > 0:
            coupling.apply(planes, out=coupled)
            # Rescale x and y by the same real factor: phases and y / x are unchanged.
            peak = _advance(planes, coupled, omega, directions, foreground, 1.0 / (peak or 1.0))
        if step >= record_from:
            state = planes[0] + 1j * planes[1]
            tangent = planes[2 : 2 + n_directions] + 1j * planes[2 + n_directions :]
            present = state != 0
            safe = np.where(present, state, 1.0)
            phasors[step - record_from] = np.where(present, state / np.abs(safe), 0)
            changes[:, step - record_from] = np.where(present, (tangent / safe).imag, 0.0)
    return TangentRun(phasors, changes)


@_cached_njit
def _advance(planes, coupled, omega, directions, foreground, scale):
    """One step of x and its tangents: ``x <- s (K x + i omega x)``, ``y <- s (K y + i omega y
    + i d_omega x)``, with the old x, on foreground units (zero elsewhere); returns the peak
    of the new |x|."""
    n_directions, rows, cols = directions.shape
    for d in range(n_directions):  # plane by plane: contiguous memory
        re, im = 2 + d, 2 + n_directions + d
        for r in range(rows):
            for c in range(cols):
                if foreground[r, c]:
                    rate, drive = omega[r, c], directions[d, r, c]
                    tangent_real, tangent_imag = planes[re, r, c], planes[im, r, c]
                    new_real = coupled[re, r, c] - rate * tangent_imag - drive * planes[1, r, c]
                    new_imag = coupled[im, r, c] + rate * tangent_real + drive * planes[0, r, c]
                    planes[re, r, c], planes[im, r, c] = scale * new_real, scale * new_imag
                else:
                    planes[re, r, c], planes[im, r, c] = 0.0, 0.0
    peak = 0.0
    for r in range(rows):
        for c in range(cols):
            if foreground[r, c]:
                rate, real, imag = omega[r, c], planes[0, r, c], planes[1, r, c]
                new_real = scale * (coupled[0, r, c] - rate * imag)
                new_imag = scale * (coupled[1, r, c] + rate * real)
            else:
                new_real, new_imag = 0.0, 0.0
            planes[0, r, c], planes[1, r, c] = new_real, new_imag
            peak = max(peak, new_real * new_real + new_imag * new_imag)
    return np.sqrt(peak)
