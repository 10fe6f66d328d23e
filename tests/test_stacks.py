"""Multi-page and 3-D TIFFs: read with their spacing, segmented as a volume or as frames, and
written as 3-D 16-bit ImageJ label TIFFs."""

import csv
import json

import numpy as np
import pytest
import tifffile
from PIL import Image
from typer.testing import CliRunner

from wavesegment.cli import app
from wavesegment.io.stacks import is_stack_file, read_stack


def _cubes(shape=(10, 24, 24)):
    volume = np.full(shape, 100.0)
    volume[2:7, 3:11, 3:11] = volume[4:9, 13:21, 12:22] = 900.0
    return volume + np.random.default_rng(0).normal(scale=20, size=shape)


def _write_hyperstack(path, volume, spacing=(2.0, 0.5, 0.5)):
    dz, dy, dx = spacing
    tifffile.imwrite(
        path,
        volume.astype(np.uint16),
        imagej=True,
        resolution=(1 / dx, 1 / dy),
        metadata={"spacing": dz, "unit": "um", "axes": "ZYX"},
    )


def test_an_imagej_hyperstack_is_a_volume_with_its_spacing(tmp_path):
    _write_hyperstack(tmp_path / "cells.tif", _cubes())
    stack = read_stack(tmp_path / "cells.tif")
    assert stack.is_volume and stack.spacing == pytest.approx((2.0, 0.5, 0.5))
    tifffile.imwrite(tmp_path / "pages.tif", _cubes().astype(np.uint16))
    assert not read_stack(tmp_path / "pages.tif").is_volume
    tifffile.imwrite(tmp_path / "flat.tif", np.zeros((8, 8), np.uint16))
    assert is_stack_file(tmp_path / "cells.tif") and not is_stack_file(tmp_path / "flat.tif")


def test_run_writes_a_3d_label_tiff_with_the_spacing_kept(tmp_path):
    _write_hyperstack(tmp_path / "cells.tif", _cubes())
    done = CliRunner().invoke(
        app, ["run", str(tmp_path / "cells.tif"), "--preset", "published", "-o", str(tmp_path)]
    )
    assert done.exit_code == 0, done.output
    assert "a volume" in done.output
    with tifffile.TiffFile(tmp_path / "cells_labels.tiff") as tiff:
        labels = tiff.asarray()
        assert tiff.series[0].axes == "ZYX" and tiff.imagej_metadata["spacing"] == 2.0
        assert tiff.pages[0].tags["XResolution"].value == (2, 1)
    assert labels.shape == (10, 24, 24) and labels.dtype == np.uint16
    truth = _cubes() > 500
    assert np.mean((labels > 0) == truth) > 0.95
    assert (tmp_path / "cells_overlay.png").is_file()


def test_frames_are_segmented_each_on_its_own(tmp_path):
    _write_hyperstack(tmp_path / "cells.tif", _cubes((3, 24, 24)))
    done = CliRunner().invoke(
        app,
        ["run", str(tmp_path / "cells.tif"), "--stack", "frames", "--preset", "published"],
    )
    assert done.exit_code == 0, done.output
    with tifffile.TiffFile(tmp_path / "cells_labels.tiff") as tiff:
        assert tiff.series[0].axes == "TYX" and tiff.asarray().shape == (3, 24, 24)


def test_a_bad_spacing_is_one_error_line(tmp_path):
    _write_hyperstack(tmp_path / "cells.tif", _cubes())
    done = CliRunner().invoke(app, ["run", str(tmp_path / "cells.tif"), "--spacing", "1,2"])
    assert done.exit_code == 2 and "spacing" in done.output


# Batches and the options of `run` on stacks: an 8 x 32 x 32 volume of two blobs (ImageJ, with
# spacing), a 3-frame ImageJ time series and a 2-D image in one folder.


def _blobs(shape=(8, 32, 32)):
    volume = np.full(shape, 100.0)
    volume[2:6, 4:14, 4:14] = volume[3:7, 18:28, 16:28] = 900.0
    return volume + np.random.default_rng(1).normal(scale=20, size=shape)


def _mixed_folder(folder):
    folder.mkdir()
    _write_hyperstack(folder / "cells.tif", _blobs())
    frames = _blobs((3, 32, 32)).astype(np.uint16)
    tifffile.imwrite(folder / "movie.tif", frames, imagej=True, metadata={"axes": "TYX"})
    picture = np.zeros((32, 32), np.uint8)
    picture[8:20, 8:20] = 200
    Image.fromarray(picture).save(folder / "square.png")
    return folder


def _batch(source, output, *options):
    arguments = ["batch", str(source), "-o", str(output), "-q", "--preset", "published"]
    return CliRunner().invoke(app, [*arguments, *options])


def _rows(output):
    with open(output / "summary.csv", newline="", encoding="utf-8") as handle:
        return {row["path"]: row for row in csv.DictReader(handle)}


