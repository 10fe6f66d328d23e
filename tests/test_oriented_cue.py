"""The oriented contrast of local histograms and its border cues (benchmarks/oriented_cue.py,
measured as linkage cues and not shipped)."""

import sys
from pathlib import Path

import numpy as np
import pytest

from wavesegment.grouping.linkage import CUES, cue_maps

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from linkage_ablation import neutral  # noqa: E402
from oriented_cue import (  # noqa: E402
    ORIENTED_CUES,
    OrientedLinkage,
    _block_counts,
    colour_codes,
    oriented_contrast,
    oriented_maps,
)


def one_bin(bins: np.ndarray, n_bins: int) -> list:
    return [(bins.astype(float), n_bins)]


def test_a_change_of_mix_stands_out_where_the_mean_does_not():
    # Left: codes 0 and 3 at random; right: 1 and 2 at random. Same mean code on both sides,
    # so a gradient of the mean sees noise; the histograms differ completely.
    rng = np.random.default_rng(0)
    left, right = rng.choice([0, 3], (40, 20)), rng.choice([1, 2], (40, 20))
    bins = np.concatenate([left, right], axis=1)
    [contrast] = oriented_contrast(one_bin(bins, 4), bins.shape, scales=(3.0,))
    border, inside = contrast[5:-5, 18:22].mean(), contrast[5:-5, 3:12].mean()
    assert border > 10 * inside
    [same] = oriented_contrast(one_bin(rng.choice([0, 3], (40, 40)), 4), (40, 40), scales=(3.0,))
    assert same[5:-5, 5:-5].max() < contrast[5:-5, 18:22].mean()


@pytest.mark.parametrize("scale", [2.0, 5.0])
def test_every_orientation_is_seen_alike(scale):
    rows, cols = np.mgrid[:60, :60]
    vertical = (cols >= 30).astype(np.int64)
    diagonal = (rows + cols >= 60).astype(np.int64)
    peaks = [
        oriented_contrast(one_bin(b, 2), b.shape, scales=(scale,))[0][15:45, 15:45].max()
        for b in (vertical, diagonal)
    ]
    assert peaks[1] == pytest.approx(peaks[0], rel=0.25)
    assert 0.5 < peaks[0] <= 2.0  # a chi-square of two histograms: 2 at most


def test_soft_bins_count_each_pixel_once_and_scales_share_the_counts():
    rng = np.random.default_rng(1)
    lab = np.stack([rng.uniform(-5, 105, (30, 31)), *rng.uniform(-70, 70, (2, 30, 31))], -1)
    codes = colour_codes(lab)
    counts, pixels = _block_counts(codes, (30, 31), 2)
    for count in counts:  # every pixel counted once, out-of-range values in the end bins
        assert count.sum(axis=0) == pytest.approx(pixels)
    fine, coarse = oriented_contrast(codes, (30, 31), scales=(3.0, 6.0))
    [alone] = oriented_contrast(codes, (30, 31), scales=(6.0,))  # counted on its own blocks
    assert fine.shape == coarse.shape == (30, 31)
    assert np.corrcoef(coarse.ravel(), alone.ravel())[0, 1] > 0.9


def test_the_oriented_colour_cue_of_a_mix_against_its_mean():
    # Left: pixels dark or light at random; right: all at their mean lightness. The two
    # regions' mean colours are alike; the oriented colour cues along their border are far
    # above those of a border inside the mix.
    rng = np.random.default_rng(2)
    cols = np.arange(96)[None, :].repeat(32, axis=0)
    shade = np.where(cols < 48, rng.choice([20.0, 80.0], cols.shape), 50.0)
    lab = np.stack([shade, np.zeros_like(shade), np.zeros_like(shade)], axis=-1)
    maps = cue_maps(lab, cell=4.0) | oriented_maps(lab, 4.0)
    model = neutral(OrientedLinkage)
    cues = [
        dict(zip(model.names, model.graph(split, lab, maps).cues(0, 1), strict=True))
        for split in ((cols >= 48).astype(np.int64), (cols >= 16).astype(np.int64))
    ]
    across, within = cues
    for name in ORIENTED_CUES:
        assert across[name] > 3 * within[name]
    assert across["colour"] < 5.0


def test_the_oriented_border_sums_pool_as_regions_merge():
    labels, lab, maps = _blocks(seed=3)
    model = neutral(OrientedLinkage)
    graph = model.graph(labels, lab, maps)
    a = 0
    b = next(iter(graph.borders[a]))
    graph.merge(a, b)
    merged = np.where(labels == b, a, labels)
    fresh = model.graph(merged, lab, maps)
    for other in graph.borders[a]:
        assert graph.cues(a, other) == pytest.approx(fresh.cues(a, other), rel=1e-9)


def test_the_merge_loop_costs_the_oriented_cues_too():
    # The merge loop costs every neighbour of a merged region at once (CueGraph.costs): those
    # costs must weigh all 14 cues, the same as one pair at a time.
    labels, lab, maps = _blocks(seed=4)
    weights = (0.0,) * len(CUES) + (1.0, -1.0)
    model = OrientedLinkage(weights=weights, bias=0.0, **_unit_scales(OrientedLinkage))
    graph = model.graph(labels, lab, maps)
    first = [0] * len(graph.borders[0])
    second = list(graph.borders[0])
    together = graph.costs(first, second)
    one_by_one = [model.cost(graph.cues(a, b)) for a, b in zip(first, second, strict=True)]
    assert graph.pair_cues(first, second).shape == (len(first), len(CUES) + 2)
    assert together == pytest.approx(one_by_one, rel=1e-12)
    assert len(set(np.round(together, 9))) > 1  # the oriented cues move the costs
    assert graph.pair_cues([], []).shape == (0, len(CUES) + 2)


def _unit_scales(model_class) -> dict:
    n = len(model_class.names)
    return {"centre": (0.0,) * n, "scale": (1.0,) * n}


def _blocks(seed: int):
    """Regions of 6 x 6 blocks (labels 0..n-1), random colours, and all cue maps."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.repeat(rng.integers(0, 6, (4, 5)), 6, axis=0), 6, axis=1)
    labels = np.unique(labels, return_inverse=True)[1].reshape(labels.shape)
    lab = rng.normal(50, 20, (*labels.shape, 3))
    maps = cue_maps(lab, cell=3.0) | oriented_maps(lab, 3.0)
    return labels, lab, maps
