"""The critical dynamics about their fixed point: exactly solvable modes of relaxation.

A layer with ``dynamics="critical"`` steps ``x <- sigma(u)``, ``u = R K_n x + I`` (see
:mod:`wavesegment.dynamics.critical`). The constant input ``I`` gives it a fixed point ``x*``;
a small deviation ``delta`` from it evolves, to first order, by the linear map

    J delta = w / s - u* Re(conj(u*) w) / s^3,    w = R K_n delta,  s = sqrt(1 + |u*|^2),

which is real-linear, not complex-linear (the sigmoid shrinks changes of magnitude by 1 / s^3
and changes of phase by 1 / s). Its eigenpairs are the run's modes near the fixed point:
``delta_t = sum_k lambda_k^t c_k v_k``, each relaxing in ``-1 / ln |lambda_k|`` steps.
"""

from __future__ import annotations

import numpy as np

from ..dynamics.critical import CriticalMap

#: Up to this many active units the Jacobian (2 units x 2 units) is decomposed densely.
DENSE_UNITS = 400


def fixed_point(
    critical: CriticalMap,
    *,
    tolerance: float = 1e-10,
    warm_up: int = 300,
    max_newton: int = 30,
) -> tuple[np.ndarray, int]:
    """The fixed point ``x* = sigma(R K_n x* + I)`` reached from zero, and the Newton steps
    it took.

    ``warm_up`` steps of the map bring the state near it; Newton's method on ``x - sigma(u(x))``
    (each step solving ``(1 - J) d = residual`` by GMRES on the O(N r) product) finishes it,
    where plain iteration would need several times the slowest relaxation time (tens of
    thousands of steps on a photo's grid).

    Examples
    --------
    >>> from wavesegment.network.coupling import GaussianCoupling
    >>> one = CriticalMap(GaussianCoupling((1, 1), alpha=1, sigma=1), np.zeros((1, 1)), 0.11)
    >>> point, steps = fixed_point(one)
    >>> round(float(point.real[0, 0]), 3)
    0.552
    """
    from scipy.sparse.linalg import LinearOperator, gmres

    active = critical.foreground
    state = np.zeros(active.shape, complex)
    for _ in range(warm_up):
        state = critical(state)
    for step in range(max_newton + 1):
        residual = (state - critical(state))[active]
        if np.abs(residual).max() <= tolerance:
            return state, step
        step_map = jacobian(critical, state)
        n = step_map.shape[0] // 2
        one_minus_j = LinearOperator(step_map.shape, matvec=lambda v, j=step_map: v - j @ v)
        right = np.concatenate([residual.real, residual.imag])
        correction, _ = gmres(one_minus_j, right, rtol=1e-12, atol=0.0, restart=200, maxiter=20)
        state = state.copy()
        state[active] -= correction[:n] + 1j * correction[n:]
    raise RuntimeError(f"no fixed point within {tolerance:g} after {max_newton} Newton steps")


def jacobian(critical: CriticalMap, point: np.ndarray):
    """The linearisation ``J`` at ``point`` as a :class:`scipy.sparse.linalg.LinearOperator`
    on the real and imaginary parts of the active units, stacked (2 n values)."""
    from scipy.sparse.linalg import LinearOperator

    active = critical.foreground
    n = int(active.sum())
    u = critical.preactivation(point)[active]
    s = np.sqrt(1.0 + np.abs(u) ** 2)

    def product(vector: np.ndarray) -> np.ndarray:
        vector = np.asarray(vector).ravel()
        delta = np.zeros(active.shape, complex)
        delta[active] = vector[:n] + 1j * vector[n:]
        planes = critical.coupling.apply(np.stack([delta.real, delta.imag]))
        w = (critical.turn * (planes[0] + 1j * planes[1]))[active]
        moved = w / s - u * (u.conj() * w).real / s**3
        return np.concatenate([moved.real, moved.imag])

    return LinearOperator((2 * n, 2 * n), matvec=product, dtype=np.float64)