def test_batch_segments_stacks_beside_images_and_resumes(tmp_path):
    source, output = _mixed_folder(tmp_path / "in"), tmp_path / "out"
    done = _batch(source, output, "-j", "2", "--max-pixels", "10000")  # 2 workers fit
    assert done.exit_code == 0, done.output
    names = {path.name for path in output.iterdir()}
    for stem, labels in (("cells", "tiff"), ("movie", "tiff"), ("square", "png")):
        assert {f"{stem}_labels.{labels}", f"{stem}_overlay.png", f"{stem}_segments.json"} <= names
    rows = _rows(output)
    assert [rows[name]["pages"] for name in ("cells.tif", "movie.tif", "square.png")] == [
        "8",
        "3",
        "",
    ]
    with tifffile.TiffFile(output / "cells_labels.tiff") as tiff:
        assert tiff.series[0].axes == "ZYX" and tiff.imagej_metadata["spacing"] == 2.0
        labels = tiff.asarray()
    assert int(rows["cells.tif"]["segments"]) == labels.max() > 0
    assert np.mean((labels > 0) == (_blobs() > 500)) > 0.9
    with tifffile.TiffFile(output / "movie_labels.tiff") as tiff:
        assert tiff.series[0].axes == "TYX" and tiff.asarray().shape == (3, 32, 32)
    # A second run skips all three; --stack volume redoes the stacks, not the image.
    again = _batch(source, output, "-j", "1")
    assert again.exit_code == 0 and "0 done, 3 skipped" in again.output, again.output
    volume = _batch(source, output, "-j", "1", "--stack", "volume")
    assert "2 done, 1 skipped" in volume.output, volume.output
    assert _rows(output)["square.png"]["status"] == "skipped"
    with tifffile.TiffFile(output / "movie_labels.tiff") as tiff:
        assert tiff.series[0].axes == "ZYX"
    shown = CliRunner().invoke(app, ["show", str(output)])  # a stack's row: its middle slice
    assert shown.exit_code == 0 and (output / "contact_sheet.png").is_file(), shown.output


def test_a_batch_fails_a_stack_it_cannot_write_in_one_line_and_does_the_rest(tmp_path):
    source, output = _mixed_folder(tmp_path / "in"), tmp_path / "out"
    done = _batch(source, output, "-j", "1", "--format", "png", "--max-pixels", "2000")
    assert done.exit_code == 1, done.output
    rows = _rows(output)
    assert rows["square.png"]["status"] == "done"
    for name in ("cells.tif", "movie.tif"):
        assert rows[name]["failure"] == "bad input" and name in rows[name]["error"]
        assert "use --format tiff (the default for stacks) or npy" in rows[name]["error"]
    failed = [line for line in done.stderr.splitlines() if line.startswith("failed: ")]
    assert len(failed) == 2
    assert not list(output.glob("cells_*")) and not list(output.glob("movie_*"))


def test_interrupted_stack_outputs_are_removed(tmp_path):
    from wavesegment.io.batch import _discard_incomplete, plan_tasks
    from wavesegment.io.single import Request

    source = _mixed_folder(tmp_path / "in")
    tasks = plan_tasks(source, [source / "cells.tif"], tmp_path / "out")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "cells_labels.tiff").write_bytes(b"half")  # no sidecar: incomplete
    _discard_incomplete(tasks, Request())
    assert not (tmp_path / "out" / "cells_labels.tiff").exists()


def test_run_writes_a_volume_as_npy_with_3d_masks(tmp_path):
    _write_hyperstack(tmp_path / "cells.tif", _blobs())
    arguments = ["run", str(tmp_path / "cells.tif"), "--preset", "published", "-o", str(tmp_path)]
    done = CliRunner().invoke(app, [*arguments, "--format", "npy", "--masks"])
    assert done.exit_code == 0, done.output
    labels = np.load(tmp_path / "cells_labels.npy")
    assert labels.shape == (8, 32, 32) and labels.dtype == np.uint16 and labels.max() > 0
    masks = sorted(tmp_path.glob("cells_mask_*.tif"))
    assert len(masks) == labels.max()
    for label, path in enumerate(masks, start=1):
        with tifffile.TiffFile(path) as tiff:
            assert tiff.series[0].axes == "ZYX" and tiff.imagej_metadata["spacing"] == 2.0
            assert np.array_equal(tiff.asarray() == 255, labels == label)
    sidecar = json.loads((tmp_path / "cells_segments.json").read_text())
    assert sidecar["outputs"][0] == "cells_labels.npy" and sidecar["spacing"] == [2.0, 0.5, 0.5]
    assert sidecar["image_size"] == {"depth": 8, "height": 32, "width": 32}
    assert sidecar["request"]["label_format"] == "npy" and sidecar["mode"] == "volume"
    # The overlay: a montage of the 8 slices, 3 x 3 tiles of 32 x 32.
    assert np.asarray(Image.open(tmp_path / "cells_overlay.png")).shape == (96, 96, 3)
    # Again as a TIFF without masks: the masks and the NPY of the earlier set are removed.
    done = CliRunner().invoke(app, [*arguments, "--format", "tiff"])
    assert done.exit_code == 0, done.output
    assert {path.name for path in tmp_path.glob("cells_*")} == {
        "cells_labels.tiff",
        "cells_overlay.png",
        "cells_segments.json",
    }


