"""Exact solution of both layers, explain report and CLI, noisy runs and their agreement."""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from wavesegment.analysis.confidence import align_labels, auroc, label_agreement, sample_labels
from wavesegment.analysis.explain import SCHEMA, explain
from wavesegment.analysis.layers import foreground_spectrum, top_r_clusters
from wavesegment.cli import app
from wavesegment.dynamics import evolve, layer_spectrum
from wavesegment.evaluation.metrics import adjusted_rand_index
from wavesegment.evaluation.shapes import shapes_image
from wavesegment.io.images import read_image
from wavesegment.network import GaussianCoupling, frequencies, random_initial_state
from wavesegment.parameters import PRESETS
from wavesegment.segmentation import segment

SAMPLES = Path(__file__).resolve().parents[1] / "sample_images"


def _phase_error(a, b):
    return np.abs(np.angle(a * np.conj(b)))


@pytest.fixture(scope="module")
def two_shapes():
    image, truth = shapes_image(2, seed=1)
    return image, truth, segment(image, seed=0, preset="published")


def test_layer1_reconstruction_matches_stepping(two_shapes):
    image, _, result = two_shapes
    coupling = GaussianCoupling(image.shape, alpha=0.5, sigma=0.9)
    spectrum = layer_spectrum(coupling, frequencies(image), n_modes=3)
    x0 = random_initial_state(image.shape, 0)
    reconstructed = spectrum.states(x0, [59])[0]
    assert _phase_error(reconstructed, np.exp(1j * result.grid.mask_phases)).max() < 1e-9
    # Power iteration: the top mode alone already gives the mask phases.
    top = spectrum.states(x0, [59], n_modes=1)[0]
    assert _phase_error(top, reconstructed).max() < 1e-9
    assert abs(spectrum.eigenvalues[0]) / abs(spectrum.eigenvalues[1]) > 10


def test_layer2_reconstruction_matches_stepping(two_shapes):
    image, _, result = two_shapes
    foreground = ~result.background
    coupling = GaussianCoupling(image.shape, alpha=0.5, sigma=0.0313)
    omega = np.where(foreground, frequencies(image), 0.0)
    x0 = np.where(foreground, random_initial_state(image.shape, 0), 0)
    spectrum = layer_spectrum(coupling, omega, foreground=foreground, method="dense")
    stepped = evolve(coupling, omega, x0, n_steps=120, record_from=121, foreground=foreground)
    reconstructed = spectrum.states(x0, [120])[0]
    magnitude = np.abs(reconstructed)
    visible = magnitude > 1e-6 * magnitude.max()
    assert visible.sum() == foreground.sum()
    assert _phase_error(reconstructed, stepped.final)[visible].max() < 1e-9
    # Objects rotate at i omega + eig(K_block): all eigenvalues share the imaginary part.
    assert np.allclose(spectrum.eigenvalues.imag, omega[foreground][0])


def test_sparse_path_agrees_with_dense():
    image, _ = shapes_image(2, size=24, seed=2)
    result = segment(image, preset="published")
    omega = frequencies(image)
    x0 = random_initial_state(image.shape, 0)
    for sigma, foreground in ((0.9, None), (0.0313, ~result.background)):
        coupling = GaussianCoupling(image.shape, alpha=0.5, sigma=sigma)
        layer_omega = omega if foreground is None else np.where(foreground, omega, 0.0)
        dense = layer_spectrum(coupling, layer_omega, foreground=foreground, method="dense")
        sparse = layer_spectrum(
            coupling, layer_omega, foreground=foreground, n_modes=3, method="sparse"
        )
        assert sparse.method == "sparse"
        assert np.allclose(sparse.eigenvalues, dense.eigenvalues[:3], rtol=1e-10)
        steps = [59] if foreground is None else [80, 120]
        error = _phase_error(sparse.states(x0, steps, 2), dense.states(x0, steps, 2))
        assert np.nanmax(np.where(np.isnan(error), 0, error)) < 1e-8


