"""Layer 1's readout: the background is the larger side of the phases split at their mean."""

from __future__ import annotations

import numpy as np

# Phases that all agree to within this (radians) differ by rounding only: the layer saw no
# difference between the units (a constant image), and there is no side to split off.
UNSPLIT = 1e-12


def background_mask(phases: np.ndarray) -> np.ndarray:
    """Split phases at their mean; the larger side is background (as published).

    Units exactly at the mean are foreground; when both sides are equal the side below the
    mean is background. Phases that agree to rounding (``UNSPLIT``) have no background.

    Examples
    --------
    >>> background_mask(np.array([0.1, 0.2, 0.3, 2.0])).tolist()
    [True, True, True, False]
    >>> background_mask(np.full(3, 0.5) + np.array([0, 1e-16, 0])).tolist()
    [False, False, False]
    """
    if np.ptp(phases) <= UNSPLIT:
        return np.zeros(phases.shape, dtype=bool)
    threshold = phases.mean()
    above, below = phases > threshold, phases < threshold
    return above if above.sum() > below.sum() else below
