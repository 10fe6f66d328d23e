"""``wavesegment batch``: mirroring, resuming, summaries, exit codes, Ctrl-C."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from wavesegment.cli import app
from wavesegment.io.batch import find_images, plan_tasks, run_batch
from wavesegment.io.export import write_label_map
from wavesegment.io.single import Request
from wavesegment.io.workers import Stop, executor

from .corpus import build_corpus, shapes_uint8

runner = CliRunner()


def _tree(root: Path, n_images: int = 3, size: int = 24) -> list[Path]:
    """Images at the root and in a subfolder, plus one that is not an image."""
    paths = []
    for index in range(n_images):
        folder = root if index % 2 == 0 else root / "sub" / "deeper"
        folder.mkdir(parents=True, exist_ok=True)
        paths.append(folder / f"image_{index}.png")
        Image.fromarray(shapes_uint8(size, seed=index)).save(paths[-1])
    return paths


def _outputs(output: Path) -> set[str]:
    return {path.relative_to(output).as_posix() for path in output.rglob("*") if path.is_file()}


def test_batch_mirrors_the_tree_and_writes_a_summary(tmp_path):
    _tree(tmp_path / "in")
    (tmp_path / "in" / "sub" / "broken.png").write_bytes(b"not a png")
    output = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(tmp_path / "in"), "-o", str(output), "-j", "1"])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines()[-1].startswith("failed: ")
    assert "broken.png: not a readable image" in result.stderr
    expected = {
        f"{folder}image_{index}_{kind}"
        for index, folder in ((0, ""), (1, "sub/deeper/"), (2, ""))
        for kind in ("labels.png", "overlay.png", "segments.json")
    }
    assert _outputs(output) == expected | {"summary.csv", "summary.json"}
    with open(output / "summary.csv", newline="", encoding="utf-8") as handle:
        rows = {row["path"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"image_0.png", "image_2.png", "sub/deeper/image_1.png", "sub/broken.png"}
    assert rows["sub/broken.png"]["status"] == "failed" and rows["sub/broken.png"]["error"]
    assert rows["sub/broken.png"]["failure"] == "bad input"
    done = rows["sub/deeper/image_1.png"]
    assert (done["status"], done["width"], done["height"]) == ("done", "24", "24")
    assert done["error"] == ""
    summary = json.loads((output / "summary.json").read_text())
    assert summary["counts"] == {"done": 3, "skipped": 0, "failed": 1}
    sidecar = json.loads((output / "sub/deeper/image_1_segments.json").read_text())
    areas = sidecar["segment_areas"]
    assert int(done["segments"]) == sidecar["n_segments"] == len(areas) - ("0" in areas)


def test_batch_resumes_and_overwrites(tmp_path):
    _tree(tmp_path / "in")
    output = tmp_path / "out"
    arguments = ["batch", str(tmp_path / "in"), "-o", str(output), "-j", "1", "-q"]
    assert runner.invoke(app, arguments).exit_code == 0
    sidecar = output / "image_0_segments.json"
    (output / "image_2_overlay.png").unlink()  # an incomplete set is redone
    before = sidecar.stat().st_mtime_ns
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0
    assert "1 done, 2 skipped" in result.stdout
    assert sidecar.stat().st_mtime_ns == before
    assert (output / "image_2_overlay.png").is_file()
    assert "3 done, 0 skipped" in runner.invoke(app, [*arguments, "--overwrite"]).stdout
    # Other options are another result: nothing is skipped, and the new format is written.
    result = runner.invoke(app, [*arguments, "--format", "npy", "--seed", "3"])
    assert "3 done, 0 skipped" in result.stdout
    assert np.load(output / "sub/deeper/image_1_labels.npy").dtype == np.uint16


def test_batch_of_the_bad_input_corpus(tmp_path):
    expectations = build_corpus(tmp_path / "in")
    output = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(tmp_path / "in"), "-o", str(output), "-j", "1"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    rows = json.loads((output / "summary.json").read_text())["images"]
    statuses = {row["path"]: row["status"] for row in rows}
    del expectations["folder.jpg"]  # a folder is searched, not segmented
    assert statuses == {
        name: "failed" if expectation == "error" else "done"
        for name, expectation in expectations.items()
    }
    for row in rows:
        assert "\n" not in row["error"]
        assert bool(row["warnings"]) == (expectations[row["path"]] == "warn"), row
    failures = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    assert len(failures) == sum(expectation == "error" for expectation in expectations.values())


def test_an_output_folder_inside_the_input_is_not_an_input(tmp_path):
    _tree(tmp_path, n_images=2)
    arguments = ["batch", str(tmp_path), "-o", str(tmp_path / "out"), "-j", "1", "-q"]
    assert "2 done" in runner.invoke(app, arguments).stdout
    assert "0 done, 2 skipped" in runner.invoke(app, arguments).stdout


def test_the_outputs_of_a_run_beside_its_image_are_not_inputs(tmp_path):
    """`run` writes beside the image by default: a batch over that folder segments the image,
    not its label map, overlay, masks or hierarchy; a damaged sidecar hides nothing."""
    (image,) = _tree(tmp_path, n_images=1)
    done = runner.invoke(app, ["run", str(image), "--masks", "--hierarchy"])
    assert done.exit_code == 0, done.output
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "other.png")
    (tmp_path / "other_segments.json").write_text("{not json")
    _, images = find_images(tmp_path)
    assert [path.name for path in images] == ["image_0.png", "other.png"]


def test_pictures_wavesegment_wrote_are_not_inputs(tmp_path):
    """explain's pictures, a contact sheet, a wave movie and label maps written without their
    sidecar carry wavesegment's mark: a batch leaves them out; a user's PNG, TIFF or GIF and a
    damaged file (whose error the batch reports) stay inputs."""
    (image,) = _tree(tmp_path, n_images=1)
    out = tmp_path / "out"
    commands = (
        ["run", str(image), "-o", str(out), "--animate", str(tmp_path / "waves.gif")],
        ["explain", str(image), "-o", str(tmp_path)],
        ["show", str(out), "-o", str(tmp_path / "sheet.png")],
    )
    for command in commands:
        done = runner.invoke(app, command)
        assert done.exit_code == 0, (command, done.output)
    for path in out.glob("image_0_*.png"):  # label map and overlay, parted from their sidecar
        path.rename(tmp_path / path.name)
    write_label_map(tmp_path / "copied_labels.tiff", np.eye(8, dtype=np.uint16))
    gray = shapes_uint8()
    Image.fromarray(gray).save(tmp_path / "mine.tif")
    Image.fromarray(gray).save(tmp_path / "mine.gif", comment="made by hand")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    _, images = find_images(tmp_path)
    names = [path.name for path in images]
    assert names == ["broken.png", "image_0.png", "mine.gif", "mine.tif"], names


def test_glob_inputs_and_shared_stems(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    gray = shapes_uint8()
    Image.fromarray(gray).save(folder / "a.png")
    Image.fromarray(gray).save(folder / "a.tif")
    Image.fromarray(gray).save(folder / "b.png")
    root, images = find_images(str(folder / "*.png"))
    assert root == folder and [path.name for path in images] == ["a.png", "b.png"]
    root, images = find_images(folder)
    stems = [task.stem for task in plan_tasks(root, images, tmp_path / "out")]
    assert stems == ["a.png", "a.tif", "b"]


def test_batch_with_two_worker_processes(tmp_path):
    _tree(tmp_path / "in", n_images=4)
    output = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(tmp_path / "in"), "-o", str(output), "-j", "2"])
    assert result.exit_code == 0, result.output
    assert "4 done" in result.stdout
    assert len(list(output.rglob("*_segments.json"))) == 4


def test_usage_errors_exit_with_2(tmp_path):
    result = runner.invoke(app, ["batch", str(tmp_path / "nowhere"), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "no such folder" in result.stderr
    result = runner.invoke(app, ["batch", str(tmp_path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "no image files" in result.stderr
    result = runner.invoke(app, ["batch", str(tmp_path), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "must differ" in result.stderr


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_leaves_whole_sets_and_the_next_run_finishes(tmp_path, jobs):
    # Enough images that the signal lands mid-batch even on a loaded machine.
    _tree(tmp_path / "in", n_images=24, size=96)
    output = tmp_path / "out"
    command = [str(Path(sys.executable).with_name("wavesegment")), "batch", str(tmp_path / "in")]
    command += ["-o", str(output), "-j", str(jobs), "-q"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    while not list(output.rglob("*_segments.json")) and process.poll() is None:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C does: the whole process group
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert stderr.startswith("error: interrupted") and len(stderr.strip().splitlines()) == 1
    files = _outputs(output)
    assert not [name for name in files if Path(name).name.startswith(".")]  # no temporary files
    stems = {name.rsplit("_", 1)[0] for name in files}
    for stem in stems:  # each image has all its outputs or none
        assert {f"{stem}_labels.png", f"{stem}_overlay.png", f"{stem}_segments.json"} <= files
    assert 0 < len(stems) < 24
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert f"{24 - len(stems)} done, {len(stems)} skipped" in finished.stdout


def test_a_killed_worker_fails_its_images_not_the_batch(tmp_path):
    _tree(tmp_path / "in", n_images=8, size=96)
    output = tmp_path / "out"
    command = [str(Path(sys.executable).with_name("wavesegment")), "batch", str(tmp_path / "in")]
    command += ["-o", str(output), "-j", "2", "-q"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    while not list(output.rglob("*_segments.json")) and process.poll() is None:
        time.sleep(0.01)
    workers = [  # worker processes, not multiprocessing's resource tracker
        pid
        for pid in map(int, children.read_text().split())
        if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    os.kill(workers[0], signal.SIGKILL)  # as the kernel's out-of-memory killer would
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr and "worker lost" in stderr
    rows = json.loads((output / "summary.json").read_text())["images"]
    assert {row["status"] for row in rows} == {"done", "failed"}
    assert {row["failure"] for row in rows if row["status"] == "failed"} == {"worker lost"}
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr


def test_scheduler_without_the_extra_is_a_one_line_error(tmp_path, monkeypatch):
    _tree(tmp_path / "in", n_images=1)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    arguments = ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out")]
    result = runner.invoke(app, [*arguments, "--scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --scheduler needs Dask: pip install")
    assert len(result.stderr.splitlines()) == 1


def _raise_a_bug(*args, **kwargs):
    raise ZeroDivisionError("division by zero")


def test_run_batch_reports_progress_and_why_images_failed(tmp_path, monkeypatch):
    _tree(tmp_path / "in", n_images=2)
    (tmp_path / "in" / "broken.png").write_bytes(b"not a png")
    calls = []
    summary = run_batch(
        tmp_path / "in", tmp_path / "out", Request(), jobs=1, progress=lambda *a: calls.append(a)
    )
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert summary.counts == {"done": 2, "skipped": 0, "failed": 1}
    assert [(r.path, r.failure) for r in summary.failed] == [("broken.png", "bad input")]
    assert summary.paths == (tmp_path / "out" / "summary.csv", tmp_path / "out" / "summary.json")
    # A bug is a failure of its own kind; the images done before are skipped.
    Image.fromarray(shapes_uint8(24, seed=7)).save(tmp_path / "in" / "new.png")
    monkeypatch.setattr("wavesegment.segmentation.segment", _raise_a_bug)
    calls.clear()
    summary = run_batch(
        tmp_path / "in", tmp_path / "out", Request(), jobs=1, progress=lambda *a: calls.append(a)
    )
    assert calls[0] == (0, 2) and summary.counts == {"done": 0, "skipped": 2, "failed": 2}
    failures = {record.path: (record.failure, record.error) for record in summary.failed}
    assert failures["new.png"][0] == "internal error"
    assert failures["new.png"][1].endswith(
        "new.png: internal error (a bug in wavesegment, please report it): "
        "ZeroDivisionError: division by zero"
    )


def _blas_threads() -> tuple[list[int], str | None]:
    import numpy  # noqa: F401  (loads OpenBLAS here, in the worker, after its initializer)
    from threadpoolctl import threadpool_info

    threads = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return threads, os.environ.get("OPENBLAS_NUM_THREADS")


def test_workers_run_one_blas_thread_and_leave_the_parent_as_it_was(monkeypatch):
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(variable, raising=False)
    before = dict(os.environ)
    with executor(2, None, Stop()) as pool:
        results = [future.result() for future in [pool.submit(_blas_threads) for _ in range(4)]]
    assert dict(os.environ) == before
    for threads, variable in results:
        assert threads and set(threads) == {1}, results
        assert variable == "1"
