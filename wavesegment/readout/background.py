"""Layer 1's readout: the background is the larger side of the phases split at their mean."""

from __future__ import annotations

import numpy as np


def background_mask(phases: np.ndarray) -> np.ndarray:
    """Split phases at their mean; the larger side is background (as published).

    Units exactly at the mean are foreground; when both sides are equal the side below the
    mean is background.

    Examples
    --------
    >>> background_mask(np.array([0.1, 0.2, 0.3, 2.0])).tolist()
    [True, True, True, False]
    """
    threshold = phases.mean()
    above, below = phases > threshold, phases < threshold
    return above if above.sum() > below.sum() else below
