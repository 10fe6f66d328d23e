"""The exact solution of one layer: eigenmodes of ``M = diag(i omega) + K`` and their sums.

Because the network is linear, ``x_t = M^t x_0 = sum_k lambda_k^t c_k v_k``. ``K`` is real
symmetric and ``diag(i omega)`` is diagonal, so M is complex *symmetric* (``M^T = M``): its left
eigenvectors are the right ones, unconjugated. The coefficients of a set of leading modes V_R
(an invariant subspace) are therefore ``(V_R^T V_R)^-1 V_R^T x_0``, which needs no other
eigenvector. This matters twice: the iterative path finds only the leading modes, and the full
eigenvector matrix of layer 1 is numerically singular (omega takes few values, so most
eigenvalues are massively repeated), which makes ``V^-1 x_0`` useless there.

Small layers are decomposed densely with ``coupling.dense()``. Larger ones go through ARPACK
(``scipy.sparse.linalg.eigs``) on a ``LinearOperator`` whose product is
``GaussianCoupling.apply``, the O(N r) separable operator the numba engine steps with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..limits import EIGENSOLVERS
from ..network.coupling import GaussianCoupling

METHODS = EIGENSOLVERS

# Up to this many units "auto" decomposes densely; beyond, ARPACK is faster for a few modes.
_AUTO_DENSE_UNITS = 20 * 20
# ARPACK restarts before giving up on the modes not yet converged. Past the leading modes,
# layer 1 of a piecewise-constant image has eigenvalues i omega repeated hundreds of times,
# on which ARPACK stalls; the modes that did converge are kept.
_MAX_RESTARTS = 30


@dataclass(frozen=True)
class LayerSpectrum:
    """Leading eigenmodes of one layer's ``M``, restricted to the units that take part.

    Attributes
    ----------
    eigenvalues : (n_modes,) complex ndarray
        Eigenvalues by decreasing ``|lambda|``: growth ``|lambda|`` and rotation per step
        ``arg(lambda)``.
    vectors : (n_units, n_modes) complex ndarray
        Unit-norm right eigenvectors, one column per eigenvalue.
    units : (n_units,) int ndarray
        Flat (row-major) pixel indices of the units.
    shape : (int, int)
        Image shape.
    method : str
        ``"dense"`` or ``"sparse"``, the path that computed the modes.
    left : (n_units, n_modes) complex ndarray or None
        Left eigenvectors (``w^H M = lambda w^H``), computed by the dense path.
    """

    eigenvalues: np.ndarray
    vectors: np.ndarray
    units: np.ndarray
    shape: tuple[int, int]
    method: str
    left: np.ndarray | None = None

    @property
    def condition_number(self) -> float:
        """2-norm condition number of the matrix of the modes held (all, or the leading ones).

        Large values mean modes that nearly cancel one another (non-normal dynamics), so that
        the state can stay far from the leading mode for a while even with a large gap.
        """
        return float(np.linalg.cond(self.vectors))

    def coefficients(self, x0: np.ndarray, n_modes: int | None = None) -> np.ndarray:
        """Weights ``c_k`` of ``x0`` (image-shaped) on the first ``n_modes`` modes.

        With left eigenvectors (dense path) each weight comes from its own,
        ``c_k = w_k^H x0 / w_k^H v_k``: as accurate as its own eigenvalue is well conditioned,
        even where omega takes few values and hundreds of eigenvalues coincide (the matrix of
        all modes then has condition ~1e19, and solving with it would spread that error over
        the dominant modes too). Otherwise (the leading modes from ARPACK) they are the oblique
        projections ``(V^T V)^-1 V^T x0`` of a complex symmetric M; ``n_modes`` should then not
        split a cluster of (nearly) equal eigenvalues.
        """
        n_modes = self.eigenvalues.size if n_modes is None else n_modes
        start = np.asarray(x0, dtype=np.complex128).ravel()[self.units]
        leading = self.vectors[:, :n_modes]
        if self.left is not None:
            left = self.left[:, :n_modes]
            return (left.conj().T @ start) / np.einsum("ij,ij->j", left.conj(), leading)
        return np.linalg.solve(leading.T @ leading, leading.T @ start)

    def states(self, x0: np.ndarray, steps, n_modes: int | None = None) -> np.ndarray:
        """``M^t x0`` for each t in ``steps`` from the first ``n_modes`` modes.

        Returns a (len(steps), rows, cols) complex array, zero off the units, divided by
        ``|lambda_1|^t`` (phases are exact; magnitudes would overflow).

        Examples
        --------
        >>> coupling = GaussianCoupling((6, 6), alpha=0.5, sigma=0.9)
        >>> omega = np.linspace(-1, 1, 36).reshape(6, 6)
        >>> spectrum = layer_spectrum(coupling, omega)
        >>> x0 = np.exp(1j * omega)
        >>> stepped = coupling.dense() @ x0.ravel() + 1j * omega.ravel() * x0.ravel()
        >>> bool(np.allclose(spectrum.states(x0, [1])[0].ravel() * abs(spectrum.eigenvalues[0]),
        ...                  stepped))
        True
        """
        n_modes = self.eigenvalues.size if n_modes is None else n_modes
        weights = self.coefficients(x0, n_modes)
        growth = self.eigenvalues[:n_modes] / np.abs(self.eigenvalues[0])
        steps = np.asarray(list(steps))
        powers = growth[None, :] ** steps[:, None]
        out = np.zeros((steps.size, int(np.prod(self.shape))), dtype=np.complex128)
        out[:, self.units] = (powers * weights) @ self.vectors[:, :n_modes].T
        return out.reshape(steps.size, *self.shape)

    def mode_images(self, n_modes: int | None = None) -> np.ndarray:
        """The first ``n_modes`` eigenvectors on the image grid (NaN off the units)."""
        n_modes = self.eigenvalues.size if n_modes is None else n_modes
        out = np.full((n_modes, int(np.prod(self.shape))), np.nan, dtype=np.complex128)
        out[:, self.units] = self.vectors[:, :n_modes].T
        return out.reshape(n_modes, *self.shape)


def resolve_method(method: str, n_units: int) -> str:
    """The eigensolver that runs: ``"auto"`` is dense up to 400 units, sparse beyond."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if method == "auto":
        return "dense" if n_units <= _AUTO_DENSE_UNITS else "sparse"
    return method


