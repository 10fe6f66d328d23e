"""Critical dynamics: the network at its critical point, after Chandra & Magnasco (2024).

Chandra and Magnasco, "On the dynamics of convolutional recurrent neural networks near their
critical point" (arXiv 2405.13854), step a complex layer as ``x_{t+1} = sigma(K x_t + I_t)``
with a kernel ``K`` whose eigenvalues lie on the unit circle and a smooth, phase-preserving
sigmoid with ``sigma(u) = u - u |u|^2 / 2 + ...``; the input goes inside the sigmoid. With
``dynamics="critical"`` a layer of the network steps

    x_{t+1} = sigma(R K_n x_t + I),    sigma(u) = u / sqrt(1 + |u|^2),

- ``K_n = D^-1/2 W D^-1/2``: the layer's Gaussian sheet on its units, symmetrically
  normalised so that its largest eigenvalue is 1
  (:class:`~wavesegment.network.unit_circle.UnitCircleCoupling`);
- ``R = diag(exp(i theta))`` with ``theta = arg(g + i omega)``: each unit turns by the phase
  the linear step gives it, without the growth ``|g + i omega|`` that lets the brightest spot's
  wave take over the grid (:func:`~wavesegment.network.unit_circle.rotation_angles`);
- ``I``: a constant real drive on every unit (``critical_input``). It creates the ongoing
  activity ``~ (2 I)^(1/3)`` that sets how long (``~ I^(-2/3)`` steps) and how far
  (``~ I^(-1/3)`` units) a further signal travels.

``|R K_n| <= 1`` and ``|sigma(u)| < |u|``: magnitudes stay bounded and need no rescaling.
The map is nonlinear, so there is no exact engine; its linearisation about the fixed point is
solved exactly in :mod:`wavesegment.analysis.linearisation`.
"""

from __future__ import annotations

import numpy as np

from ..network.coupling import GaussianCoupling
from ..network.unit_circle import UnitCircleCoupling, rotation_angles
from .engines import Evolution


def saturate(u: np.ndarray) -> np.ndarray:
    """The phase-preserving sigmoid ``u / sqrt(1 + |u|^2)`` (cubic term ``-u |u|^2 / 2``).

    Examples
    --------
    >>> float(saturate(np.array(0.75)))
    0.6
    """
    return u / np.sqrt(1.0 + np.abs(u) ** 2)


class CriticalMap:
    """The map ``x -> sigma(R K_n x + I)`` of one layer on its active units.

    Parameters
    ----------
    coupling : GaussianCoupling
        The layer's sheet (normalised here onto the unit circle).
    omega : (rows, cols) ndarray
        Frequencies; they set each unit's turn per step.
    drive : float
        The constant input ``I``.
    foreground : (rows, cols) bool ndarray, optional
        The units that take part (all by default); the others stay 0.

    Examples
    --------
    >>> single = CriticalMap(GaussianCoupling((1, 1), alpha=1, sigma=1), np.zeros((1, 1)), 0.001)
    >>> x = np.zeros((1, 1), dtype=complex)
    >>> for _ in range(3000):
    ...     x = single(x)
    >>> round(float(x.real[0, 0]), 4)  # the fixed point the input 0.001 creates
    0.1255
    """

    def __init__(
        self,
        coupling: GaussianCoupling,
        omega: np.ndarray,
        drive: float,
        foreground: np.ndarray | None = None,
    ):
        self.coupling = UnitCircleCoupling(coupling, foreground)
        self.foreground = self.coupling.active
        self.turn = np.exp(1j * np.where(self.foreground, rotation_angles(coupling, omega), 0.0))
        self.drive = float(drive)

    def preactivation(self, state: np.ndarray) -> np.ndarray:
        """``u = R K_n x + I`` (complex, zero off the active units)."""
        coupled = self.coupling.apply(np.stack([state.real, state.imag]))
        return np.where(self.foreground, self.turn * (coupled[0] + 1j * coupled[1]) + self.drive, 0)

    def __call__(self, state: np.ndarray) -> np.ndarray:
        return saturate(self.preactivation(state))


def evolve_critical(
    critical: CriticalMap,
    x0: np.ndarray,
    *,
    n_steps: int,
    record_from: int,
    trace_every: int = 0,
    noise: float = 0.0,
    noise_seed: int | list[int] | None = None,
    record_states: bool = False,
) -> Evolution:
    """Step ``critical`` ``n_steps`` times from ``x0``; the same :class:`Evolution` as the
    linear engines (``final`` is the state itself: magnitudes are not rescaled; with
    ``record_states`` the complex states of the recorded steps too, peak-normalised).

    ``noise``: complex Gaussian noise after each step, relative to the largest magnitude.
    """
    from . import _critical_kernels, _kernels
    from .engines import _peak_normalised

    shape = x0.shape
    # The kernels take 2-D planes: a signal's or a volume's units as one row (views, so that
    # the coupling still sees the n-D state).
    flat = shape if len(shape) == 2 else (1, x0.size)
    foreground = np.ascontiguousarray(critical.foreground)
    state = np.stack([x0.real, x0.imag]).astype(np.float64) * foreground
    cos_turn = np.ascontiguousarray(critical.turn.real).reshape(flat)
    sin_turn = np.ascontiguousarray(critical.turn.imag).reshape(flat)
    traced_steps = range(0, n_steps + 1, trace_every) if trace_every else range(0)
    phasors = np.zeros((max(n_steps - record_from + 1, 0), *shape), dtype=np.complex64)
    states = np.zeros_like(phasors) if record_states else None
    trace = np.zeros((len(traced_steps), *shape), dtype=np.complex64)
    coupled = np.empty_like(state)
    flat_state, flat_coupled = state.reshape(2, *flat), coupled.reshape(2, *flat)
    flat_foreground = foreground.reshape(flat)
    rng = np.random.default_rng(noise_seed)
    for step in range(n_steps + 1):
        if step > 0:
            critical.coupling.apply(state, out=coupled)
            peak = _critical_kernels.advance_critical(
                flat_state, flat_coupled, cos_turn, sin_turn, flat_foreground, critical.drive
            )
            if noise:
                state += rng.normal(scale=noise * peak / np.sqrt(2), size=state.shape) * foreground
        if step >= record_from:
            _kernels.unit_phasors(flat_state, phasors[step - record_from].reshape(flat))
            if states is not None:
                states[step - record_from] = _peak_normalised(state[0] + 1j * state[1])
        if step in traced_steps:
            _kernels.unit_phasors(flat_state, trace[step // traced_steps.step].reshape(flat))
    return Evolution(final=state[0] + 1j * state[1], phasors=phasors, trace=trace, states=states)