def _colour_scene(size=20):
    """Two coloured squares of about the luminance of their surround, and a little noise."""
    rng = np.random.default_rng(4)
    image = np.empty((size, size, 3))
    image[:] = [0.45, 0.45, 0.45]
    image[3:9, 3:11] = [0.75, 0.3, 0.3]
    image[11:18, 8:17] = [0.2, 0.55, 0.25]
    return np.clip(image + rng.normal(scale=0.02, size=image.shape), 0, 1)


# Fidelity tolerance of the engines against the published code (tests/test_fidelity.py).
PHASE_TOLERANCE = 1e-6


@pytest.mark.parametrize(
    "options",
    [
        {"preset": "published"},
        {"preset": "natural"},
        {"preset": "published", "coupling": "normalised"},
        {"preset": "natural", "layer2_sigma": 0.05, "n_seeds": 3, "seed": 2},
    ],
    ids=["published", "natural", "published-normalised", "natural-overrides"],
)
def test_explain_reconstructs_exactly_the_run(options):
    """The explanation's modes rebuild the run's own phases: every layer-1 channel at the
    mask step and layer 2 at the last step, on the network that ran."""
    explanation = explain(_colour_scene(), method="dense", **options)
    report, result = explanation.report, explanation.result
    expected_channels = (
        ["luminance", "a*", "b*"] if options["preset"] == "natural" else ["luminance"]
    )
    assert list(report["layer1"]) == expected_channels
    for channel in expected_channels:
        side = report["layer1"][channel]["side"]
        assert side["reconstruction_phase_error"] < PHASE_TOLERANCE, channel
        assert side["background_units"] == int(
            (result.grid.background if channel == "luminance" else result.grid.sides[channel]).sum()
        )
    assert report["layer2"]["reconstruction_phase_error"] < PHASE_TOLERANCE
    assert report["layer2"]["n_initial_states"] == result.network.parameters.n_seeds
    assert report["parameters"] == result.parameters
    assert explanation.layer1["luminance"].units.size == result.grid.background.size


def test_a_network_built_apart_would_explain_another_run():
    """What explain used to do: rebuild the published coupling whatever ran. On a run with the
    normalised coupling its modes do not give the run's phases; the run's own network does."""
    image = _colour_scene()
    result = segment(image, preset="published", coupling="normalised")
    apart = layer_spectrum(
        GaussianCoupling(image.shape[:2], alpha=0.5, sigma=0.9), result.network.omega
    )
    x0 = result.network.initial_states[0]
    phases = np.exp(1j * result.grid.mask_phases)
    assert _phase_error(apart.states(x0, [59])[0], phases).max() > 0.1
    own = layer_spectrum(result.network.layer1, result.network.omega)
    assert _phase_error(own.states(x0, [59])[0], phases).max() < PHASE_TOLERANCE


@pytest.mark.parametrize("name, n_objects", [("two_shapes", 2), ("three_shapes", 3)])
def test_top_modes_reproduce_the_run(name, n_objects):
    image = read_image(SAMPLES / f"{name}.png")
    truth = read_image(SAMPLES / f"{name}_labels.png").astype(int)
    for seed in (0, 1):
        result = segment(image, seed=seed, preset="published")
        spectrum = foreground_spectrum(result.network, ~result.grid.background, 0, "dense")
        # Two modes per object (its standing mode and its first travelling wave) give the run
        # exactly.
        assert (
            adjusted_rand_index(top_r_clusters(spectrum, result, 2 * n_objects), result.labels)
            == 1.0
        )
        # One mode per object gives labels at least as close to the truth as the full run:
        # the errors of the run come from the waves that the next modes carry.
        top = adjusted_rand_index(top_r_clusters(spectrum, result, n_objects), truth)
        assert top >= adjusted_rand_index(result.labels, truth) - 1e-12


