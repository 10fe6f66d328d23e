"""The oriented colour contrast along a border as two more cues of the learned linkage, for
``linkage_ablation.py --oriented`` (measured, not shipped: see README, "Grouping cues").

``oriented_colour`` and ``oriented_colour_coarse`` are the means, over the 4-neighbour pixel
pairs of two regions' common border, of :func:`oriented_contrast` of the soft CIELAB
histograms at a grid cell and at twice it (the larger of the two pixels).

The oriented contrast of local histograms is how much the distribution of a pixel's colours (or
texture codes) differs between the two sides of a line through it, at the orientation where
it differs most -- the "Pb" cue of Martin, Fowlkes and Malik (2004), in a form that costs a
few Gaussian filters.

The half-disc histograms of Pb are replaced by their smooth limit: for each histogram bin
``k`` the local histogram is ``S_k = G * I_k`` (the bin's indicator image ``I_k`` blurred by a
Gaussian of the scale) and the difference between the two half-discs across a line of normal
``n`` is, to first order, ``scale * n . grad S_k``. Their chi-square distance is then the
quadratic form ``n' M n`` with ``M = scale**2 * sum_k grad S_k grad S_k' / S_k``, whose largest
value over the orientations is the larger eigenvalue of the 2 x 2 matrix ``M``: every
orientation at once, with three filters per bin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import ndimage

from wavesegment.grouping.adjacency import neighbour_pairs
from wavesegment.grouping.linkage import CUES, CueGraph, Linkage
from wavesegment.preparation.grid import stretch_to

#: Soft bins of L*, a*, b* (bins, low, high) for the oriented colour contrast.
COLOUR_BINS = ((8, 0.0, 100.0), (6, -40.0, 40.0), (6, -40.0, 40.0))


def oriented_contrast(
    codes: list[tuple[np.ndarray, int]],
    shape: tuple[int, int],
    *,
    scales: tuple[float, ...],
) -> list[np.ndarray]:
    """The largest chi-square distance, over orientations, between the local histograms on
    the two sides of each pixel, at each of ``scales`` pixels, summed over the histograms of
    ``codes``.

    Parameters
    ----------
    codes : list of (positions, n_bins)
        Per histogram, each pixel's position (rows, cols) on its bins, 0..n_bins - 1: a pixel
        at 2.25 counts 0.75 in bin 2 and 0.25 in bin 3 (soft bins; integers: hard ones).
    shape : (rows, cols)
    scales : tuple of float
        The Gaussians' standard deviations, pixels. The histograms are counted once on
        blocks of ``min(scales) // 2`` pixels a side and pooled into larger blocks for the
        larger scales (each Gaussian spans 2 to 4 blocks); the result is interpolated back
        to the pixels.

    Returns
    -------
    list of (rows, cols) ndarray
        One per scale: 0 where both sides hold the same mix; 2 per histogram at most.

    Examples
    --------
    >>> bins = np.zeros((20, 20)); bins[:, 10:] = 1
    >>> [contrast] = oriented_contrast([(bins, 2)], (20, 20), scales=(2.0,))
    >>> bool(contrast[:, 9:11].min() > 5 * contrast[:, :5].max())
    True
    """
    finest = max(1, int(min(scales) // 2))
    counts, pixels = _block_counts(codes, shape, finest)
    maps = []
    for scale in scales:
        factor = max(1, int(scale // (2 * finest)))
        pooled = [_pool(c, factor) / _pool(pixels, factor) for c in counts]
        largest = _largest_chi_square(pooled, scale / (finest * factor))
        maps.append(largest if finest * factor == 1 else stretch_to(largest, shape))
    return maps


def _block_counts(codes, shape: tuple[int, int], block: int):
    """Per histogram of ``codes``, its (n_bins, rows / block, cols / block) soft counts over
    square blocks of ``block`` pixels, and the pixels of each block."""
    rows, cols = shape
    small = (-(-rows // block), -(-cols // block))
    n_blocks = small[0] * small[1]
    cell = ((np.arange(rows)[:, None] // block) * small[1] + np.arange(cols) // block).ravel()
    counts = []
    for positions, n_bins in codes:
        positions = np.clip(positions.ravel(), 0, n_bins - 1)
        lower = np.minimum(positions.astype(np.intp), n_bins - 2)
        upper = positions - lower
        index = lower * n_blocks + cell
        size = n_bins * n_blocks
        count = np.bincount(index, 1 - upper, size) + np.bincount(index + n_blocks, upper, size)
        counts.append(count.reshape(n_bins, *small))
    return counts, np.bincount(cell, minlength=n_blocks).reshape(small).astype(float)


def _pool(counts: np.ndarray, factor: int) -> np.ndarray:
    """Sums over blocks of ``factor`` x ``factor`` of the last two axes (edges padded by 0)."""
    if factor == 1:
        return counts
    rows, cols = counts.shape[-2:]
    padded = np.zeros(
        (*counts.shape[:-2], -(-rows // factor) * factor, -(-cols // factor) * factor)
    )
    padded[..., :rows, :cols] = counts
    shape = (*counts.shape[:-2], padded.shape[-2] // factor, factor, padded.shape[-1] // factor)
    return padded.reshape(*shape, factor).sum(axis=(-3, -1))


def _largest_chi_square(histograms: list[np.ndarray], sigma: float) -> np.ndarray:
    """The largest eigenvalue of ``sigma**2 * sum_k grad S_k grad S_k' / S_k`` over the bins
    ``k`` of the (n_bins, rows, cols) local histograms, ``S_k`` blurred by ``sigma``."""
    quadratic = np.zeros((3, *histograms[0].shape[1:]), dtype=np.float32)
    for histogram in histograms:
        # Bins first, float32: the filters run along contiguous rows.
        histogram = histogram.astype(np.float32)
        along = [ndimage.gaussian_filter1d(histogram, sigma, axis=1, order=o) for o in (0, 1)]
        local = ndimage.gaussian_filter1d(along[0], sigma, axis=2)
        dx = ndimage.gaussian_filter1d(along[0], sigma, axis=2, order=1)
        dy = ndimage.gaussian_filter1d(along[1], sigma, axis=2)
        inverse = 1.0 / np.maximum(local, 1e-3)
        quadratic += [np.sum(d * e * inverse, axis=0) for d, e in ((dx, dx), (dy, dy), (dx, dy))]
    xx, yy, xy = quadratic.astype(np.float64) * sigma**2
    return (xx + yy) / 2 + np.sqrt(((xx - yy) / 2) ** 2 + xy**2)


def colour_codes(lab: np.ndarray) -> list[tuple[np.ndarray, int]]:
    """The positions of each channel of a CIELAB image (one or three channels) on the bins of
    :data:`COLOUR_BINS` (bin centres at 0, 1, ...), for :func:`oriented_contrast`.

    Examples
    --------
    >>> [(position, n)] = colour_codes(np.full((1, 1, 1), 50.0))
    >>> position.tolist(), n
    ([[3.5]], 8)
    """
    return [
        ((channel - low) * (n_bins / (high - low)) - 0.5, n_bins)
        for channel, (n_bins, low, high) in zip(np.moveaxis(lab, -1, 0), COLOUR_BINS, strict=False)
    ]


ORIENTED_CUES = ("oriented_colour", "oriented_colour_coarse")


def oriented_maps(lab: np.ndarray, cell: float) -> dict[str, np.ndarray]:
    """The two per-pixel maps, to add to a photo's cue maps (:func:`.linkage.cue_maps`)."""
    maps = oriented_contrast(colour_codes(lab), lab.shape[:2], scales=(cell, 2 * cell))
    return dict(zip(ORIENTED_CUES, maps, strict=True))


