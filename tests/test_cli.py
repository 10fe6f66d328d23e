import os
import subprocess
import sys
import traceback

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from wavesegment.cli import app

from .conftest import same_partition

runner = CliRunner()


def test_run_writes_a_16_bit_label_map_and_an_overlay(samples, tmp_path):
    outcome = runner.invoke(app, ["run", str(samples / "two_shapes.png"), "-o", str(tmp_path)])
    assert outcome.exit_code == 0, outcome.output
    assert "32x32 px" in outcome.output and "segments" in outcome.output
    with Image.open(tmp_path / "two_shapes_labels.png") as saved:
        assert saved.mode.startswith("I;16") or saved.mode == "I"
        labels = np.asarray(saved)
    truth = np.asarray(Image.open(samples / "two_shapes_labels.png"))
    objects = truth > 0  # the natural preset separates the shapes (and fills their holes)
    assert same_partition(labels[objects], truth[objects])
    assert not np.isin(labels[0, 0], labels[objects])
    from skimage.io import imread

    np.testing.assert_array_equal(imread(tmp_path / "two_shapes_labels.png"), labels)
    with Image.open(tmp_path / "two_shapes_overlay.png") as picture:
        assert picture.mode == "RGB" and picture.size == (32, 32)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "two_shapes_labels.png",
        "two_shapes_overlay.png",
        "two_shapes_segments.json",
    ]


def test_options_reach_the_library(samples, tmp_path):
    outcome = runner.invoke(
        app,
        [
            "run",
            str(samples / "three_shapes.png"),
            "-o",
            str(tmp_path),
            "--segments",
            "3",
            "--seed",
            "4",
            "--engine",
            "numba",
            "--preset",
            "published",
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    assert "3 segments" in outcome.output


def _write(path, content):
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.png", "no such file"),
        (lambda d: _write(d / "empty.png", b""), "not a readable image"),
        (lambda d: _write(d / "notes.png", b"not an image at all"), "not a readable image"),
        (lambda d: (d / "folder.jpg").mkdir() or d / "folder.jpg", "not a file"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_output(tmp_path, make, message):
    source = make(tmp_path)
    out = tmp_path / "out"
    # A real process, so that what the user sees (stderr, exit code) is what is tested.
    completed = subprocess.run(
        [sys.executable, "-m", "wavesegment", "run", str(source), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 2
    assert message in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1
    assert "Traceback" not in completed.stderr + completed.stdout
    assert not out.exists()


def test_unwritable_output_is_a_one_line_error(samples, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    outcome = runner.invoke(app, ["run", str(samples / "two_shapes.png"), "-o", str(blocker)])
    assert outcome.exit_code == 2
    assert "cannot write" in outcome.output


def test_sixteen_bit_and_tiff_inputs(tmp_path):
    import tifffile

    image = np.zeros((24, 24), dtype=np.uint16)
    image[4:12, 4:12] = 60000
    image[14:22, 10:20] = 30000
    Image.fromarray(image).save(tmp_path / "deep.png")
    tifffile.imwrite(tmp_path / "deep.tif", image)
    for name in ("deep.png", "deep.tif"):
        outcome = runner.invoke(app, ["run", str(tmp_path / name), "-o", str(tmp_path / "out")])
        assert outcome.exit_code == 0, outcome.output


def test_version_is_the_package_version():
    from importlib.metadata import version

    import wavesegment

    outcome = runner.invoke(app, ["--version"])
    assert outcome.exit_code == 0
    assert outcome.output == f"wavesegment {wavesegment.__version__}\n"
    assert version("wavesegment") == wavesegment.__version__  # pyproject reads it from there


def test_choices_are_the_library_lists():
    from wavesegment.dynamics.engines import ENGINES
    from wavesegment.dynamics.spectral import METHODS
    from wavesegment.io.export import LABEL_FORMATS
    from wavesegment.parameters import PRESETS

    help_texts = {name: runner.invoke(app, [name, "--help"]).output for name in ("run", "explain")}
    for choices in (PRESETS, ENGINES, LABEL_FORMATS):
        assert f"<{'|'.join(choices)}>" in help_texts["run"]
    assert f"<{'|'.join(METHODS)}>" in help_texts["explain"]


def test_importing_the_cli_loads_no_numpy():
    # The console script imports wavesegment.cli; batch workers import it too (spawn), before
    # they set their thread limits.
    code = "import sys, wavesegment.cli; print(sorted({'numpy', 'scipy'} & set(sys.modules)))"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.stdout == "[]\n", completed.stderr


def _raise_a_bug(*args, **kwargs):
    raise ZeroDivisionError("division by zero")


INTERNAL_ERROR = "error: internal error (a bug in wavesegment, please report it): ZeroDivisionError"


def test_a_bug_is_one_line_and_exit_1(samples, tmp_path, monkeypatch):
    monkeypatch.delenv("WAVESEGMENT_DEBUG", raising=False)
    monkeypatch.setattr("wavesegment.segmentation.segment", _raise_a_bug)
    outcome = runner.invoke(app, ["run", str(samples / "two_shapes.png"), "-o", str(tmp_path)])
    assert outcome.exit_code == 1
    assert outcome.stderr == f"{INTERNAL_ERROR}: division by zero\n"
    assert not list(tmp_path.iterdir())
    # A bug in another command, outside segment_file, is told the same way.
    monkeypatch.setattr("wavesegment.io.contact_sheet.write_contact_sheet", _raise_a_bug)
    outcome = runner.invoke(app, ["show", str(tmp_path)])
    assert (outcome.exit_code, outcome.stderr) == (1, f"{INTERNAL_ERROR}: division by zero\n")


def test_debug_variable_shows_the_traceback(samples, tmp_path, monkeypatch):
    monkeypatch.setenv("WAVESEGMENT_DEBUG", "1")
    monkeypatch.setattr("wavesegment.segmentation.segment", _raise_a_bug)
    outcome = runner.invoke(app, ["run", str(samples / "two_shapes.png"), "-o", str(tmp_path)])
    assert outcome.exit_code == 1
    assert isinstance(outcome.exception, ZeroDivisionError)
    frames = traceback.extract_tb(outcome.exc_info[2])
    assert any(frame.name == "_raise_a_bug" for frame in frames)  # the bug's own traceback


def test_a_bug_in_a_real_process_exits_1(samples, tmp_path):
    # The console script's path (main(), sys.exit) with a bug planted before it runs.
    code = (
        "import sys, wavesegment.segmentation as s\n"
        "s.segment = lambda *a, **k: 1 / 0\n"
        "from wavesegment.cli import main\n"
        "sys.argv = ['wavesegment', *sys.argv[1:]]\n"
        "main()\n"
    )
    arguments = ["run", str(samples / "two_shapes.png"), "-o", str(tmp_path)]
    environment = {k: v for k, v in os.environ.items() if k != "WAVESEGMENT_DEBUG"}
    completed = subprocess.run(
        [sys.executable, "-c", code, *arguments], capture_output=True, text=True, env=environment
    )
    assert completed.returncode == 1
    assert completed.stderr == f"{INTERNAL_ERROR}: division by zero\n"
    assert completed.stdout == ""
