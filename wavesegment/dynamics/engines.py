"""Engines that step the linear dynamics ``x_{t+1} = (diag(i omega) + K) x_t``.

Both engines return the same :class:`Evolution`: the state after the last step and the unit
phasors of the steps the readout needs, nothing else.

- ``"numba"`` steps the network with the separable low-rank coupling: O(N) memory and O(N r)
  work per step at any image size (in numpy for a process's first photo, then by Numba
  kernels: see :func:`_stepper`).
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

from ..limits import ENGINES
from ..network.coupling import GaussianCoupling

#: Largest number of units the exact engine accepts (a 64 x 64 image).
MAX_EXACT_UNITS = 64 * 64

# Up to this many units "auto" uses the exact solution, which is then as fast as stepping.
_AUTO_EXACT_UNITS = 16 * 16


@dataclass(frozen=True)
class Evolution:
    """What an engine returns.

    Attributes
    ----------
    final : grid-shaped complex128 ndarray
        The state after the last step, rescaled (only its phases are meaningful).
    phasors : (n_recorded, *grid) complex64 ndarray
        ``exp(i angle(x_t))`` for each recorded step, 0 where a unit is silent.
    trace : (n_traced, *grid) complex64 ndarray
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
    omega, x0 : ndarray of the coupling's shape
        Frequencies and initial state (a signal, an image or a volume).
    n_steps : int
        How many times M is applied.
    record_from : int
        Record the unit phasors after ``record_from, ..., n_steps`` applications
        (none if ``record_from > n_steps``).
    foreground : bool ndarray of the coupling's shape, optional
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
    shape = omega.shape
    # The kernels step (rows, cols) planes: a signal or a volume is stepped as one row of units.
    flat = shape if len(shape) == 2 else (1, omega.size)
    state = np.stack([x0.real, x0.imag]).astype(np.float64) * foreground
    omega = np.ascontiguousarray(omega, dtype=np.float64).reshape(flat)
    foreground = np.ascontiguousarray(foreground, dtype=np.bool_)
    flat_foreground = foreground.reshape(flat)
    phasors = np.zeros((max(n_steps - record_from + 1, 0), *shape), dtype=np.complex64)
    trace = np.zeros((len(traced_steps), *shape), dtype=np.complex64)
    states = np.zeros(phasors.shape if record_states else (0, *shape), dtype=np.complex64)
    coupled = np.empty_like(state)
    flat_state, flat_coupled = state.reshape(2, *flat), coupled.reshape(2, *flat)
    peak = np.abs(x0[foreground]).max(initial=0.0)
    rng = np.random.default_rng(noise_seed)
    step_once = _stepper(omega, flat_foreground, n_steps)
    for step in range(n_steps + 1):
        if step > 0:
            coupling.apply(state, out=coupled)
            scale = 1.0 / peak if peak else 1.0
            peak = step_once.advance(flat_state, flat_coupled, scale)
            if noise:
                # Each of the real and imaginary parts carries half of the complex variance.
                noise_scale = noise * peak / np.sqrt(2)
                state += rng.normal(scale=noise_scale, size=state.shape) * foreground
        if step >= record_from:
            step_once.phasors(flat_state, phasors[step - record_from].reshape(flat))
            if record_states:
                states[step - record_from] = _peak_normalised(state[0] + 1j * state[1])
        if step in traced_steps:
            step_once.phasors(flat_state, trace[step // traced_steps.step].reshape(flat))
    return Evolution(
        final=state[0] + 1j * state[1],
        phasors=phasors,
        trace=trace,
        states=states if record_states else None,
    )


# Unit-steps (units x steps) a process makes in numpy before it loads the numba kernels: about
# seven photos with the natural preset (4 runs x 120 steps x 6144 units, and layer 1's 3 x 59).
NUMPY_UNIT_STEPS = 30_000_000
_unit_steps_done = 0


def _stepper(omega: np.ndarray, foreground: np.ndarray, n_steps: int):
    """The numpy step for the first ``NUMPY_UNIT_STEPS`` of a process, the numba kernels after.

    The kernels make a step of a 96 x 64 grid in 11 us against numpy's 33 us (0.012 s over a
    photo read out at step 180, 0.07 s at 840), but loading numba and them costs a fresh
    process 0.6 s and 100 MB: a command that segments one photo is faster without them; a
    process that segments many photos (about 50 at the photos' window) or a volume is faster
    with them. Both give the same values, bit for bit.
    """
    global _unit_steps_done
    if _unit_steps_done >= NUMPY_UNIT_STEPS:
        return _KernelStepper(omega, foreground)
    _unit_steps_done += omega.size * n_steps
    return _Stepper(omega, foreground)


class _KernelStepper:
    """:class:`_Stepper`'s two operations by the numba kernels."""

    def __init__(self, omega: np.ndarray, foreground: np.ndarray):
        from . import _kernels

        self.kernels, self.omega, self.foreground = _kernels, omega, foreground

    def advance(self, state: np.ndarray, coupled: np.ndarray, scale: float) -> float:
        return self.kernels.advance(state, coupled, self.omega, self.foreground, scale)

    def phasors(self, state: np.ndarray, out: np.ndarray) -> None:
        self.kernels.unit_phasors(state, out)


class _Stepper:
    """One step of the linear dynamics, ``x <- scale * (i omega x + K x)`` on the foreground
    units and zero elsewhere, and the unit phasors, in numpy: the operations of the numba
    kernels :func:`~wavesegment.dynamics._kernels.advance` and ``unit_phasors``, in their
    order (the same values, bit for bit)."""

    def __init__(self, omega: np.ndarray, foreground: np.ndarray):
        # -omega * imag is exactly -(omega * imag): both planes of i omega x in one product.
        self.rates = np.stack([-omega, omega])
        # x * 0 is -0 for a negative x: adding +0 then makes it +0, the kernel's zero.
        self.mask = foreground.astype(np.float64) if not foreground.all() else None
        self.work = np.empty((2, *omega.shape))

    def advance(self, state: np.ndarray, coupled: np.ndarray, scale: float) -> float:
        """``x <- scale * (i omega x + K x)`` on foreground units, zero elsewhere; the largest
        magnitude after it."""
        work = self.work
        np.multiply(self.rates, state[::-1], out=work)  # (-omega imag, omega real)
        np.add(coupled, work, out=work)
        np.multiply(work, scale, out=state)
        if self.mask is not None:
            np.multiply(state, self.mask, out=state)
            np.add(state, 0.0, out=state)
        np.multiply(state, state, out=work)
        return float(np.sqrt(np.add(work[0], work[1], out=work[0]).max(initial=0.0)))

    def phasors(self, state: np.ndarray, out: np.ndarray) -> None:
        """``exp(i angle(x))`` into ``out`` (0 where x = 0)."""
        real, imag = state
        magnitude = self.work[0]
        np.multiply(real, real, out=magnitude)
        magnitude += imag * imag
        np.sqrt(magnitude, out=magnitude)
        silent = magnitude == 0
        magnitude[silent] = 1.0
        out.real = np.where(silent, 0.0, real / magnitude)
        out.imag = np.where(silent, 0.0, imag / magnitude)


def _peak_normalised(state: np.ndarray) -> np.ndarray:
    peak = np.abs(state).max(initial=0.0)
    return state / peak if peak else state


def _evolve_exact(
    coupling, omega, x0, foreground, n_steps, record_from, traced_steps, record_states
):
    """The closed form ``x_t = sum_k lambda_k^t c_k v_k``, from the dense spectrum of M that
    ``explain`` uses too (:func:`wavesegment.dynamics.spectral.layer_spectrum`)."""
    from .spectral import layer_spectrum

    shape = omega.shape
    resolve_engine("exact", omega.size)
    recorded = range(record_from, n_steps + 1)
    if not foreground.any():
        silent = np.zeros(shape, dtype=np.complex128)
        frames = np.zeros((len(recorded), *shape), dtype=np.complex64)
        return Evolution(silent, frames, np.zeros((len(traced_steps), *shape), np.complex64))
    spectrum = layer_spectrum(coupling, omega, foreground=foreground, method="dense")
    # states() divides by |lambda_1|^t, the rescaling that keeps lambda^t finite.
    states = spectrum.states(x0, recorded)
    return Evolution(
        final=spectrum.states(x0, [n_steps])[0],
        phasors=_phasors(states, recorded),
        trace=_phasors(spectrum.states(x0, traced_steps), traced_steps),
        states=(
            np.stack([_peak_normalised(state) for state in states]).astype(np.complex64)
            if record_states and len(recorded)
            else None
        ),
    )


def _phasors(states: np.ndarray, steps: range) -> np.ndarray:
    """Unit phasors of ``states`` (0 where a unit is silent), one frame per step."""
    phasors = np.zeros((len(steps), *states.shape[1:]), dtype=np.complex64)
    for target, state in zip(phasors, states, strict=True):
        np.divide(state, np.abs(state), out=target, where=state != 0, casting="unsafe")
    return phasors
