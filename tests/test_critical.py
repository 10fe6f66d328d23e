"""Critical dynamics (Chandra & Magnasco, arXiv 2405.13854) as a network option."""

import json

import numpy as np
import pytest

from wavesegment import segment
from wavesegment.analysis.linearisation import (
    fixed_point,
    jacobian,
    propagation_length,
    relaxation_modes,
    relaxation_steps,
)
from wavesegment.dynamics.critical import CriticalMap, evolve_critical
from wavesegment.network.axis_coupling import axis_gram
from wavesegment.network.coupling import GaussianCoupling
from wavesegment.network.unit_circle import UnitCircleCoupling
from wavesegment.parameters import Parameters


def _single_unit(drive: float) -> CriticalMap:
    """One unit: K_n = 1 and no turn, so the map is the paper's x <- sigma(x + I)."""
    return CriticalMap(GaussianCoupling((1, 1), alpha=1, sigma=1), np.zeros((1, 1)), drive)


def _measured(drive: float, n_steps: int = 4000) -> tuple[float, float]:
    """Fixed point and relaxation time, measured on the stepped trajectory from x = 0."""
    critical, state, trajectory = _single_unit(drive), np.zeros((1, 1), complex), []
    for _ in range(n_steps):
        state = critical(state)
        trajectory.append(state[0, 0].real)
    point = trajectory[-1]
    distance = np.abs(point - np.array(trajectory[:-1]))
    late = np.flatnonzero((distance < 1e-4) & (distance > 1e-11))  # the linear regime
    rate = np.polyfit(late, np.log(distance[late]), 1)[0]
    return point, -1.0 / rate


@pytest.mark.parametrize("drive, shift, relaxation", [(0.001, 0.1255, 42.0), (0.11, 0.55, 1.8)])
def test_figure_3_fixed_point_shift_and_relaxation_time(drive, shift, relaxation):
    point, steps = _measured(drive)
    assert point == pytest.approx(shift, rel=0.02)
    assert steps == pytest.approx(relaxation, rel=0.02)
    # The network's own engine steps the same map.
    run = evolve_critical(
        _single_unit(drive), np.zeros((1, 1), complex), n_steps=4000, record_from=1
    )
    assert run.final[0, 0] == pytest.approx(point, abs=1e-12)
    # The linearisation's radial mode relaxes as the run does; the phase mode 1 / s, slower.
    values, _ = relaxation_modes(_single_unit(drive), fixed_point(_single_unit(drive))[0], 2)
    assert sorted(relaxation_steps(values))[0] == pytest.approx(steps, rel=1e-3)


def test_power_laws_in_the_input():
    """Fixed point ~ I^(1/3), relaxation time ~ I^(-2/3), propagation length ~ I^(-1/3)."""
    drives = np.array([1e-5, 1e-4])
    points, times = np.transpose([_measured(drive, 20_000) for drive in drives])
    assert np.diff(np.log(points))[0] / np.log(10) == pytest.approx(1 / 3, abs=0.01)
    assert np.diff(np.log(times))[0] / np.log(10) == pytest.approx(-2 / 3, abs=0.02)
    lengths = []
    for drive in (1e-3, 1e-4):
        row = CriticalMap(
            GaussianCoupling((1, 201), alpha=1, sigma=(1.0, 2 / 201)), np.zeros((1, 201)), drive
        )
        lengths.append(propagation_length(row, fixed_point(row)[0], (0, 100)))
    assert np.log10(lengths[1] / lengths[0]) == pytest.approx(1 / 3, abs=0.02)