def test_frames_are_the_pages_segmented_each_alone(tmp_path):
    from wavesegment import segment

    frames = _blobs((3, 32, 32)).astype(np.uint16)
    tifffile.imwrite(tmp_path / "movie.tif", frames, imagej=True, metadata={"axes": "TYX"})
    done = CliRunner().invoke(
        app, ["run", str(tmp_path / "movie.tif"), "--preset", "published", "--masks"]
    )
    assert done.exit_code == 0 and "3 frames" in done.output, done.output
    labels = tifffile.imread(tmp_path / "movie_labels.tiff")
    for page, labelled in zip(frames, labels, strict=True):
        alone = segment(page.astype(np.float64), preset="published").labels
        assert np.array_equal(labelled, alone)
    sidecar = json.loads((tmp_path / "movie_segments.json").read_text())
    assert sidecar["segments_per_frame"] == [int(page.max()) for page in labels]
    assert sidecar["n_segments"] == labels.max() and len(sidecar["parameters"]) == 3
    with tifffile.TiffFile(tmp_path / "movie_mask_01.tif") as tiff:
        assert tiff.series[0].axes == "TYX"
        assert np.array_equal(tiff.asarray() == 255, labels == 1)
    # The overlay: a montage of the 3 frames, 2 x 2 tiles.
    assert np.asarray(Image.open(tmp_path / "movie_overlay.png")).shape == (64, 64, 3)


@pytest.mark.parametrize(
    "options, message",
    [
        (["--format", "png"], "a stack's labels are 3-D, which PNG cannot hold: use --format tiff"),
        (["--max-pixels", "4000"], "8192 voxels would need about"),
        (["--hierarchy"], "--hierarchy is for 2-D images only"),
        (["--shape-spectra", "--animate", "w.gif"], "--shape-spectra, --animate are for 2-D"),
        (["--spacing", "2,0,1"], "--spacing must be three positive numbers"),
        (["--spacing", "2,1,1", "--preset", "published"], "leave --spacing out"),
    ],
)
def test_what_a_stack_cannot_do_is_one_error_line_and_nothing_written(tmp_path, options, message):
    _write_hyperstack(tmp_path / "cells.tif", _blobs())
    done = CliRunner().invoke(app, ["run", str(tmp_path / "cells.tif"), *options])
    assert done.exit_code == 2, done.output
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert [path.name for path in tmp_path.iterdir()] == ["cells.tif"]


def test_stack_options_on_an_image_are_refused(tmp_path):
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(tmp_path / "flat.png")
    done = CliRunner().invoke(app, ["run", str(tmp_path / "flat.png"), "--stack", "frames"])
    assert done.exit_code == 2 and "are for multi-page TIFFs" in done.stderr, done.output


def test_split_necks_parts_touching_balls_in_run_and_batch(tmp_path):
    """Two touching balls of one intensity: one segment, two once cut at their neck; the
    option reaches both commands and is recorded in the sidecar."""
    z, y, x = np.mgrid[:12, :40, :40]
    volume = np.full(z.shape, 100.0)
    for centre in (13, 27):
        volume[(z - 6) ** 2 * 4 + (y - 20) ** 2 + (x - centre) ** 2 < 64] = 900.0
    volume += np.random.default_rng(0).normal(scale=5, size=volume.shape)
    _write_hyperstack(tmp_path / "balls.tif", volume, spacing=(2.0, 1.0, 1.0))
    balls = [(volume > 500) & (x < 20), (volume > 500) & (x >= 20)]
    majority = {}
    for command, options in (("run", []), ("batch", ["--split-necks", "1.5"])):
        source = tmp_path / "balls.tif" if command == "run" else tmp_path
        out = tmp_path / command
        done = CliRunner().invoke(app, [command, str(source), "-o", str(out), *options])
        assert done.exit_code == 0, done.output
        labels = tifffile.imread(out / "balls_labels.tiff")
        majority[command] = [np.bincount(labels[ball]).argmax() for ball in balls]
        sidecar = json.loads((out / "balls_segments.json").read_text())
        assert sidecar["request"].get("split_necks") == (1.5 if options else None)
    assert majority["run"][0] == majority["run"][1]  # one segment
    assert majority["batch"][0] != majority["batch"][1]  # parted at the neck


def test_a_truncated_tiff_is_one_error_line_and_nothing_else(tmp_path):
    """tifffile logs what it finds damaged; the command says it once, in its own line."""
    import subprocess
    import sys
    from pathlib import Path

    _write_hyperstack(tmp_path / "cells.tif", _cubes())
    data = (tmp_path / "cells.tif").read_bytes()
    (tmp_path / "broken.tif").write_bytes(data[:300])
    command = [str(Path(sys.executable).with_name("wavesegment")), "run", "broken.tif"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [done.stderr.strip()] and "error: broken.tif" in done.stderr