def layer_spectrum(
    coupling: GaussianCoupling,
    omega: np.ndarray,
    *,
    foreground: np.ndarray | None = None,
    n_modes: int | None = None,
    method: str = "auto",
    tol: float = 0.0,
) -> LayerSpectrum:
    """Eigen-decomposition of ``P (diag(i omega) + K) P`` on the units in ``foreground``.

    Parameters
    ----------
    coupling : GaussianCoupling
        The layer's coupling K.
    omega : (rows, cols) ndarray
        Frequencies of the units.
    foreground : (rows, cols) bool ndarray, optional
        Units that take part (layer 2 runs on the foreground only). All units by default.
    n_modes : int, optional
        Leading modes to keep; all by default, which only the dense path can do. The sparse
        path may return fewer when ARPACK does not converge on all of them (it then keeps
        those that did).
    method : {"auto", "dense", "sparse"}
        ``"dense"``: ``scipy.linalg.eig`` of the N x N matrix, left eigenvectors too.
        ``"sparse"``: ARPACK on the structured operator, O(N r) per product. ``"auto"``: dense
        up to 400 units.
    tol : float
        Relative accuracy asked of ARPACK (0: machine precision).

    Returns
    -------
    LayerSpectrum

    Examples
    --------
    >>> coupling = GaussianCoupling((30, 30), alpha=0.5, sigma=0.9)
    >>> omega = np.where(np.arange(900).reshape(30, 30) % 30 < 10, 1.0, -0.5)
    >>> dense = layer_spectrum(coupling, omega, n_modes=2, method="dense")
    >>> sparse = layer_spectrum(coupling, omega, n_modes=2, method="sparse")
    >>> bool(np.allclose(dense.eigenvalues, sparse.eigenvalues))
    True
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if foreground is None:
        foreground = np.ones(omega.shape, dtype=bool)
    units = np.flatnonzero(foreground)
    if units.size == 0:
        raise ValueError("no units take part in this layer")
    method = resolve_method(method, units.size)
    rates = 1j * np.asarray(omega, dtype=np.float64).ravel()[units]
    if method == "sparse" and n_modes is None:
        raise ValueError("the sparse method needs n_modes")
    if method == "sparse" and n_modes >= units.size - 1:
        method = "dense"  # ARPACK needs k < N - 1; so few units are cheap to decompose densely
    left = None
    if method == "dense":
        import scipy.linalg

        matrix = coupling.dense()[np.ix_(units, units)] + np.diag(rates)
        eigenvalues, left, vectors = scipy.linalg.eig(matrix, left=True)
    else:
        eigenvalues, vectors = _arpack(coupling, rates, units, n_modes, tol)
    order = np.argsort(-np.abs(eigenvalues), kind="stable")[:n_modes]
    vectors = vectors[:, order] / np.linalg.norm(vectors[:, order], axis=0)
    left = None if left is None else left[:, order]
    return LayerSpectrum(eigenvalues[order], vectors, units, tuple(omega.shape), method, left)


def _arpack(coupling, rates, units, n_modes, tol):
    from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigs

    shape = coupling.shape
    planes = np.zeros((2, int(np.prod(shape))))
    coupled = np.empty((2, *shape))

    def matvec(vector):
        vector = np.asarray(vector).ravel()
        planes[0, units] = vector.real
        planes[1, units] = vector.imag
        coupling.apply(planes.reshape(2, *shape), out=coupled)
        flat = coupled.reshape(2, -1)
        return flat[0, units] + 1j * flat[1, units] + rates * vector

    operator = LinearOperator((units.size, units.size), matvec=matvec, dtype=np.complex128)
    # A wider Krylov space than ARPACK's default converges much faster on clustered spectra.
    n_vectors = min(units.size, max(2 * n_modes + 1, 40))
    try:
        return eigs(operator, k=n_modes, which="LM", ncv=n_vectors, tol=tol, maxiter=_MAX_RESTARTS)
    except ArpackNoConvergence as stalled:
        if stalled.eigenvalues.size == 0:
            raise
        return stalled.eigenvalues, stalled.eigenvectors