def test_unit_circle_coupling_is_separable_and_critical_on_a_foreground():
    sheet = GaussianCoupling((7, 9), alpha=5.0, sigma=0.15)
    grams = [axis_gram(n, 0.15) for n in (7, 9)]
    normalised = [g / np.sqrt(np.outer(g.sum(1), g.sum(1))) for g in grams]
    assert np.allclose(UnitCircleCoupling(sheet).dense(), np.kron(*normalised))
    foreground = np.zeros((7, 9), bool)
    foreground[1:5, 2:8] = True
    coupling = UnitCircleCoupling(sheet, foreground)
    matrix = coupling.dense()[np.ix_(foreground.ravel(), foreground.ravel())]
    assert np.linalg.eigvalsh(matrix).max() == pytest.approx(1.0, abs=1e-12)
    state = np.random.default_rng(0).normal(size=(2, 7, 9))
    applied = coupling.apply(state)
    assert np.allclose(applied.reshape(2, -1), (coupling.dense() @ state.reshape(2, -1).T).T)


def test_jacobian_is_the_derivative_of_the_map():
    rng = np.random.default_rng(1)
    omega = rng.normal(size=(6, 7))
    critical = CriticalMap(GaussianCoupling((6, 7), alpha=3.15, sigma=0.3), omega, 0.01)
    point = fixed_point(critical)[0]
    assert np.abs(critical(point) - point).max() < 1e-9
    step = rng.normal(size=(6, 7)) + 1j * rng.normal(size=(6, 7))
    change = (critical(point + 1e-6 * step) - critical(point - 1e-6 * step)) / 2e-6
    linear = jacobian(critical, point) @ np.concatenate([step.real.ravel(), step.imag.ravel()])
    assert np.allclose(
        linear, np.concatenate([change.real.ravel(), change.imag.ravel()]), atol=1e-6
    )


def test_critical_is_validated_and_recorded():
    with pytest.raises(ValueError, match="dynamics must be one of linear, critical"):
        Parameters(dynamics="chaotic")
    with pytest.raises(ValueError, match="engine='exact'"):
        Parameters(dynamics="critical", engine="exact")
    with pytest.raises(ValueError, match="critical_input"):
        Parameters(critical_input=0.0)
    image = -np.ones((32, 32))
    image[4:12, 4:12] = image[18:28, 16:30] = 1
    linear = segment(image, preset="published", frequency_mode="raw")
    critical = segment(image, preset="published", frequency_mode="raw", dynamics="critical")
    assert critical.parameters["dynamics"] == "critical"
    assert critical.parameters["engine"] == "numba"
    assert not np.array_equal(linear.grid.final_phases, critical.grid.final_phases)
    # Magnitudes are not rescaled and stay bounded by the sigmoid.
    assert critical.labels.max() >= 2


def test_explain_adds_the_linearisation_of_a_critical_run(tmp_path):
    from typer.testing import CliRunner

    from wavesegment.cli import app

    image = tmp_path / "shapes.png"
    pixels = np.zeros((32, 32), np.uint8)
    pixels[4:12, 4:12] = pixels[18:28, 16:30] = 255
    from skimage import io

    io.imsave(image, pixels)
    result = CliRunner().invoke(app, ["explain", str(image), "--dynamics", "critical"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "shapes_explain.json").read_text())
    assert report["parameters"]["dynamics"] == "critical"
    modes = report["linearisation"]["layer2"]["modes"]
    assert all(0 < mode["growth"] < 1 for mode in modes)
    assert "layer1" in report and "clusters" in report  # the existing keys stay


def test_critical_dynamics_run_on_a_signal_and_a_volume():
    """The critical kernels take 2-D planes; a signal's or a volume's units pass as one row."""
    signal = np.r_[np.zeros(50), np.full(50, 5.0)]
    labels = segment(signal, dynamics="critical").labels
    assert labels[:45].tolist() == [labels[0]] * 45 and labels[55:].tolist() == [labels[-1]] * 45
    assert labels[0] != labels[-1]
    volume = np.zeros((8, 20, 20))
    volume[2:6, 5:15, 5:15] = 1.0
    labels = segment(volume, dynamics="critical", spatial_dims=3).labels
    assert labels.shape == volume.shape
    assert np.unique(labels[3:5, 7:13, 7:13]).size == 1 and labels[4, 10, 10] != labels[0, 0, 0]