def relaxation_modes(
    critical: CriticalMap, point: np.ndarray, n_modes: int, *, method: str = "auto"
) -> tuple[np.ndarray, np.ndarray]:
    """The ``n_modes`` slowest modes of ``J`` at ``point``: eigenvalues (largest ``|lambda|``
    first) and eigenvectors as complex unit deviations, shape (n_modes, rows, cols).

    ``method``: ``"dense"`` (every mode, up to :data:`DENSE_UNITS` active units), ``"sparse"``
    (ARPACK on the O(N r) product) or ``"auto"``.
    """
    from scipy.sparse.linalg import eigs

    operator = jacobian(critical, point)
    n = operator.shape[0] // 2
    dense = method == "dense" or (method == "auto" and n <= DENSE_UNITS)
    k = min(n_modes, operator.shape[0] - 2)
    if dense or k < 1:
        values, vectors = np.linalg.eig(operator @ np.eye(operator.shape[0]))
    else:
        values, vectors = eigs(operator, k=k, which="LM", tol=1e-10)
    order = np.argsort(-np.abs(values), kind="stable")[:n_modes]
    values, vectors = values[order], vectors[:, order]
    modes = np.zeros((len(order), *point.shape), complex)
    # A real eigenvector pair (v, conj v) of the real operator: the deviation is Re(c v),
    # whose unit parts are v[:n] (real plane) and v[n:] (imaginary plane).
    modes[:, critical.foreground] = (vectors[:n] + 1j * vectors[n:]).T
    return values, modes


def relaxation_steps(eigenvalues: np.ndarray) -> np.ndarray:
    """``-1 / ln |lambda|``: the steps in which each mode's deviation falls by e (inf at 1).

    Examples
    --------
    >>> relaxation_steps(np.array([np.exp(-1 / 42)])).round(6).tolist()
    [42.0]
    """
    magnitude = np.abs(eigenvalues)
    with np.errstate(divide="ignore"):
        return np.where(magnitude < 1, -1.0 / np.log(np.minimum(magnitude, 1 - 1e-300)), np.inf)


def linearisation_report(network, foreground: np.ndarray, n_modes: int, method: str) -> dict:
    """The ``"linearisation"`` section of ``explain`` for a critical run: per layer (layer 1 on
    the luminance and all units, layer 2 on ``foreground``), the fixed point the input makes
    and the slowest modes about it."""
    p = network.parameters
    layers = {"layer1": (network.layer1, np.ones(network.shape, bool))}
    if foreground.any():
        layers["layer2"] = (network.layer2, foreground)
    report = {"input": p.critical_input}
    for name, (coupling, units) in layers.items():
        critical = CriticalMap(
            coupling, np.where(units, network.omega, 0.0), p.critical_input, units
        )
        point, steps = fixed_point(critical)
        values, _ = relaxation_modes(critical, point, n_modes, method=method)
        magnitude = np.abs(point[units])
        report[name] = {
            "newton_steps": steps,
            "fixed_point_magnitude": {
                "mean": float(magnitude.mean()),
                "min": float(magnitude.min()),
                "max": float(magnitude.max()),
            },
            "modes": [
                {
                    "real": float(value.real),
                    "imag": float(value.imag),
                    "growth": float(abs(value)),
                    "rotation": float(np.angle(value)),
                    "relaxation_steps": float(steps_k),
                }
                for value, steps_k in zip(values, relaxation_steps(values), strict=True)
            ],
        }
    return report


def propagation_length(critical: CriticalMap, point: np.ndarray, source: tuple[int, int]) -> float:
    """How far a further input travels: the steady response of the linearisation to a small
    constant extra input at ``source``, ``delta = (1 - J)^-1 e_source``, falls by e every
    returned number of units (a fit of ``ln |delta|`` against the distance along the row).

    Dense: for one row (a 1 x n grid) of at most 1000 units.
    """
    operator = jacobian(critical, point)
    size = operator.shape[0]
    n = size // 2
    if critical.foreground.shape[0] != 1 or n > 1000:
        raise ValueError("propagation_length takes one row of at most 1000 units")
    impulse = np.zeros(size)
    impulse[source[1]] = 1.0
    response = np.linalg.solve(np.eye(size) - operator @ np.eye(size), impulse)
    magnitude = np.hypot(response[:n], response[n:])
    distance = np.abs(np.arange(n) - source[1])
    # The exponential tail: past the source's own neighbourhood (a tenth of the row), before
    # float64 noise and the row's ends.
    tail = (distance > 0.1 * n) & (magnitude > 1e-10 * magnitude.max())
    tail &= distance < 0.8 * min(source[1], n - 1 - source[1])
    slope = np.polyfit(distance[tail], np.log(magnitude[tail]), 1)[0]
    return float(-1.0 / slope)
