"""The network in any dimension: signals (a line or a ring), images and volumes with spacing."""

import numpy as np
import pytest

from wavesegment import segment
from wavesegment.dynamics.engines import evolve
from wavesegment.grouping.adjacency import neighbour_pairs
from wavesegment.network import axis_coupling
from wavesegment.network.coupling import GaussianCoupling
from wavesegment.parameters import Parameters


def _dense_apply(coupling, state):
    matrix = coupling.dense()
    return np.stack([(matrix @ plane.ravel()).reshape(plane.shape) for plane in state])


@pytest.mark.parametrize("shape", [(40,), (4, 5, 6)])
@pytest.mark.parametrize("periodic", [False, True])
def test_coupling_in_any_dimension_is_its_dense_matrix(shape, periodic):
    coupling = GaussianCoupling(shape, alpha=0.7, sigma=0.2, normalise=True, periodic=periodic)
    state = np.random.default_rng(0).normal(size=(2, *shape))
    np.testing.assert_allclose(coupling.apply(state), _dense_apply(coupling, state), atol=1e-13)


def test_a_ring_couples_its_two_ends_and_a_line_does_not():
    ring = GaussianCoupling((50,), alpha=1, sigma=0.02, periodic=True).dense()
    line = GaussianCoupling((50,), alpha=1, sigma=0.02).dense()
    assert ring[0, -1] == pytest.approx(ring[0, 1]) and line[0, -1] < 1e-100


@pytest.mark.parametrize("periodic", [False, True])
def test_long_axes_are_coupled_by_fourier_convolution_exactly(monkeypatch, periodic):
    state = np.random.default_rng(1).normal(size=(2, 3000))
    dense = axis_coupling.AxisCoupling(3000, 0.01, periodic=periodic)
    expected, row_sum = state @ dense.gram(), dense.largest_row_sum
    monkeypatch.setattr(axis_coupling, "_DENSE_AXIS", 100)
    fourier = axis_coupling.AxisCoupling(3000, 0.01, periodic=periodic)
    np.testing.assert_allclose(fourier.apply(state, axis=1), expected, atol=1e-12)
    assert fourier.largest_row_sum == pytest.approx(row_sum, rel=1e-12)


@pytest.mark.parametrize("shape", [(60,), (5, 6, 7)])
def test_stepping_and_exact_engines_agree_in_any_dimension(shape):
    rng = np.random.default_rng(2)
    omega = np.where(rng.random(shape) < 0.4, 1.0, -0.5)
    x0 = np.exp(2j * np.pi * rng.random(shape))
    coupling = GaussianCoupling(shape, alpha=0.5, sigma=0.3, periodic=len(shape) == 1)
    runs = [
        evolve(coupling, omega, x0, n_steps=40, record_from=35, engine=engine)
        for engine in ("numba", "exact")
    ]
    assert runs[0].phasors.shape == (6, *shape)
    np.testing.assert_allclose(runs[0].phasors, runs[1].phasors, atol=1e-5)


def test_spacing_makes_the_coupling_isotropic_in_physical_units():
    volume = np.zeros((10, 40, 40))
    result = segment(volume, preset="published", coupling="normalised", spacing=(4, 1, 1))
    widths = result.network.layer2.sigma  # in units of each axis: 40 um along every axis
    assert widths == pytest.approx((widths[1],) * 3)
    plain = segment(volume, preset="published", coupling="normalised").network.layer2.sigma
    assert plain[0] == pytest.approx(4 * plain[1])


def _two_cubes(shape=(16, 24, 24), seed=0):
    truth = np.zeros(shape, dtype=int)
    z, y, x = (n // 8 for n in shape)
    truth[z : 4 * z, y : 4 * y, x : 4 * x] = 1
    truth[4 * z + 1 : 7 * z, 5 * y : 7 * y, 4 * x + 1 : 7 * x] = 2
    noise = np.random.default_rng(seed).normal(scale=0.05, size=shape)
    return truth, (truth > 0) + noise


def test_a_volume_is_segmented_into_its_objects():
    truth, volume = _two_cubes()
    # At native resolution: the default grid of 6144 units would make the narrow coupling of
    # layer 2 less than a voxel wide on a volume this small.
    result = segment(volume, max_units=100_000)
    assert result.labels.shape == truth.shape and result.parameters["spatial_dims"] == 3
    assert result.parameters["skipped"] == ["colour", "refine_boundaries"]
    assert any(step["stage"] == "merge" for step in result.steps)
    for value in (0, 1, 2):  # each object is one label, and no other object shares it
        inside = result.labels[truth == value]
        label = np.bincount(inside).argmax()
        assert np.mean(inside == label) > 0.95
        assert np.mean(truth[result.labels == label] == value) > 0.95


def test_a_signal_is_cut_at_its_change_points():
    signal = np.repeat([0.0, 1.0, 0.0, 2.0], 150)
    signal = signal + np.random.default_rng(3).normal(scale=0.1, size=signal.size)
    labels = segment(signal, preset="natural", periodic=True).labels
    pieces = labels.reshape(4, 150)[:, 10:-10]  # away from the change points
    majority = [np.bincount(piece).argmax() for piece in pieces]
    assert [np.mean(piece == m) for piece, m in zip(pieces, majority, strict=True)] > [0.9] * 4
    assert len(set(majority)) == 4


def test_spatial_dims_tells_colour_from_a_volume_of_three_planes():
    array = np.random.default_rng(4).random((12, 12, 3))
    kwargs = dict(preset="published", max_units=None)
    assert segment(array, **kwargs).labels.shape == (12, 12)
    assert segment(array, spatial_dims=3, coupling="normalised", **kwargs).labels.shape == (
        12,
        12,
        3,
    )
    with pytest.raises(ValueError, match="spatial_dims=1"):
        segment(array, spatial_dims=1)


def test_bad_spacing_is_refused_up_front():
    with pytest.raises(ValueError, match="spacing must be 1 to 3 finite numbers"):
        Parameters.from_preset("natural", spacing=(1, -2))
    with pytest.raises(ValueError, match="coupling='normalised'"):
        Parameters.from_preset("published", spacing=(1, 2))
    with pytest.raises(ValueError, match="give one per axis"):
        segment(np.zeros((8, 8, 8)), spacing=(1, 2))


def test_neighbour_pairs_of_a_volume_are_its_face_neighbours():
    labels = np.zeros((2, 2, 2), dtype=int)
    labels[1, 1, 1] = 1
    first, second, _ = neighbour_pairs(labels)
    assert sorted(zip(first.tolist(), second.tolist(), strict=True)) == [(0, 1)] * 3
