"""Signals on a ring of oscillators: the exact operator, and ``run``/``explain`` on .csv/.npy."""

import numpy as np
import pytest
from typer.testing import CliRunner

from wavesegment import segment
from wavesegment.analysis.operator import network_operators
from wavesegment.cli import app
from wavesegment.dynamics import run_layer1, run_layer2
from wavesegment.io.images import ImageError
from wavesegment.io.signals import change_points, read_signal


def _steps(signal):
    rng = np.random.default_rng(0)
    values = np.repeat(signal, 60).astype(float)
    return values + rng.normal(scale=0.1, size=values.size)


def test_the_diagonal_state_space_model_reproduces_the_network_run():
    result = segment(_steps([0, 1, 0, 2]), preset="published", coupling="normalised", periodic=True)
    network, foreground = result.network, ~result.grid.background
    p = network.parameters
    models = network_operators(network, foreground)
    x0 = network.initial_states[0]
    runs = {
        "layer1": (run_layer1(network), x0, p.layer1_steps - 1),
        "layer2": (
            run_layer2(network, foreground),
            np.where(foreground, x0, 0),
            p.readout_steps[1] - p.layer1_steps,
        ),
    }
    for name, (run, start, n_steps) in runs.items():
        modal = models[name].run(start, n_steps)[-1]
        assert np.all(models[name].state[:-1] != 0)
        # The engine rescales its state every step: compare directions.
        np.testing.assert_allclose(
            modal / np.linalg.norm(modal), run.final / np.linalg.norm(run.final), atol=1e-9
        )


def test_a_ring_and_a_line_differ_only_through_the_coupling_of_the_ends():
    ring = segment(_steps([0, 1]), preset="published", coupling="normalised", periodic=True)
    line = segment(_steps([0, 1]), preset="published", coupling="normalised")
    assert ring.network.layer2.periodic and not line.network.layer2.periodic
    assert not np.allclose(ring.network.layer1.dense(), line.network.layer1.dense())


def test_run_cuts_a_csv_signal_and_explain_writes_its_operator(tmp_path):
    signal = _steps([0, 1, 0, 2])
    np.savetxt(tmp_path / "trace.csv", signal, header="value", comments="")
    runner = CliRunner()
    done = runner.invoke(app, ["run", str(tmp_path / "trace.csv"), "--preset", "published"])
    assert done.exit_code == 0, done.output
    table = np.loadtxt(tmp_path / "trace_labels.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(table[:, 1], signal)
    assert "change points" in done.output
    np.save(tmp_path / "trace.npy", signal)
    done = runner.invoke(
        app, ["explain", str(tmp_path / "trace.npy"), "--ring", "--preset", "published"]
    )
    assert done.exit_code == 0, done.output
    with np.load(tmp_path / "trace_operator.npz") as operator:
        assert operator["layer1_state"].shape == (signal.size,)
        assert operator["layer1_input"].shape == operator["layer1_output"].shape[::-1]


def test_a_signal_file_that_is_not_one_column_is_refused(tmp_path):
    np.save(tmp_path / "image.npy", np.zeros((4, 4)))
    with pytest.raises(ImageError, match="one column"):
        read_signal(tmp_path / "image.npy")
    done = CliRunner().invoke(app, ["run", str(tmp_path / "image.npy")])
    assert done.exit_code == 2 and "one column" in done.output


def test_change_points_are_where_the_labels_change():
    assert change_points(np.array([3, 3, 1, 1, 2])).tolist() == [2, 4]


def test_run_refuses_options_that_do_not_apply(tmp_path):
    """No option is silently ignored: image-only options on a signal, --ring on an image."""
    from PIL import Image

    signal = tmp_path / "trace.csv"
    np.savetxt(signal, np.r_[np.zeros(40), np.ones(40)])
    image = tmp_path / "flat.png"
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(image)
    runner = CliRunner()
    for arguments in (
        [str(signal), "--masks"],
        [str(signal), "--format", "npy"],
        [str(image), "--ring"],
    ):
        result = runner.invoke(app, ["run", *arguments, "-o", str(tmp_path / "out")])
        assert result.exit_code == 2, result.output
        assert result.output.count("error:") == 1 and "leave them out" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_explain_refuses_options_that_do_not_apply(tmp_path):
    """A signal's explanation is its linear operator: --dynamics critical and the image
    explanation's options are refused in one line, as is --ring on an image."""
    from PIL import Image

    signal = tmp_path / "trace.csv"
    np.savetxt(signal, np.r_[np.zeros(40), np.ones(40)])
    image = tmp_path / "flat.png"
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(image)
    runner = CliRunner()
    for arguments, named in (
        ([str(signal), "--dynamics", "critical"], "--dynamics critical"),
        ([str(signal), "--samples", "2", "--modes", "2"], "--modes, --samples do"),
        ([str(image), "--ring"], "--ring does"),
    ):
        result = runner.invoke(app, ["explain", *arguments, "-o", str(tmp_path / "out")])
        assert result.exit_code == 2, result.output
        assert result.output.count("error:") == 1 and named in result.output
    assert not (tmp_path / "out").exists()
    done = runner.invoke(app, ["explain", str(signal), "--dynamics", "linear"])
    assert done.exit_code == 0, done.output
