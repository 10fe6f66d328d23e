"""Numba-compiled kernels, kept in one place; the plain API around them lives in ``engines``.

Compiled kernels are cached on disk in the user's cache directory,
``$XDG_CACHE_HOME/wavesegment/numba`` (``~/.cache/wavesegment/numba`` without it, a folder of
the temporary directory if neither can be written), never in the installed package; the
``NUMBA_CACHE_DIR`` environment variable, when set, takes precedence as numba documents.
"""

import os
import tempfile
from pathlib import Path

import numba
import numpy as np


def cache_directory() -> Path | None:
    """The folder of the compiled kernels' cache: the first candidate that can be written.

    None if none can: the kernels are then compiled in every process, not cached.

    Examples
    --------
    >>> cache_directory().name  # doctest: +SKIP
    'numba'
    """
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"  # XDG: absolute only
    user = getattr(os, "getuid", lambda: "user")()
    temporary = Path(tempfile.gettempdir()) / f"wavesegment-{user}"
    for folder in (base / "wavesegment" / "numba", temporary / "numba"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=folder).close()  # the check numba makes
        except OSError:
            continue
        return folder
    return None


def _cached_njit(function):
    """``numba.njit(cache=True)``, its cache in :func:`cache_directory` unless NUMBA_CACHE_DIR.

    Numba picks a function's cache folder when it is decorated, from ``numba.config.CACHE_DIR``
    (``UserProvidedCacheLocator`` in numba/core/caching.py); without one it would write beside
    this file. The setting is made for the decoration only: other numba code of the process
    keeps its own.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return numba.njit(cache=True)(function)
    folder = cache_directory()
    previous = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = str(folder or "")
    try:
        return numba.njit(cache=folder is not None)(function)
    finally:
        numba.config.CACHE_DIR = previous


@_cached_njit
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


@_cached_njit
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
