"""Label maps other tools read as they are, masks, sidecars, whole sets, reproducible bytes."""

import json
import os
import stat

import numpy as np
import pytest
from PIL import Image
from skimage import io as skio
from typer.testing import CliRunner

from wavesegment import segment
from wavesegment.cli import app
from wavesegment.io.export import write_label_map, write_outputs

from .corpus import shapes_uint8

runner = CliRunner()


@pytest.fixture(scope="module")
def image_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("input") / "shapes.png"
    Image.fromarray(shapes_uint8(24)).save(path)
    return path


@pytest.mark.parametrize("label_format", ["png", "tiff", "npy"])
def test_label_maps_are_16_bit_and_byte_identical(image_file, tmp_path, label_format):
    contents = []
    for run in ("first", "second"):
        arguments = ["run", str(image_file), "-o", str(tmp_path / run), "--format", label_format]
        result = runner.invoke(app, [*arguments, "--seed", "5", "--masks"])
        assert result.exit_code == 0, result.output
        contents.append((tmp_path / run / f"shapes_labels.{label_format}").read_bytes())
    assert contents[0] == contents[1]
    path = tmp_path / "first" / f"shapes_labels.{label_format}"
    labels = np.load(path) if label_format == "npy" else skio.imread(path)
    assert labels.dtype == np.uint16 and labels.shape == (24, 24)
    sidecar = json.loads((tmp_path / "first" / "shapes_segments.json").read_text())
    assert sidecar["seed"] == 5 and sidecar["request"]["label_format"] == label_format
    areas = {int(label): area for label, area in sidecar["segment_areas"].items()}
    assert areas == dict(zip(*np.unique(labels, return_counts=True), strict=True))
    for label in range(1, sidecar["n_segments"] + 1):
        mask = np.asarray(Image.open(tmp_path / "first" / f"shapes_mask_{label:02d}.png"))
        np.testing.assert_array_equal(mask == 255, labels == label)


def test_sidecar_records_the_run(image_file, tmp_path):
    runner.invoke(
        app, ["run", str(image_file), "-o", str(tmp_path), "-k", "2", "--preset", "published"]
    )
    sidecar = json.loads((tmp_path / "shapes_segments.json").read_text())
    assert sidecar["wavesegment_version"] == "0.1.0"
    assert sidecar["input"] == str(image_file.resolve())
    assert sidecar["image_size"] == {"width": 24, "height": 24}
    assert sidecar["parameters"]["segments"] == 2 and sidecar["n_segments"] == 2
    assert {"layer1", "layer2", "readout", "total", "read"} <= set(sidecar["timings"])
    assert sidecar["outputs"] == ["shapes_labels.png", "shapes_overlay.png"]


def test_a_failed_write_leaves_no_part_of_the_set(tmp_path, monkeypatch):
    image = shapes_uint8(24).astype(float)
    result = segment(image)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("wavesegment.io.export.write_overlay", full_disk)
    with pytest.raises(OSError):
        write_outputs(tmp_path, "shapes", image, result, request={}, masks=True)
    assert list(tmp_path.iterdir()) == []


def test_outputs_are_readable_by_others(image_file, tmp_path):
    runner.invoke(app, ["run", str(image_file), "-o", str(tmp_path)])
    mode = (tmp_path / "shapes_labels.png").stat().st_mode
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(mode) == 0o666 & ~umask


def test_the_label_map_writer_refuses_what_it_cannot_write(tmp_path):
    with pytest.raises(ValueError, match="suffix must be one of png, tiff, npy"):
        write_label_map(tmp_path / "labels.jpg", np.zeros((2, 2), int))
    with pytest.raises(ValueError, match="65535"):
        write_label_map(tmp_path / "labels.png", np.array([[0, 70_000]]))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "pixels",
    [
        np.arange(35 * 23, dtype=np.uint16).reshape(35, 23) * 79,  # a label map, 16 bits
        np.random.default_rng(3).integers(0, 256, (17, 29, 3), dtype=np.uint8),  # an overlay
        np.random.default_rng(4).integers(0, 256, (40, 60), dtype=np.uint8)[::2, ::3],  # a view
    ],
)
def test_pngs_hold_the_pixels_and_the_mark(tmp_path, pixels):
    from wavesegment.files import write_png, written_by_wavesegment

    write_png(tmp_path / "picture.png", pixels)
    with Image.open(tmp_path / "picture.png") as written:
        written.verify()  # every chunk's CRC, the inserted mark's included
    np.testing.assert_array_equal(skio.imread(tmp_path / "picture.png"), pixels)
    assert written_by_wavesegment(tmp_path / "picture.png")
