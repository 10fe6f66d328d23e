"""Multi-page and 3-D TIFFs: read with their spacing, segmented as a volume or as frames, and
written as 3-D 16-bit ImageJ label TIFFs."""

import numpy as np
import pytest
import tifffile
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
    with tifffile.TiffFile(tmp_path / "cells_labels.tif") as tiff:
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
    with tifffile.TiffFile(tmp_path / "cells_labels.tif") as tiff:
        assert tiff.series[0].axes == "TYX" and tiff.asarray().shape == (3, 24, 24)


def test_a_bad_spacing_is_one_error_line(tmp_path):
    _write_hyperstack(tmp_path / "cells.tif", _cubes())
    done = CliRunner().invoke(app, ["run", str(tmp_path / "cells.tif"), "--spacing", "1,2"])
    assert done.exit_code == 2 and "spacing" in done.output