def test_explain_report(two_shapes):
    image, _, _ = two_shapes
    explanation = explain(image, preset="published", seed=0, n_modes=2, samples=2, noise=1e-4)
    report = explanation.report
    json.dumps(report, allow_nan=False)
    assert report["schema"] == SCHEMA
    luminance = report["layer1"]["luminance"]
    assert luminance["side"]["top_mode_phase_error"] < 1e-9
    assert luminance["side"]["top_r_side_agreement"] == 1.0
    assert luminance["gap_1_2"] > 10
    assert [mode["mode"] for mode in report["layer2"]["modes"]] == [1, 2]
    clusters = report["clusters"]
    assert len(clusters) == explanation.result.n_segments == 2
    # Square and triangle are separate blocks: each is dominated by its own mode.
    assert sorted(entry["dominant_mode"] for entry in clusters) == [1, 2]
    drift = report["drift"][0]
    assert drift["over_window"] == pytest.approx(
        (clusters[0]["rotation"] - clusters[1]["rotation"]) * 40
    )
    assert report["readout"]["cluster_separation"] == 2.5
    assert explanation.agreement.shape == image.shape
    assert 0.5 <= report["confidence"]["mean_agreement"] <= 1


def test_margins_use_the_cluster_separation_in_force(two_shapes):
    image, _, _ = two_shapes
    loose = explain(image, preset="published", segments=2, cluster_separation=2.5).report[
        "clusters"
    ]
    strict = explain(image, preset="published", segments=2, cluster_separation=25.0).report[
        "clusters"
    ]
    for a, b in zip(loose, strict, strict=True):
        assert a["merge_score"] == pytest.approx(b["merge_score"])
        assert b["margin"] < a["margin"]


def test_cli_explain_writes_outputs(tmp_path):
    runner = CliRunner()
    outcome = runner.invoke(
        app, ["explain", str(SAMPLES / "two_shapes.png"), "-o", str(tmp_path), "--samples", "2"]
    )
    assert outcome.exit_code == 0, outcome.output
    report = json.loads((tmp_path / "two_shapes_explain.json").read_text())
    assert report["n_modes"] == report["readout"]["n_clusters"]
    for suffix in ("explain.png", "agreement.png"):
        assert read_image(tmp_path / f"two_shapes_{suffix}").size > 0
    assert "predicted drift" in outcome.output and "final boundary" in outcome.output


def test_cli_explain_explains_the_run_that_run_makes(tmp_path):
    """Same options, same run: the sidecar of `run` and the report of `explain` agree."""
    cases = [("coffee", []), ("three_shapes", ["--preset", "published", "--seed", "2"])]
    for name, options in cases:
        image = str(next(SAMPLES.glob(f"{name}.*")))
        ran = CliRunner().invoke(app, ["run", image, "-o", str(tmp_path), *options])
        assert ran.exit_code == 0, ran.output
        explained = CliRunner().invoke(app, ["explain", image, "-o", str(tmp_path), *options])
        assert explained.exit_code == 0, explained.output
        sidecar = json.loads((tmp_path / f"{name}_segments.json").read_text())
        report = json.loads((tmp_path / f"{name}_explain.json").read_text())
        assert report["parameters"] == sidecar["parameters"]
        assert report["n_segments"] == sidecar["n_segments"]


def test_cli_explain_missing_file(tmp_path):
    outcome = CliRunner().invoke(app, ["explain", str(tmp_path / "none.png")])
    assert outcome.exit_code == 2
    assert outcome.output.startswith("error:")
    assert list(tmp_path.iterdir()) == []


