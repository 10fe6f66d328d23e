"""Nothing lost, nothing stale: output names that never clash, resume that checks what it
resumes, leftovers of killed runs removed, workers bounded."""

import json
import os
from pathlib import Path

import numpy as np
from PIL import Image
from typer.testing import CliRunner

from wavesegment.cli import app
from wavesegment.io.batch import plan_tasks
from wavesegment.io.resources import worker_count
from wavesegment.io.single import Request
from wavesegment.io.workers import cores

from .corpus import shapes_uint8

runner = CliRunner()


def _batch(source: Path, output: Path, *options: str):
    result = runner.invoke(
        app, ["batch", str(source), "-o", str(output), "-j", "1", "-q", *options]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def _save(path: Path, seed: int = 0, size: int = 24) -> None:
    Image.fromarray(shapes_uint8(size, seed=seed)).save(path, format="PNG")


def test_inputs_whose_names_clash_keep_their_own_outputs(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    names = ["a.png", "a.jpg", "a_png.png", "b.png", "b.PNG", "c.png"]
    for seed, name in enumerate(names):
        Image.fromarray(shapes_uint8(24, seed=seed)).save(source / name, format="PNG")
    assert "6 done, 0 skipped" in _batch(source, tmp_path / "out")
    sidecars = list((tmp_path / "out").glob("*_segments.json"))
    assert len(sidecars) == 6
    inputs = {json.loads(path.read_text())["input"] for path in sidecars}
    assert inputs == {str((source / name).resolve()) for name in names}
    # No two outputs differ only by case: they would be one file on macOS or Windows.
    files = [path.name.casefold() for path in (tmp_path / "out").iterdir()]
    assert len(files) == len(set(files))
    assert "0 done, 6 skipped" in _batch(source, tmp_path / "out")


def test_folders_that_differ_only_by_case_get_separate_stems(tmp_path):
    images = [tmp_path / "A/x.png", tmp_path / "a/x.png", tmp_path / "a/y.png"]
    tasks = plan_tasks(tmp_path, images, tmp_path / "out")
    keys = {(task.folder.as_posix().casefold(), task.stem.casefold()) for task in tasks}
    assert len(keys) == 3 and tasks[2].stem == "y"


def test_a_changed_input_or_a_damaged_output_is_redone(tmp_path):
    source, output = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    for index in range(3):
        _save(source / f"image_{index}.png", seed=index)
    assert "3 done" in _batch(source, output)
    # Another picture under the same name, with the same size and modification time.
    replaced = source / "image_0.png"
    stat = replaced.stat()
    _save(replaced, seed=7)
    os.utime(replaced, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    (output / "image_1_labels.png").write_bytes(b"")  # a 0-byte label map is not complete
    assert "2 done, 1 skipped" in _batch(source, output)
    sidecar = json.loads((output / "image_0_segments.json").read_text())
    assert sidecar["fingerprints"]["input"]["size"] == replaced.stat().st_size
    assert (output / "image_1_labels.png").stat().st_size > 0
    os.utime(replaced)  # touched, not changed: still complete
    assert "0 done, 3 skipped" in _batch(source, output)


def test_outputs_an_earlier_run_wrote_and_this_one_does_not_are_removed(tmp_path):
    source, output = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    _save(source / "image.png", size=32)
    _batch(source, output, "--masks", "-k", "4", "--preset", "published")
    assert len(list(output.glob("image_mask_*.png"))) == 4
    _batch(source, output, "--masks", "-k", "2", "--preset", "published", "--format", "tiff")
    assert sorted(path.name for path in output.glob("image_*")) == [
        "image_labels.tiff",
        "image_mask_01.png",
        "image_mask_02.png",
        "image_overlay.png",
        "image_segments.json",
    ]


def test_temporary_files_of_killed_runs_are_removed(tmp_path):
    source, output = tmp_path / "in", tmp_path / "out"
    (output / "sub").mkdir(parents=True)
    source.mkdir()
    _save(source / "image.png")
    dead = [
        output / ".wavesegment-999999999-image_labels-abc.png",
        source / ".wavesegment-999999999-image_labels-abc.png",
    ]
    running = output / f".wavesegment-{os.getpid()}-other_labels-abc.png"  # a concurrent run
    for path in [*dead, running]:
        path.write_bytes(b"")
    _batch(source, output)
    assert not dead[0].exists() and running.exists()
    # run tidies the folder it writes to.
    result = runner.invoke(app, ["run", str(source / "image.png")])
    assert result.exit_code == 0, result.output
    assert not dead[1].exists()


def test_workers_are_bounded_by_cores_images_and_memory(tmp_path, monkeypatch):
    images = []
    for index in range(3):
        images.append(tmp_path / f"image_{index}.png")
        _save(images[-1])
    assert worker_count(1000, images, Request()) <= min(cores(), 3)
    assert worker_count(None, images[:1], Request()) == 1
    monkeypatch.setattr("wavesegment.io.resources.cores", lambda: 64)
    monkeypatch.setattr("wavesegment.io.images.available_memory", lambda: 1_000_000_000)
    # 0.3 GB per worker before its image: at most three fit into 1 GB.
    assert worker_count(1000, images, Request()) == 3
    monkeypatch.setattr("wavesegment.io.images.available_memory", lambda: 100_000_000)
    assert worker_count(1000, images, Request()) == 1


def test_a_stack_counts_all_its_pages_when_workers_are_sized(tmp_path, monkeypatch):
    """A TIFF written page by page is read whole: its memory is all its voxels, not a page's."""
    import tifffile

    plane = np.zeros((100, 100), np.uint16)
    with tifffile.TiffWriter(tmp_path / "pages.tif") as tiff:
        for _ in range(40):  # one series per page, as some microscopes write
            tiff.write(plane)
    _save(tmp_path / "photo.png")
    monkeypatch.setattr("wavesegment.io.resources.cores", lambda: 64)
    # 0.3 GB per worker, and 150 bytes per voxel: 400 000 voxels need 0.06 GB more.
    monkeypatch.setattr("wavesegment.io.images.available_memory", lambda: 1_000_000_000)
    assert worker_count(1000, [tmp_path / "photo.png"] * 3, Request()) == 3
    assert worker_count(1000, [tmp_path / "pages.tif"] * 3, Request()) == 2
