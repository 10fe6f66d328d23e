"""Numba kernel of the critical step (cached as the kernels of ``_kernels`` are)."""

import numpy as np

from ._kernels import _cached_njit


@_cached_njit
def advance_critical(state, coupled, cos_turn, sin_turn, foreground, drive):
    """One step ``x <- sigmoid(exp(i theta) K_n x + I)`` on foreground units, zero elsewhere.

    ``coupled`` holds ``K_n x`` as real and imaginary planes, shape (2, rows, cols);
    ``sigmoid(u) = u / sqrt(1 + |u|^2)`` keeps the phase of ``u`` and saturates its magnitude.
    Updates ``state`` in place and returns its largest magnitude.
    """
    rows, cols = foreground.shape
    peak = 0.0
    for r in range(rows):
        for c in range(cols):
            new_real = 0.0
            new_imag = 0.0
            if foreground[r, c]:
                real = coupled[0, r, c]
                imag = coupled[1, r, c]
                u_real = cos_turn[r, c] * real - sin_turn[r, c] * imag + drive
                u_imag = sin_turn[r, c] * real + cos_turn[r, c] * imag
                squared = u_real * u_real + u_imag * u_imag
                gain = 1.0 / np.sqrt(1.0 + squared)
                new_real = gain * u_real
                new_imag = gain * u_imag
            state[0, r, c] = new_real
            state[1, r, c] = new_imag
            magnitude = new_real * new_real + new_imag * new_imag
            if magnitude > peak:
                peak = magnitude
    return np.sqrt(peak)
