import numpy as np
import pytest

from wavesegment.readout import cluster_units


def _blobs(centres, size=60, spread=0.2, seed=0):
    rng = np.random.default_rng(seed)
    points = np.repeat(np.asarray(centres, float), size, axis=0)
    return points + spread * rng.standard_normal(points.shape)


@pytest.mark.parametrize("count", [2, 3, 5])
def test_counts_well_separated_groups(count):
    centres = (
        10 * np.eye(count, 3) if count <= 3 else 10 * np.random.default_rng(2).random((count, 3))
    )
    labels = cluster_units(_blobs(centres))
    assert labels.max() + 1 == count


def test_one_coherent_group_is_one_segment():
    assert cluster_units(_blobs([[5.0, 1.0, 0.0]], spread=1e-4)).max() == 0


def test_fixed_count_and_largest_first():
    features = np.concatenate([_blobs([[0, 0, 0]], size=30), _blobs([[9, 0, 0]], size=90)])
    labels = cluster_units(features, n_segments=2)
    assert np.bincount(labels).tolist() == [90, 30]
    assert np.all(labels[30:] == 0)


def test_deterministic_for_a_seed():
    features = _blobs(10 * np.eye(3), spread=3.0)
    np.testing.assert_array_equal(cluster_units(features, seed=4), cluster_units(features, seed=4))


def test_nearest_centres_and_kmeans_plus_plus_are_scipys_to_the_bit():
    import warnings

    from scipy.cluster.vq import kmeans2, vq

    from wavesegment.readout.clustering import _lloyd
    from wavesegment.readout.nearest import kmeans_plus_plus, nearest_centres

    rng = np.random.default_rng(7)
    for trial in range(40):
        features, k = int(rng.integers(1, 7)), int(rng.integers(1, 7))
        points = rng.normal(size=(int(rng.integers(k, 300)), features))
        points *= rng.choice([1e-3, 1.0, 1e3], size=features)
        if trial % 4 == 0:
            points = np.round(points)  # ties: the first of equal centres
        centres = points[rng.integers(0, len(points), k)] + rng.normal(size=(k, features))
        assert np.array_equal(nearest_centres(points, centres), vq(points, centres)[0])
        theirs, ours = np.random.default_rng(trial), np.random.default_rng(trial)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an empty cluster
            expected = kmeans2(points, k, iter=1, minit="++", seed=theirs)
            got = _lloyd(points, kmeans_plus_plus(points, k, ours), iterations=1)
        assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))
        assert ours.bit_generator.state == theirs.bit_generator.state
