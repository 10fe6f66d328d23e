"""Oriented contrast of local histograms: how much the distribution of a pixel's colours (or
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

import numpy as np
from scipy import ndimage

from ..preparation.grid import stretch_to

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
