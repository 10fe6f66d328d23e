"""The Gaussian coupling along one axis, for networks of any dimension (a line, a ring, a
volume).

The coupling of a d-dimensional grid is the Kronecker product of one 1-D Gaussian per axis, so
``K x`` is one 1-D product along each axis in turn: O(N) memory whatever d. Along an axis of n
units the product is a dense n x n matrix where n is small, and a Fourier convolution (the
Gaussian depends only on the distance) where a dense matrix would not fit: a 1-D signal of a
million samples is coupled in O(n log n) per step.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

# Up to this many units an axis is coupled by its dense Gram matrix; beyond, the FFT is faster.
_DENSE_AXIS = 64
# Kernel entries below this fraction of the largest are zero (as the 2-D sheet drops them).
_TAIL = 1e-15


def axis_distances(n: int, *, periodic: bool = False) -> np.ndarray:
    """Distances from unit 0 to units 0..n-1 along an axis of length 1 (unit k sits at
    ``(k + 1) / n``); on a ring the shorter way round.

    Examples
    --------
    >>> axis_distances(4).tolist()
    [0.0, 0.25, 0.5, 0.75]
    >>> axis_distances(4, periodic=True).tolist()
    [0.0, 0.25, 0.5, 0.25]
    """
    steps = np.arange(n, dtype=np.float64)
    if periodic:
        steps = np.minimum(steps, n - steps)
    return steps / n


def axis_gram(n: int, sigma: float, *, periodic: bool = False) -> np.ndarray:
    """The n x n Gaussian Gram matrix of one axis, ``exp(-d^2 / (2 sigma^2))``.

    Examples
    --------
    >>> ring = axis_gram(3, 0.5, periodic=True)
    >>> bool(ring[0, 2] == ring[0, 1])
    True
    """
    positions = np.arange(1, n + 1) / n
    distance = np.abs(positions[:, None] - positions[None, :])
    if periodic:
        distance = np.minimum(distance, 1.0 - distance)
    return np.exp(-(distance**2) / (2 * sigma**2))


class AxisCoupling:
    """The Gaussian coupling along one axis of ``n`` units, applied along any axis of an array.

    Parameters
    ----------
    n : int
        Units along the axis.
    sigma : float
        Width of the Gaussian, in units of the axis length.
    periodic : bool
        Couple the axis as a ring (its two ends are neighbours) instead of an open line.

    Examples
    --------
    >>> axis = AxisCoupling(5000, 0.01, periodic=True)
    >>> signal = np.zeros((2, 5000))
    >>> signal[0, 0] = 1
    >>> coupled = axis.apply(signal, axis=1)
    >>> bool(np.isclose(coupled[0, 1], coupled[0, -1]))  # a ring: both neighbours alike
    True
    """

    def __init__(self, n: int, sigma: float, *, periodic: bool = False):
        self.n, self.sigma, self.periodic = int(n), float(sigma), bool(periodic)

    @property
    def largest_row_sum(self) -> float:
        """The largest sum of one unit's couplings (that of the middle unit, or any on a ring)."""
        if self.n <= _DENSE_AXIS:
            return float(self.gram().sum(axis=1).max())
        distances = axis_distances(self.n, periodic=self.periodic)
        kernel = np.exp(-(distances**2) / (2 * self.sigma**2))
        if self.periodic:
            return float(kernel.sum())
        middle = self.n // 2  # couplings of the middle unit: distances 0..middle and 1..n-1-middle
        return float(kernel[: middle + 1].sum() + kernel[1 : self.n - middle].sum())

    def gram(self) -> np.ndarray:
        """The dense n x n matrix (for small axes and the exact engine)."""
        return axis_gram(self.n, self.sigma, periodic=self.periodic)

    @cached_property
    def _dense(self) -> np.ndarray:
        gram = self.gram()
        return np.where(gram < _TAIL, 0.0, gram)

    @cached_property
    def _spectrum(self) -> tuple[int, np.ndarray]:
        """FFT length and the kernel's transform: circular for a ring, zero-padded for a line."""
        import scipy.fft  # 0.3 s to import: only for long axes, never for a photo's sheet

        kernel = np.exp(-(axis_distances(self.n) ** 2) / (2 * self.sigma**2))
        kernel[kernel < _TAIL] = 0.0
        if self.periodic:
            ring = np.exp(-(axis_distances(self.n, periodic=True) ** 2) / (2 * self.sigma**2))
            ring[ring < _TAIL] = 0.0
            return self.n, scipy.fft.rfft(ring)
        reach = int(np.flatnonzero(kernel)[-1]) + 1  # units within the kernel's support
        length = scipy.fft.next_fast_len(self.n + reach - 1, real=True)
        padded = np.zeros(length)
        padded[:reach] = kernel[:reach]
        padded[length - reach + 1 :] = kernel[1:reach][::-1]
        return length, scipy.fft.rfft(padded)

    def apply(self, array: np.ndarray, *, axis: int) -> np.ndarray:
        """``array`` multiplied by the Gram matrix along ``axis`` (a new array)."""
        if self.n <= _DENSE_AXIS:
            # np.moveaxis's views, by a transpose: moveaxis checks its axes at ~30 us a call,
            # more than the product on a small grid, which steps thousands of times.
            order = [a for a in range(array.ndim) if a != axis] + [axis]
            moved = array.transpose(order) @ self._dense  # the Gram matrix is symmetric
            return moved.transpose(np.argsort(order))
        import scipy.fft

        length, spectrum = self._spectrum
        shape = [1] * array.ndim
        shape[axis] = spectrum.size
        transformed = scipy.fft.rfft(array, n=length, axis=axis) * spectrum.reshape(shape)
        result = scipy.fft.irfft(transformed, n=length, axis=axis)
        return result[(slice(None),) * axis + (slice(0, self.n),)]
