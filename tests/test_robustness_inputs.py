"""Every command answers every broken input with one ``error:`` line naming the file, exit 2;
unusual but valid files are read."""

import json
import os

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from wavesegment.cli import app

from .broken_corpus import broken_images, valid_variants
from .corpus import shapes_uint8

runner = CliRunner()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    return root, broken_images(root / "bad"), valid_variants(root / "ok")


def _one_error_line(result, name: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert name in lines[0], lines[0]


# `run` and `batch` segment stacks (frames or a volume: tests/test_stacks.py); the other
# commands refuse them with a line saying how to segment them.
STACKS = {"multi-page tiff", "volume tiff"}  # the first written page by page


@pytest.mark.parametrize("command", ["run", "explain"])
def test_every_broken_image_is_one_error_line(corpus, tmp_path, command):
    _, broken, _ = corpus
    for kind, path in broken.items():
        result = runner.invoke(app, [command, str(path), "-o", str(tmp_path)])
        if command == "run" and kind in STACKS:
            assert result.exit_code == 0, (kind, result.output)
            assert f"{3 if kind == 'multi-page tiff' else 4} frames" in result.output, kind
            continue
        _one_error_line(result, path.name)
        assert "Traceback" not in result.output, kind
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]


def test_valid_variants_are_read_and_extreme_values_scaled_with_a_warning(corpus, tmp_path):
    _, _, valid = corpus
    for kind, path in valid.items():
        result = runner.invoke(app, ["run", str(path), "-o", str(tmp_path), "-k", "2"])
        assert result.exit_code == 0, (kind, result.output)
        sidecar = json.loads((tmp_path / f"{path.stem}_segments.json").read_text())
        if not kind.startswith("tiny"):  # not one segment of overflowed values
            assert sidecar["n_segments"] > 1, kind
        if "values" in kind:
            assert "warning:" in result.stderr and "scaled" in result.stderr


def test_a_batch_of_the_corpus_fails_each_bad_file_and_does_the_others(corpus, tmp_path):
    root, broken, _ = corpus
    result = runner.invoke(app, ["batch", str(root / "bad"), "-o", str(tmp_path), "-j", "1", "-q"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    rows = json.loads((tmp_path / "summary.json").read_text())["images"]
    by_name = {row["path"]: row for row in rows}
    assert by_name["good.png"]["status"] == "done"
    stacks = {broken[kind].name for kind in STACKS}  # segmented as `run` does them
    expected = {path.name for path in broken.values() if not path.is_dir() or path.is_symlink()}
    failed = {row["path"] for row in rows if row["status"] == "failed"}
    assert failed == expected - stacks
    assert all(by_name[name]["status"] == "done" for name in stacks)
    assert all(
        row["failure"] == "bad input" and row["path"] in row["error"]
        for row in by_name.values()
        if row["status"] == "failed"
    )


def _damaged_results(folder, case: str):
    """A run's outputs, with one file damaged."""
    image = folder / "shapes.png"
    Image.fromarray(shapes_uint8(24)).save(image)
    assert runner.invoke(app, ["run", str(image), "-o", str(folder / "out")]).exit_code == 0
    sidecar, labels = folder / "out/shapes_segments.json", folder / "out/shapes_labels.png"
    damage = {
        "sidecar not JSON": lambda: sidecar.write_text("{not json"),
        "sidecar a list": lambda: sidecar.write_text("[1, 2]"),
        "sidecar without outputs": lambda: sidecar.write_text('{"n_segments": 2}'),
        "labels missing": lambda: labels.unlink(),
        "labels garbage": lambda: labels.write_bytes(os.urandom(100)),
        "summary damaged": lambda: (folder / "out/summary.json").write_text('{"images": 3}'),
    }
    damage[case]()
    return folder / "out", "summary.json" if case.startswith("summary") else "shapes_segments"


@pytest.mark.parametrize(
    "case",
    [
        "sidecar not JSON",
        "sidecar a list",
        "sidecar without outputs",
        "labels missing",
        "labels garbage",
        "summary damaged",
    ],
)
def test_show_names_a_damaged_result(tmp_path, case):
    output, name = _damaged_results(tmp_path, case)
    _one_error_line(runner.invoke(app, ["show", str(output)]), name)


def _bsds(folder, truth: bytes | None = None):
    (folder / "images").mkdir(parents=True)
    (folder / "groundTruth").mkdir()
    Image.fromarray(shapes_uint8(24)).convert("RGB").save(folder / "images/a.jpg")
    (folder / "groundTruth/a.mat").write_bytes(truth)
    return folder


@pytest.mark.parametrize(
    "content",
    [b"", b"MATLAB 5.0 MAT-file" + os.urandom(200), None],
    ids=["empty", "garbage", "no groundTruth"],
)
def test_eval_names_a_broken_ground_truth(tmp_path, content):
    if content is None:
        from io import BytesIO

        from scipy.io import savemat

        buffer = BytesIO()
        savemat(buffer, {"other": np.zeros((2, 2))})
        content = buffer.getvalue()
    dataset = _bsds(tmp_path / "bsds", content)
    _one_error_line(runner.invoke(app, ["eval", str(dataset), "-k", "2"]), "a.mat")


def test_eval_names_a_broken_mask(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    Image.fromarray(shapes_uint8(24)).save(tmp_path / "images/a.png")
    (tmp_path / "masks/a.png").write_bytes(b"not a png")
    _one_error_line(runner.invoke(app, ["eval", str(tmp_path), "-k", "2"]), "a.png")


def test_an_image_larger_than_the_memory_is_refused_from_its_header(tmp_path, monkeypatch):
    from .broken_corpus import _png_claiming

    _png_claiming(tmp_path / "large.png", 12_000, 12_000)  # a header, no pixel data
    monkeypatch.setattr("wavesegment.io.images.available_memory", lambda: 2_000_000_000)
    result = runner.invoke(app, ["run", str(tmp_path / "large.png"), "--max-pixels", "0"])
    _one_error_line(result, "large.png")
    from wavesegment.io.images import memory_needed

    needed = memory_needed(12_000 * 12_000) / 1e9  # 2.4 GB: above the 2.0 GB available
    assert f"would need about {needed:.1f} GB with the natural preset; 2.0 GB" in result.stderr
    result = runner.invoke(app, ["run", str(tmp_path / "large.png")])
    _one_error_line(result, "large.png")
    assert "the limit is 16000000 pixels" in result.stderr
