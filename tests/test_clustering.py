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