def test_noise_changes_the_run_and_is_seeded():
    coupling = GaussianCoupling((8, 8), alpha=0.5, sigma=0.3)
    omega = np.linspace(-1, 1, 64).reshape(8, 8)
    x0 = random_initial_state((8, 8), 3)

    def run(noise, noise_seed):
        return evolve(
            coupling, omega, x0, n_steps=5, record_from=6, noise=noise, noise_seed=noise_seed
        ).final

    clean = run(0.0, None)
    assert np.array_equal(run(0.01, 1), run(0.01, 1))
    assert not np.allclose(run(0.01, 1), run(0.01, 2))
    assert (
        1e-4
        < np.abs(run(0.01, 1) / np.abs(run(0.01, 1)).max() - clean / np.abs(clean).max()).max()
        < 0.1
    )
    with pytest.raises(ValueError, match="exact"):
        evolve(coupling, omega, x0, n_steps=5, record_from=6, engine="exact", noise=0.01)


def test_label_alignment_and_agreement():
    reference = np.array([0, 0, 1, 1, 2, 2])
    assert align_labels(np.array([5, 5, 3, 3, 0, 0]), reference).tolist() == reference.tolist()
    # An extra segment gets a new number.
    assert align_labels(np.array([1, 1, 0, 0, 2, 3]), reference).tolist() == [0, 0, 1, 1, 2, 3]
    runs = np.array([[0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1], [2, 2, 0, 0, 1, 0]])
    consensus, agreement = label_agreement(runs)
    assert adjusted_rand_index(consensus, reference) == 1.0
    assert agreement.tolist() == [1, 1, 1, 1, 1, pytest.approx(2 / 3)]


def test_auroc_known_answers():
    rng = np.random.default_rng(0)
    positives = rng.random(2000) < 0.3
    assert auroc(positives.astype(float), positives) == 1.0
    assert auroc(-positives.astype(float), positives) == 0.0
    assert auroc(np.zeros(2000), positives) == 0.5
    # Unit-variance Gaussians one standard deviation apart: AUROC = Phi(1 / sqrt 2) = 0.760.
    scores = rng.normal(size=2000) + positives
    assert auroc(scores, positives) == pytest.approx(0.760, abs=0.04)
    assert np.isnan(auroc(scores, np.zeros(2000, dtype=bool)))


def test_sample_labels_runs_each_seed():
    image, _ = shapes_image(2, seed=1)
    labels = sample_labels(image, samples=2, noise=1e-4, seed=3)
    assert labels.shape == (2, *image.shape)
    assert np.array_equal(labels[1], segment(image, seed=4, noise=1e-4).labels)


def test_steps_after_the_network_tell_the_whole_story():
    image = _colour_scene(48)
    explanation = explain(np.kron(image, np.ones((3, 3, 1))), max_units=48 * 48)
    steps, result = explanation.report["steps"], explanation.result
    grid = result.grid
    # Every unit of the grid is in exactly one candidate, each from one cluster and sides.
    assert sum(sum(entry["units"]) for entry in steps["candidates"]) == grid.labels.size
    assert {entry["cluster"] for entry in steps["candidates"]} <= set(
        range(int(grid.clusters.max()) + 1)
    )
    assert all(set(entry["sides"]) == {"a*", "b*"} for entry in steps["candidates"])
    n_candidates = sum(len(entry["regions"]) for entry in steps["candidates"])
    assert len(steps["candidate_to_region"]) == n_candidates
    assert n_candidates - len(steps["absorbed"]) == steps["regions"] == grid.labels.max()
    # Each merge joins two regions into one.
    assert steps["regions"] - len(steps["merges"]) == steps["segments"] == result.n_segments
    assert sorted(set(steps["region_to_segment"].values())) == list(range(1, result.n_segments + 1))
    assert all(merge["cost"] < PRESETS["natural"].tree_threshold() for merge in steps["merges"])
    assert 0 < steps["refinement"]["pixels_moved"] < result.labels.size
    boundary = steps["boundary"]
    assert sum(boundary["fractions"].values()) == pytest.approx(1)
    assert 0 < boundary["drawn_by_network"] <= 1
    json.dumps(explanation.report, allow_nan=False)
