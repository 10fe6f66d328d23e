"""Numba-compiled kernels, kept in one place; the plain API around them lives in ``engines``."""

import numba
import numpy as np


@numba.njit(cache=True)
def advance(state, coupled, omega, foreground, scale):
    """One step ``x <- scale * (i omega x + K x)`` on foreground units, zero elsewhere.

    ``state`` and ``coupled`` (= K x) hold real and imaginary planes, shape (2, rows, cols).
    Updates ``state`` in place and returns its largest magnitude, which the caller uses to
    rescale the next step (phases do not depend on the scale; magnitudes would overflow).
    """
    rows, cols = omega.shape
    peak = 0.0
    for r in range(rows):
        for c in range(cols):
            if foreground[r, c]:
                real = state[0, r, c]
                imag = state[1, r, c]
                rate = omega[r, c]
                new_real = scale * (coupled[0, r, c] - rate * imag)
                new_imag = scale * (coupled[1, r, c] + rate * real)
            else:
                new_real = 0.0
                new_imag = 0.0
            state[0, r, c] = new_real
            state[1, r, c] = new_imag
            magnitude = new_real * new_real + new_imag * new_imag
            if magnitude > peak:
                peak = magnitude
    return np.sqrt(peak)


@numba.njit(cache=True)
def unit_phasors(state, out):
    """Write ``exp(i angle(x))`` of a (2, rows, cols) state into complex ``out`` (0 where x = 0)."""
    rows, cols = out.shape
    for r in range(rows):
        for c in range(cols):
            real = state[0, r, c]
            imag = state[1, r, c]
            magnitude = np.sqrt(real * real + imag * imag)
            if magnitude > 0.0:
                out[r, c] = complex(real / magnitude, imag / magnitude)
            else:
                out[r, c] = 0.0
