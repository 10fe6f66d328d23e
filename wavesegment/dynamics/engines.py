"""Engines that step the linear dynamics ``x_{t+1} = (diag(i omega) + K) x_t``.

Both engines return the same :class:`Evolution`: the state after the last step and the unit
phasors of the steps the readout needs, nothing else.

- ``"numba"`` steps the network with Numba kernels and the separable low-rank coupling:
  O(N) memory and O(N r) work per step at any image size.
- ``"exact"`` uses the closed form ``x_t = V diag(lambda)^t V^-1 x_0`` from a dense
  eigen-decomposition of M; it is limited to small images and serves as the oracle in tests.
  Where omega takes only a few values (synthetic shapes), hundreds of eigenvalues coincide and
  their eigenvectors are nearly dependent: the closed form is then accurate once the leading
  modes dominate (from about step 10 of layer 1; the mask step and layer 2 are unaffected),
  not in the very first steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..network.coupling import GaussianCoupling
from ..parameters import ENGINES

#: Largest number of units the exact engine accepts (a 64 x 64 image).
MAX_EXACT_UNITS = 64 * 64

# Up to this many units "auto" uses the exact solution, which is then as fast as stepping.
_AUTO_EXACT_UNITS = 16 * 16


@dataclass(frozen=True)
class Evolution:
    """What an engine returns.

    Attributes
    ----------
    final : (rows, cols) complex128 ndarray
        The state after the last step, rescaled (only its phases are meaningful).
    phasors : (n_recorded, rows, cols) complex64 ndarray
        ``exp(i angle(x_t))`` for each recorded step, 0 where a unit is silent.
    trace : (n_traced, rows, cols) complex64 ndarray
        The same phasors at every ``trace_every``-th step from x_0 on, for pictures of the
        dynamics; empty unless asked for.
    states : (n_recorded, rows, cols) complex64 ndarray, optional
        The complex states of the recorded steps, each divided by its largest unit magnitude
        (the engines agree on it; amplitudes between units are kept), if asked for.
    """

    final: np.ndarray
    phasors: np.ndarray
    trace: np.ndarray | None = None
    states: np.ndarray | None = None


def one_blas_thread():
    """A context in which BLAS runs on one thread.

    A run is hundreds of small matrix products: BLAS threads that spin-wait between them cost
    more than they give, and make a run 10x slower when other processes share the cores.
    ``segment()`` and ``explain()`` run inside it; a caller of :func:`evolve` on a shared
    machine may want it too.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def resolve_engine(engine: str, n_units: int) -> str:
    """The engine that runs: ``"auto"`` becomes ``"exact"`` for tiny images, else ``"numba"``."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "auto":
        return "exact" if n_units <= _AUTO_EXACT_UNITS else "numba"
    if engine == "exact" and n_units > MAX_EXACT_UNITS:
        raise ValueError(
            f"the exact engine needs a dense {n_units} x {n_units} eigen-decomposition; it is "
            f"limited to {MAX_EXACT_UNITS} pixels (64 x 64): use engine='numba'"
        )
    return engine


def evolve(
    coupling: GaussianCoupling,
    omega: np.ndarray,
    x0: np.ndarray,
    *,
    n_steps: int,
    record_from: int,
    foreground: np.ndarray | None = None,
    engine: str = "numba",
    trace_every: int = 0,
    noise: float = 0.0,
    noise_seed: int | list[int] | None = None,
    record_states: bool = False,
) -> Evolution:
    """Apply ``M = diag(i omega) + K`` ``n_steps`` times to ``x0``.

    Parameters
    ----------
    coupling : GaussianCoupling
        The layer's coupling K.
    omega, x0 : (rows, cols) ndarray
        Frequencies and initial state.
    n_steps : int
        How many times M is applied.
    record_from : int
        Record the unit phasors after ``record_from, ..., n_steps`` applications
        (none if ``record_from > n_steps``).
    foreground : (rows, cols) bool ndarray, optional
        Units that take part; the others are removed from the network (x = 0, omega = 0,
        their rows and columns of K dropped). All units by default.
    engine : {"numba", "exact"}
    trace_every : int
        If positive, also keep the phasors after ``0, trace_every, 2 trace_every, ...``
        applications in ``Evolution.trace`` (for a movie of the waves).
    noise : float
        Standard deviation of complex Gaussian noise added to every unit after each step,
        relative to the largest unit magnitude at that step (the engine rescales the state by
        its peak each step, so this is a fixed signal-to-noise ratio). Stepping engine only.
    noise_seed : int or list of int, optional
        Seed of the noise (``numpy.random.default_rng``).
    record_states : bool
        Also keep the complex states of the recorded steps in ``Evolution.states`` (for the
        spectral readout, which needs amplitudes as well as phases).

    Returns
    -------
    Evolution
    """
    if foreground is None:
        foreground = np.ones(omega.shape, dtype=bool)
    if trace_every < 0:
        raise ValueError(f"trace_every must be 0 or positive, got {trace_every}")
    if noise < 0:
        raise ValueError(f"noise must be non-negative, got {noise}")
    traced_steps = range(0, n_steps + 1, trace_every) if trace_every else range(0)
    if engine == "exact":
        if noise:
            raise ValueError("the exact engine solves the noiseless dynamics: use engine='numba'")
        evolution = _evolve_exact(
            coupling, omega, x0, foreground, n_steps, record_from, traced_steps, record_states
        )
    else:
        evolution = _evolve_stepping(
            coupling,
            omega,
            x0,
            foreground,
            n_steps,
            record_from,
            traced_steps,
            noise,
            noise_seed,
            record_states,
        )
    return evolution


def _evolve_stepping(
    coupling,
    omega,
    x0,
    foreground,
    n_steps,
    record_from,
    traced_steps,
    noise,
    noise_seed,
    record_states,
):
    from . import _kernels

    rows, cols = omega.shape
    state = np.stack([x0.real, x0.imag]).astype(np.float64) * foreground
    omega = np.ascontiguousarray(omega, dtype=np.float64)
    foreground = np.ascontiguousarray(foreground, dtype=np.bool_)
    phasors = np.zeros((max(n_steps - record_from + 1, 0), rows, cols), dtype=np.complex64)
    trace = np.zeros((len(traced_steps), rows, cols), dtype=np.complex64)
    states = np.zeros(phasors.shape if record_states else (0, rows, cols), dtype=np.complex64)
    coupled = np.empty_like(state)
    peak = np.abs(x0[foreground]).max(initial=0.0)
    rng = np.random.default_rng(noise_seed)
    for step in range(n_steps + 1):
        if step > 0:
            coupling.apply(state, out=coupled)
            scale = 1.0 / peak if peak else 1.0
            peak = _kernels.advance(state, coupled, omega, foreground, scale)
            if noise:
                # Each of the real and imaginary parts carries half of the complex variance.
                noise_scale = noise * peak / np.sqrt(2)
                state += rng.normal(scale=noise_scale, size=state.shape) * foreground
        if step >= record_from:
            _kernels.unit_phasors(state, phasors[step - record_from])
            if record_states:
                states[step - record_from] = _peak_normalised(state[0] + 1j * state[1])
        if step in traced_steps:
            _kernels.unit_phasors(state, trace[step // traced_steps.step])
    return Evolution(
        final=state[0] + 1j * state[1],
        phasors=phasors,
        trace=trace,
        states=states if record_states else None,
    )


def _peak_normalised(state: np.ndarray) -> np.ndarray:
    peak = np.abs(state).max(initial=0.0)
    return state / peak if peak else state


def _evolve_exact(
    coupling, omega, x0, foreground, n_steps, record_from, traced_steps, record_states
):
    import scipy.linalg

    rows, cols = omega.shape
    resolve_engine("exact", rows * cols)
    units = np.flatnonzero(foreground)
    matrix = coupling.dense()[np.ix_(units, units)] + np.diag(1j * omega.ravel()[units])
    eigenvalues, left, eigenvectors = scipy.linalg.eig(matrix, left=True)
    # Coefficients from the left eigenvectors, one eigenvalue at a time: each is as accurate as
    # its own eigenvalue is well conditioned. solve(V, x0) would spread the error of the
    # near-degenerate clusters (omega takes few values) over the dominant modes too.
    coefficients = (left.conj().T @ x0.ravel()[units]) / np.einsum(
        "ij,ij->j", left.conj(), eigenvectors
    )
    # Dividing by the largest |lambda| is the rescaling that keeps lambda^t finite.
    growth = eigenvalues / np.abs(eigenvalues).max(initial=1.0)

    def state_at(step: int) -> np.ndarray:
        full = np.zeros(rows * cols, dtype=np.complex128)
        full[units] = eigenvectors @ (growth**step * coefficients)
        return full.reshape(rows, cols)

    def phasors_at(steps: range) -> np.ndarray:
        phasors = np.zeros((len(steps), rows, cols), dtype=np.complex64)
        for target, step in zip(phasors, steps, strict=True):
            state = state_at(step)
            np.divide(state, np.abs(state), out=target, where=state != 0, casting="unsafe")
        return phasors

    def states_at(steps: range) -> np.ndarray:
        states = np.zeros((len(steps), rows, cols), dtype=np.complex64)
        for target, step in zip(states, steps, strict=True):
            target[...] = _peak_normalised(state_at(step))
        return states

    recorded = range(record_from, n_steps + 1)
    return Evolution(
        final=state_at(n_steps),
        phasors=phasors_at(recorded),
        trace=phasors_at(traced_steps),
        states=states_at(recorded) if record_states else None,
    )