@dataclass(frozen=True)
class OrientedLinkage(Linkage):
    """The learned linkage's logistic model over the 12 cues and the two oriented ones."""

    names: ClassVar[tuple[str, ...]] = (*CUES, *ORIENTED_CUES)

    def parts(self, cues: np.ndarray) -> dict[str, float]:
        """:meth:`Linkage.parts` of the 12 cues, the oriented ones counted as "edge"."""
        known = len(CUES)
        base = Linkage(
            self.weights[:known], self.bias, self.centre[:known], self.scale[:known]
        ).parts(cues[:known])
        base["edge"] += float(self.terms(cues)[known:].sum())
        return base

    def graph(self, labels: np.ndarray, lab: np.ndarray, maps: dict) -> CueGraph:
        return OrientedGraph(labels, lab, maps, self)


class OrientedGraph(CueGraph):
    """:class:`CueGraph` with, per common border, the sums of the two oriented maps."""

    def __init__(self, labels: np.ndarray, lab: np.ndarray, maps: dict, linkage: Linkage):
        super().__init__(labels, lab, maps, linkage)
        n_regions = self.sizes.size
        first, second, _ = neighbour_pairs(labels)
        values = [neighbour_pairs(labels, maps[name])[2] for name in ORIENTED_CUES]
        key = np.minimum(first, second) * n_regions + np.maximum(first, second)
        keys, inverse = np.unique(key, return_inverse=True)
        sums = np.stack([np.bincount(inverse, v, keys.size) for v in values], axis=1)
        self.oriented = [{} for _ in range(n_regions)]
        for pair, total in zip(keys, sums, strict=True):
            a, b = divmod(int(pair), n_regions)
            self.oriented[a][b] = self.oriented[b][a] = total

    def pair_cues(self, first, second) -> np.ndarray:
        """The 12 cues of :meth:`CueGraph.pair_cues`, then the oriented maps' border means."""
        pairs = list(zip(np.asarray(first).tolist(), np.asarray(second).tolist(), strict=True))
        oriented = np.array([self.oriented[a][b] / self.borders[a][b][0] for a, b in pairs])
        oriented = oriented.reshape(len(pairs), len(ORIENTED_CUES))  # (0, 2) for no pairs
        return np.column_stack([super().pair_cues(first, second), oriented])

    def merge(self, a: int, b: int) -> None:
        oriented = self.oriented
        del oriented[a][b], oriented[b][a]
        for other, total in oriented[b].items():
            del oriented[other][b]
            oriented[a][other] = oriented[other][a] = oriented[a].get(other, 0.0) + total
        oriented[b] = {}
        super().merge(a, b)
