"""Spectral readout, shape spectra of segments and ``wavesegment match`` (issue 12, items 2, 3)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from wavesegment import segment
from wavesegment.analysis.explain import explain_result
from wavesegment.analysis.shape_spectra import block_spectrum, match_segments
from wavesegment.cli import app
from wavesegment.dynamics import evolve
from wavesegment.evaluation.tetrominoes import CLASSES, tetromino_images
from wavesegment.network.coupling import GaussianCoupling
from wavesegment.parameters import Parameters
from wavesegment.readout.spectral import spectral_readout

CELL = 3
TETROMINOES = {
    "I": np.array([[1, 1, 1, 1]]),
    "O": np.array([[1, 1], [1, 1]]),
    "T": np.array([[0, 1, 0], [1, 1, 1]]),
    "S": np.array([[0, 1, 1], [1, 1, 0]]),
    "J": np.array([[1, 0, 0], [1, 1, 1]]),
}


def scaled(shape: np.ndarray) -> np.ndarray:
    return np.kron(shape, np.ones((CELL, CELL))).astype(bool)


def poses(shape: np.ndarray):
    for turns in range(4):
        turned = np.rot90(shape, turns)
        yield turned
        yield np.fliplr(turned)


def tiny_image(placed: dict[str, tuple[int, int, int]]) -> np.ndarray:
    """A 24 x 24 image: the named tetrominoes at (row, col, quarter turns), of intensity 1."""
    image = np.zeros((24, 24))
    for name, (row, col, turns) in placed.items():
        mask = scaled(np.rot90(TETROMINOES[name], turns))
        image[row : row + mask.shape[0], col : col + mask.shape[1]][mask] = 1.0
    return image


def test_readout_is_validated_once():
    with pytest.raises(ValueError, match="readout must be one of phase, spectral, not 'fft'"):
        Parameters.from_preset("natural", readout="fft")


def test_engines_record_the_same_peak_normalised_states():
    coupling = GaussianCoupling((8, 8), alpha=0.5, sigma=0.3)
    omega = np.where(np.arange(64).reshape(8, 8) % 8 < 4, 1.0, -1.0)
    x0 = np.exp(1j * np.linspace(0, 6, 64)).reshape(8, 8)
    runs = [
        evolve(coupling, omega, x0, n_steps=40, record_from=30, engine=engine, record_states=True)
        for engine in ("exact", "numba")
    ]
    assert runs[0].states.shape == (11, 8, 8)
    assert np.abs(runs[0].states).max() == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(runs[0].states, runs[1].states, atol=1e-5)
    assert evolve(coupling, omega, x0, n_steps=5, record_from=3).states is None


def test_spectral_features_group_units_by_their_rotation_not_their_phase():
    steps = np.arange(128)[None, :, None]
    offsets = np.array([0.0, 2.0, 0.0, 2.0])  # phase offsets the spectral readout ignores
    rotations = np.array([0.2, 0.2, -0.3, -0.3])
    readout = spectral_readout(np.exp(1j * (steps * rotations + offsets)), n_modes=1)
    first = readout.projection[:, 0]
    assert first[0] == pytest.approx(first[1]) and first[2] == pytest.approx(first[3])
    assert abs(first[0] - first[2]) > 0.5


def test_spectral_readout_segments_two_shapes_of_different_intensity():
    image = np.zeros((32, 32))
    image[4:12, 4:12], image[18:28, 16:30] = 1.0, 0.5
    phase = segment(image, frequency_mode="raw")
    spectral = segment(image, frequency_mode="raw", readout="spectral")
    assert spectral.parameters["readout"] == "spectral"
    for result in (phase, spectral):
        squares = [
            np.unique(result.labels[rows, cols])
            for rows, cols in [(slice(4, 12), slice(4, 12)), (slice(18, 28), slice(16, 30))]
        ]
        assert all(len(labels) == 1 for labels in squares) and squares[0] != squares[1]
    # Principal components of unit-norm spectra: their variances add up to at most 1, where the
    # phase similarity's leading eigenvalue is of the order of the number of units.
    assert spectral.grid.readout.eigenvalues.sum() <= 1.0 < phase.grid.readout.eigenvalues[0]


@pytest.mark.parametrize("name", list(TETROMINOES))
def test_shape_spectrum_ignores_rotation_reflection_and_place(name):
    coupling = Parameters.from_preset("natural")
    coupling = GaussianCoupling(
        (24, 24), alpha=coupling.layer2_alpha, sigma=coupling.layer2_sigma, normalise=True
    )
    spectra = []
    places = [(0, 0), (5, 9), (12, 3), (2, 11)] * 2
    for pose, (row, col) in zip(poses(TETROMINOES[name]), places, strict=True):
        mask = np.zeros((24, 24), dtype=bool)
        shape = scaled(pose)
        mask[row : row + shape.shape[0], col : col + shape.shape[1]] = shape
        spectra.append(block_spectrum(coupling, mask))
    np.testing.assert_allclose(spectra, np.broadcast_to(spectra[0], (8, 8)), atol=1e-9)


def test_match_names_turned_tetrominoes_by_one_reference_each():
    image = tiny_image({"I": (1, 1, 1), "T": (2, 8, 2), "S": (15, 2, 1), "J": (14, 13, 3)})
    result = segment(image, frequency_mode="raw")
    named = match_segments(result, {name: scaled(shape) for name, shape in TETROMINOES.items()})
    found = {}
    for label, entry in named.items():
        rows, cols = np.nonzero(result.labels == label)
        found[(rows.min(), cols.min())] = entry["name"]
    assert sorted(name for name in found.values() if name) == ["I", "J", "S", "T"]
    assert None in found.values()  # the background is no tetromino


def test_explanation_reports_the_shape_spectra():
    result = segment(tiny_image({"O": (3, 3, 0), "I": (14, 4, 0)}), frequency_mode="raw")
    spectra = explain_result(result).report["shape_spectra"]
    assert set(spectra) == {str(label) for label in range(1, result.n_segments + 1)}
    o_square = [values for values in spectra.values() if values and values[1] == values[2]]
    assert len(o_square) == 1  # the O's spectrum has its symmetric pair of modes


def test_tetromino_generator_makes_their_images():
    images, masks = tetromino_images(6)
    again, _ = tetromino_images(3, start=3)
    np.testing.assert_array_equal(images[3:], again)
    assert images.shape == (6, 64, 64, 3) and images.dtype == np.uint8
    for image, mask in zip(images, masks, strict=True):
        assert not image[mask == 0].any()  # black background
        counts = np.bincount(mask.ravel(), minlength=len(CLASSES))[1:]
        assert np.all(counts % (4 * 49) == 0)  # four 7 x 7 cells per tetromino


def test_run_writes_shape_spectra_only_when_asked(tmp_path):
    path = tmp_path / "shapes.png"
    Image.fromarray((255 * tiny_image({"O": (3, 3, 0)})).astype(np.uint8)).save(path)
    runner = CliRunner()
    assert runner.invoke(app, ["run", str(path), "-o", str(tmp_path / "a")]).exit_code == 0
    asked = runner.invoke(app, ["run", str(path), "-o", str(tmp_path / "b"), "--shape-spectra"])
    assert asked.exit_code == 0, asked.output
    plain = json.loads((tmp_path / "a" / "shapes_segments.json").read_text())
    record = json.loads((tmp_path / "b" / "shapes_segments.json").read_text())
    assert "shape_spectra" not in plain and "shape_spectra" not in plain["request"]
    assert set(record["shape_spectra"]) == set(record["segment_areas"]) - {"0"}
    assert "shape_spectra" in record["timings"]


def test_match_command_names_segments_from_a_reference_folder(tmp_path):
    image = tmp_path / "pieces.png"
    Image.fromarray((255 * tiny_image({"I": (2, 2, 0), "O": (12, 12, 0)})).astype(np.uint8)).save(
        image
    )
    folder = tmp_path / "references"
    folder.mkdir()
    for name in ("I", "O", "T"):
        Image.fromarray(255 * scaled(TETROMINOES[name]).astype(np.uint8)).save(
            folder / f"{name}.png"
        )
    runner = CliRunner()
    answer = runner.invoke(app, ["match", str(image), "--references", str(folder)])
    assert answer.exit_code == 0, answer.output
    names = [line.split()[3] for line in answer.output.splitlines()[1:]]
    assert sorted(names) == ["-", "I", "O"]
    missing = runner.invoke(app, ["match", str(image), "--references", str(tmp_path / "none")])
    assert missing.exit_code == 2 and "error:" in missing.output
