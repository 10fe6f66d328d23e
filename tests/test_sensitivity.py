"""Exact linear response (wavesegment.analysis.sensitivity) against finite differences."""

import numpy as np
import pytest

from wavesegment import segment
from wavesegment.analysis.sensitivity import (
    cluster_margins,
    frequency_changes,
    readout_features,
    sensitivity,
)
from wavesegment.dynamics import evolve
from wavesegment.dynamics.tangent import tangent_run
from wavesegment.evaluation.shapes import shapes_image
from wavesegment.network.units import frequencies


@pytest.fixture(scope="module")
def noisy_run():
    clean, truth = shapes_image(2, seed=3)
    image = clean + np.random.default_rng(0).normal(scale=0.45, size=clean.shape)
    return segment(image, preset="published", seed=0, segments=2), truth


def test_tangent_phases_match_finite_differences_of_the_engine(noisy_run):
    network = noisy_run[0].network
    omega, x0 = network.omega, network.initial_states[0]
    direction = np.random.default_rng(1).normal(size=(1, *omega.shape))
    run = tangent_run(network.layer2, omega, x0, direction, n_steps=120, record_from=120)

    def phases(eps):
        moved = evolve(network.layer2, omega + eps * direction[0], x0, n_steps=120, record_from=121)
        return np.angle(moved.final)

    difference = np.angle(np.exp(1j * (phases(1e-6) - phases(-1e-6)))) / 2e-6
    assert np.abs(run.phase_changes[0, 0]).max() > 1  # a response worth checking
    np.testing.assert_allclose(run.phase_changes[0, 0], difference, atol=1e-4)


def test_margin_changes_match_finite_differences(noisy_run):
    """The whole chain: intensities -> z-scored omega -> layer 2 of the run -> readout
    features (modes held) -> margins to the cluster centres."""
    result = noisy_run[0]
    network, grid = result.network, result.grid
    p = network.parameters
    foreground = ~grid.background
    signs = np.random.default_rng(2).choice([-1.0, 1.0], size=(1, *network.shape))
    real_modes = grid.readout.modes.real
    clusters = grid.clusters[foreground] - 1

    def margins(omega, changes):
        run = tangent_run(
            network.layer2,
            omega,
            network.initial_states[0],
            changes,
            n_steps=p.readout_steps[1] - p.layer1_steps,
            record_from=p.readout_steps[0] - p.layer1_steps,
            foreground=foreground,
        )
        features, feature_changes = readout_features(
            run.phasors[:, foreground], real_modes, run.phase_changes[:, :, foreground]
        )
        return cluster_margins(features, clusters, feature_changes)

    omega = network.omega
    margin, changes = margins(omega, frequency_changes(omega, signs, "zscore"))
    eps = 1e-6
    plus = margins(frequencies(omega + eps * signs[0]), signs[:0])[0]
    minus = margins(frequencies(omega - eps * signs[0]), signs[:0])[0]
    difference = (plus - minus) / (2 * eps)
    assert np.abs(changes[0]).max() > 0.1
    np.testing.assert_allclose(changes[0], difference, atol=1e-4 * np.abs(difference).max())


def test_features_are_the_runs_own_readout(noisy_run):
    result = noisy_run[0]
    p = result.network.parameters
    foreground = ~result.grid.background
    run = tangent_run(
        result.network.layer2,
        result.network.omega,
        result.network.initial_states[0],
        np.zeros((0, 32, 32)),
        n_steps=p.readout_steps[1] - p.layer1_steps,
        record_from=p.readout_steps[0] - p.layer1_steps,
        foreground=foreground,
    )
    features, _ = readout_features(run.phasors[:, foreground], result.grid.readout.modes.real)
    np.testing.assert_allclose(features, result.grid.readout.projection, atol=1e-5)


def test_sensitivity_maps_the_run(noisy_run):
    result = noisy_run[0]
    found = sensitivity(result, probes=3)
    foreground = ~result.grid.background
    assert found.flip.shape == result.labels.shape
    assert np.isfinite(found.mask_response).all() and (found.mask_response > 0).all()
    assert np.isnan(found.cluster_margin[~foreground]).all()
    assert (found.cluster_response[foreground] > 0).all()
    np.testing.assert_array_equal(found.grid_flip, found.flip)  # 32 x 32: no working grid
    again = sensitivity(result, probes=3)
    np.testing.assert_array_equal(again.flip, found.flip)  # seeded
    with pytest.raises(ValueError, match="probes"):
        sensitivity(result, probes=0)


def test_cli_explain_sensitivity_writes_map_and_section(tmp_path):
    import json
    from pathlib import Path

    from typer.testing import CliRunner

    from wavesegment.cli import app
    from wavesegment.io.images import read_image

    image = Path(__file__).parents[1] / "sample_images" / "two_shapes.png"
    options = ["--sensitivity", "--probes", "2", "--preset", "published"]
    outcome = CliRunner().invoke(app, ["explain", str(image), "-o", str(tmp_path), *options])
    assert outcome.exit_code == 0, outcome.output
    report = json.loads((tmp_path / "two_shapes_explain.json").read_text())
    section = report["sensitivity"]
    assert section["probes"] == 2 and 0 <= section["fragile_fraction"] <= 1
    assert len(section["clusters"]) == report["readout"]["n_clusters"]
    picture = read_image(tmp_path / "two_shapes_sensitivity.png")
    assert picture.shape[:2] == tuple(report["image"].values())
    assert "linear response" in outcome.output


def test_pooled_margin_changes_match_finite_differences():
    """The path that sensitivity() takes, with several initial states pooled (natural)."""
    from dataclasses import replace
    from types import MappingProxyType

    from wavesegment.analysis.sensitivity import _cluster_response

    clean, _ = shapes_image(3, seed=4)
    image = clean + np.random.default_rng(4).normal(scale=0.3, size=clean.shape)
    result = segment(image, n_seeds=2, readout_steps=(200, 240), segments=3)
    network, grid = result.network, result.grid
    signs = np.random.default_rng(5).choice([-1.0, 1.0], size=(1, *network.shape))
    margins, changes, _ = _cluster_response(network, grid, signs)

    def moved(eps):
        channels = dict(network.channels, luminance=frequencies(network.omega + eps * signs[0]))
        again = replace(network, channels=MappingProxyType(channels))
        return _cluster_response(again, grid, signs[:0])[0]

    difference = (moved(1e-6) - moved(-1e-6)) / 2e-6
    assert np.abs(changes[0]).max() > 0.1
    np.testing.assert_allclose(changes[0], difference, atol=1e-4 * np.abs(difference).max())


@pytest.mark.parametrize("sigma", [0.9, 0.0313])  # the low-rank path and the Gram path
def test_coupling_applies_to_a_stack_of_planes(sigma):
    from wavesegment.network.coupling import GaussianCoupling

    coupling = GaussianCoupling((12, 20), alpha=0.5, sigma=sigma)
    planes = np.random.default_rng(0).normal(size=(5, 12, 20))
    expected = (coupling.dense() @ planes.reshape(5, -1).T).T.reshape(planes.shape)
    np.testing.assert_allclose(coupling.apply(planes), expected, atol=1e-12)
