"""Exact solution of both layers, explain report and CLI, noisy runs and their agreement."""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from wavesegment.analysis.confidence import align_labels, auroc, label_agreement, sample_labels
from wavesegment.analysis.explain import _top_r_labels, _top_r_phasors, explain
from wavesegment.cli import app
from wavesegment.dynamics import evolve, layer_spectrum
from wavesegment.evaluation.metrics import adjusted_rand_index
from wavesegment.evaluation.shapes import shapes_image
from wavesegment.io.images import read_image
from wavesegment.network import GaussianCoupling, frequencies, random_initial_state
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
    assert _phase_error(reconstructed, np.exp(1j * result.mask_phases)).max() < 1e-9
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


@pytest.mark.parametrize("name, n_objects", [("two_shapes", 2), ("three_shapes", 3)])
def test_top_modes_reproduce_the_run(name, n_objects):
    image = read_image(SAMPLES / f"{name}.png")
    truth = read_image(SAMPLES / f"{name}_labels.png").astype(int)
    for seed in (0, 1):
        result = segment(image, seed=seed, preset="published")
        foreground = ~result.background
        spectrum = layer_spectrum(
            GaussianCoupling(image.shape, alpha=0.5, sigma=0.0313),
            np.where(foreground, frequencies(image), 0.0),
            foreground=foreground,
            method="dense",
        )
        x0 = random_initial_state(image.shape, seed)

        def labels_from(n_modes, result=result, spectrum=spectrum, x0=x0):
            return _top_r_labels(_top_r_phasors(spectrum, x0, range(80, 121), n_modes), result)

        # Two modes per object (its standing mode and its first travelling wave) give the run
        # exactly.
        assert adjusted_rand_index(labels_from(2 * n_objects), result.labels) == 1.0
        # One mode per object gives labels at least as close to the truth as the full run:
        # the errors of the run come from the waves that the next modes carry.
        top = adjusted_rand_index(labels_from(n_objects), truth)
        assert top >= adjusted_rand_index(result.labels, truth) - 1e-12


def test_explain_report(two_shapes):
    image, _, _ = two_shapes
    explanation = explain(image, seed=0, n_modes=2, samples=2, noise=1e-4)
    report = explanation.report
    json.dumps(report, allow_nan=False)
    assert report["layer1"]["top_mode_phase_error"] < 1e-9
    assert report["layer1"]["top_r_mask_agreement"] == 1.0
    assert report["layer1"]["gap_1_2"] > 10
    assert [mode["mode"] for mode in report["layer2"]["modes"]] == [1, 2]
    segments = report["segments"]
    assert len(segments) == explanation.result.n_segments == 2
    # Square and triangle are separate blocks: each is dominated by its own mode.
    assert sorted(entry["dominant_mode"] for entry in segments) == [1, 2]
    drift = report["drift"][0]
    assert drift["over_window"] == pytest.approx(
        (segments[0]["rotation"] - segments[1]["rotation"]) * 40
    )
    assert explanation.agreement.shape == image.shape
    assert 0.5 <= report["confidence"]["mean_agreement"] <= 1


def test_cli_explain_writes_outputs(tmp_path):
    runner = CliRunner()
    outcome = runner.invoke(
        app, ["explain", str(SAMPLES / "two_shapes.png"), "-o", str(tmp_path), "--samples", "2"]
    )
    assert outcome.exit_code == 0, outcome.output
    report = json.loads((tmp_path / "two_shapes_explain.json").read_text())
    assert report["n_modes"] == report["n_segments"]
    for suffix in ("explain.png", "agreement.png"):
        assert read_image(tmp_path / f"two_shapes_{suffix}").size > 0
    assert "predicted drift" in outcome.output


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
