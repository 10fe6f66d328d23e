"""Merging similar regions and refining boundaries (wavesegment.grouping)."""

import numpy as np
from scipy import ndimage

from wavesegment.grouping import edge_strength, merge_similar_regions, refine_boundaries


def stripes(values, width=10, height=10):
    """An image of vertical stripes with the given feature values, and its stripe labels."""
    labels = np.repeat(np.repeat(np.arange(len(values)), width)[None], height, axis=0)
    return labels, np.asarray(values, dtype=float)[labels][None]


def test_similar_neighbours_merge_and_different_ones_stay():
    labels, features = stripes([10.0, 12.0, 40.0, 41.0])
    merged = merge_similar_regions(labels, features=features, threshold=5, size_exponent=0)
    assert merged.max() == 2
    assert np.unique(merged[:, :20]).size == 1 and np.unique(merged[:, 20:]).size == 1
    assert merged[0, 0] != merged[0, 39]


def test_only_adjacent_regions_merge():
    labels, features = stripes([10.0, 50.0, 10.0])
    merged = merge_similar_regions(labels, features=features, threshold=20, size_exponent=0)
    assert merged.max() == 3  # the two outer stripes are alike but do not touch


def test_large_regions_merge_less_readily_than_small_ones():
    # A difference of 6: two large halves stay apart, a small strip joins its neighbour.
    labels = np.zeros((20, 40), dtype=int)
    labels[:, 20:] = 1
    labels[:, 38:] = 2
    features = np.choose(labels, [10.0, 16.0, 22.0])[None]
    merged = merge_similar_regions(labels, features=features, threshold=5, size_exponent=0.5)
    assert merged.max() == 2
    assert merged[0, 0] != merged[0, 25] and merged[0, 25] == merged[0, 39]
    unweighted = merge_similar_regions(labels, features=features, threshold=5, size_exponent=0)
    assert unweighted.max() == 3


def test_merging_follows_the_cheapest_pair_first_and_updates_means():
    # 0 and 1 merge first (difference 2); their mean, 11, is then 4 from 2 (15), within 5.
    labels, features = stripes([10.0, 12.0, 15.0])
    merged = merge_similar_regions(labels, features=features, threshold=5, size_exponent=0)
    assert merged.max() == 1


def test_refinement_moves_a_staircase_boundary_onto_the_edge():
    rows, cols = 60, 80
    truth = np.zeros((rows, cols), dtype=int)
    truth[np.arange(cols)[None] >= 30 + np.arange(rows)[:, None] // 3] = 1  # a slanted edge
    noise = np.random.default_rng(0).normal(scale=3, size=(rows, cols, 3))
    image = np.where(truth[..., None] == 1, [60.0, 20, -10], [40.0, -5, 15]) + noise
    coarse = np.kron(truth[::8, ::8], np.ones((8, 8), dtype=int))[:rows, :cols]
    assert np.mean(coarse == truth) < 0.98
    refined = refine_boundaries(coarse, image, iterations=9)
    assert np.mean(refined == truth) > 0.995
    assert refined.dtype == coarse.dtype


def test_refinement_leaves_a_single_region_alone():
    labels = np.full((5, 7), 3)
    image = np.random.default_rng(1).normal(size=(5, 7, 3))
    np.testing.assert_array_equal(refine_boundaries(labels, image, iterations=4), labels)


def test_wide_edge_strength_is_taken_on_a_smaller_image_to_the_same_effect():
    rows, cols = np.mgrid[:120, :160]
    image = np.stack([40 * (cols > 70 + rows // 4), 20 * (rows > 60), 0 * rows], axis=2)
    scale = 8.0
    direct = (
        2
        * scale
        * np.sqrt(
            sum(
                ndimage.gaussian_gradient_magnitude(image[..., c] * 1.0, scale) ** 2
                for c in range(3)
            )
        )
    )
    shrunk = edge_strength(image, scale=scale)
    assert shrunk.shape == direct.shape
    assert np.abs(shrunk - direct).max() < 0.1 * direct.max()
