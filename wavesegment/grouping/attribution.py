"""Who drew the final boundary: each boundary pixel of the final labels attributed to the first
of several label images (the network's layers, the colour sides, ...) whose own boundary
passes within a tolerance of it.

Merging only removes boundaries and never draws one, so every final boundary pixel lies on a
boundary of the labels before merging; refinement moves boundaries, so a pixel near no earlier
boundary was put there by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

_MODE = "thick"


@dataclass(frozen=True)
class BoundaryAttribution:
    """What :func:`boundary_sources` returns.

    Attributes
    ----------
    fractions : dict of str to float
        For each source, in the priority order given, and last for the rest: the fraction of
        the final boundary pixels attributed to it. They sum to 1 (all 0 without a boundary).
    pixels : dict of str to int
        The same as numbers of pixels.
    total : int
        Number of boundary pixels of the final labels (``find_boundaries``, mode "thick",
        4-connectivity: both sides of every boundary, so about twice its length).
    tolerance : float
        The distance, in pixels, within which a source's boundary claims a pixel.
    """

    fractions: dict[str, float]
    pixels: dict[str, int]
    total: int
    tolerance: float

    def as_dict(self) -> dict:
        """JSON-ready: ``{"fractions": ..., "pixels": ..., "total": ..., "tolerance": ...,
        "mode": "thick"}``."""
        return {
            "fractions": dict(self.fractions),
            "pixels": dict(self.pixels),
            "total": self.total,
            "tolerance": self.tolerance,
            "mode": _MODE,
        }


def boundary_sources(
    final_labels: np.ndarray,
    sources: Mapping[str, np.ndarray],
    *,
    tolerance: float = 1.0,
    rest: str = "moved by refinement",
) -> BoundaryAttribution:
    """Attribute each boundary pixel of ``final_labels`` to the first source whose boundary
    passes within ``tolerance`` pixels of it.

    Boundary pixels, of the final labels and of each source alike, are those of
    ``skimage.segmentation.find_boundaries(labels, connectivity=1, mode="thick")``: every
    pixel with a 4-neighbour of another label (label 0 is a label like the others; the edge of
    the image is no boundary). A final boundary pixel goes to the first source, in the order
    of ``sources``, that has a boundary pixel within Euclidean distance ``tolerance`` of it
    (0: on it; 1: on it or a 4-neighbour of it); pixels that no source claims go to ``rest``.
    As both sides of a boundary are boundary pixels, a boundary that lies ``d`` pixels from
    a source's is claimed by that source whole for ``tolerance >= d`` and half (the side
    toward the source's) for ``d - 1 <= tolerance < d``.

    Parameters
    ----------
    final_labels : (rows, cols) int ndarray
    sources : mapping of str to (rows, cols) int ndarray
        Label images at the size of ``final_labels``, in priority order, such as
        ``{"background mask (layer 1)": ..., "phase clusters (layer 2)": ..., "colour sides":
        ...}``.
    tolerance : float
        In pixels, at least 0.
    rest : str
        The name of what no source claims (not a name of ``sources``).

    Returns
    -------
    BoundaryAttribution

    Examples
    --------
    >>> final = np.zeros((4, 6), dtype=int)
    >>> final[:, 3:] = 1
    >>> coarse = np.zeros((4, 6), dtype=int)
    >>> coarse[:, 5:] = 1
    >>> found = boundary_sources(final, {"coarse": coarse}, tolerance=1)
    >>> found.fractions, found.total
    ({'coarse': 0.5, 'moved by refinement': 0.5}, 8)
    >>> [boundary_sources(final, {"coarse": coarse}, tolerance=t).fractions["coarse"]
    ...  for t in (0, 2)]
    [0.0, 1.0]
    """
    final_labels = np.asarray(final_labels)
    if final_labels.ndim != 2:
        raise ValueError(f"final_labels must be 2-D, got shape {final_labels.shape}")
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be at least 0, got {tolerance}")
    if rest in sources:
        raise ValueError(f"rest ({rest!r}) must not be the name of a source")
    unclaimed = _boundary(final_labels)
    total = int(unclaimed.sum())
    pixels = {}
    for name, source in sources.items():
        source = np.asarray(source)
        if source.shape != final_labels.shape:
            raise ValueError(
                f"source {name!r} has shape {source.shape}, the final labels {final_labels.shape}"
            )
        claimed = unclaimed & _near(_boundary(source), tolerance)
        pixels[name] = int(claimed.sum())
        unclaimed &= ~claimed
    pixels[rest] = int(unclaimed.sum())
    fractions = {name: (n / total if total else 0.0) for name, n in pixels.items()}
    return BoundaryAttribution(fractions, pixels, total, float(tolerance))


def _boundary(labels: np.ndarray) -> np.ndarray:
    # Imported here: skimage.segmentation loads skimage.morphology and scipy.spatial (0.1 s),
    # which segment() does not need.
    from skimage.segmentation import find_boundaries

    return find_boundaries(labels, connectivity=1, mode=_MODE)


def _near(mask: np.ndarray, tolerance: float) -> np.ndarray:
    """Pixels within Euclidean distance ``tolerance`` of a pixel of ``mask``."""
    if not mask.any():
        return mask
    return ndimage.distance_transform_edt(~mask) <= tolerance
