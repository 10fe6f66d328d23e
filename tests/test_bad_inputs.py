"""Awkward inputs: each one is segmented correctly or gets a one-line error, never a traceback."""

import json
import os

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from wavesegment.cli import app
from wavesegment.io.images import (
    BYTES_PER_PIXEL,
    IMAGE_SUFFIXES,
    ImageError,
    memory_needed,
    read_image,
)

from .corpus import build_corpus, png_header_only, shapes_uint8

runner = CliRunner()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    return folder, build_corpus(folder)


def _assert_one_line_error(result, code=2):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


def test_run_on_every_corpus_file(corpus, tmp_path):
    folder, expectations = corpus
    for name, expectation in expectations.items():
        output = tmp_path / name.replace(".", "_")
        result = runner.invoke(app, ["run", str(folder / name), "-o", str(output)])
        if expectation == "error":
            _assert_one_line_error(result)
            assert not output.exists() or not any(output.iterdir()), name
            continue
        assert result.exit_code == 0, (name, result.output)
        assert ("warning: " in result.stderr) == (expectation == "warn"), (name, result.stderr)
        stem = (folder / name).stem
        labels = np.asarray(Image.open(output / f"{stem}_labels.png"))
        sidecar = json.loads((output / f"{stem}_segments.json").read_text(encoding="utf-8"))
        assert labels.shape == (sidecar["image_size"]["height"], sidecar["image_size"]["width"])
        assert labels.max() == sidecar["n_segments"]


def test_errors_say_what_is_wrong(corpus):
    folder, _ = corpus
    messages = {}
    for name in ("zero_bytes.png", "text.png", "folder.jpg", "bomb.png", "truncated.jpg"):
        with pytest.raises(ImageError) as error:
            read_image(folder / name)
        messages[name] = str(error.value)
    assert "not a file" in messages["folder.jpg"]
    assert "decompression bomb" in messages["bomb.png"]
    assert all("\n" not in message for message in messages.values())


def test_exif_orientation_is_honoured(corpus):
    folder, _ = corpus
    stored = Image.open(folder / "exif_rotated.jpg")
    assert read_image(folder / "exif_rotated.jpg").shape[:2] == (stored.width, stored.height)


def test_nan_pixels_are_filled_with_a_warning(corpus):
    folder, _ = corpus
    with pytest.warns(UserWarning, match="9 NaN"):
        pixels = read_image(folder / "nan_float.tif")
    assert np.isfinite(pixels).all()


def test_animated_gif_reads_the_first_frame(corpus):
    folder, _ = corpus
    with pytest.warns(UserWarning, match="first of 3 frames"):
        first = read_image(folder / "animated.gif")
    np.testing.assert_array_equal(first[..., 0], shapes_uint8())


def test_max_pixels_refuses_from_the_header(tmp_path):
    path = tmp_path / "big.png"
    Image.fromarray(np.zeros((100, 120), np.uint8)).save(path)
    with pytest.raises(ImageError, match="120x100 pixels would need about"):
        read_image(path, max_pixels=10_000)
    assert read_image(path, max_pixels=12_000).shape == (100, 120)
    result = runner.invoke(app, ["run", str(path), "--max-pixels", "100", "-o", str(tmp_path)])
    _assert_one_line_error(result)
    assert "--max-pixels" in result.stderr


@pytest.mark.parametrize("preset", sorted(BYTES_PER_PIXEL))
def test_too_large_says_the_memory_of_the_preset(tmp_path, preset):
    path = tmp_path / "large.png"
    path.write_bytes(png_header_only(4000, 4000))  # the header alone: 16 MP
    gigabytes = memory_needed(16_000_000, preset) / 1e9
    message = f"4000x4000 pixels would need about {gigabytes:.1f} GB with the {preset} preset"
    with pytest.raises(ImageError, match=message):
        read_image(path, max_pixels=10**6, preset=preset)
    arguments = ["run", str(path), "--preset", preset, "-o", str(tmp_path / "out")]
    result = runner.invoke(app, [*arguments, "--max-pixels", "1000000"])
    _assert_one_line_error(result)
    assert message in result.stderr


def test_every_image_suffix_is_readable(tmp_path):
    import tifffile

    gray = shapes_uint8()
    for suffix in IMAGE_SUFFIXES:
        path = tmp_path / f"image{suffix}"
        if suffix in (".tif", ".tiff"):
            tifffile.imwrite(path, gray)
        else:
            Image.fromarray(gray).save(path)  # Pillow picks the format by the suffix
        pixels = read_image(path)
        assert pixels.shape[:2] == gray.shape, suffix
        if suffix not in (".jpg", ".jpeg", ".webp"):  # lossy
            np.testing.assert_array_equal(pixels if pixels.ndim == 2 else pixels[..., 0], gray)


def test_max_pixels_checks_tiff_headers(tmp_path):
    import tifffile

    tifffile.imwrite(tmp_path / "big.tif", np.zeros((50, 60, 3), np.uint8))
    with pytest.raises(ImageError, match="60x50 pixels"):
        read_image(tmp_path / "big.tif", max_pixels=2_000)


def test_missing_and_unreadable_files(tmp_path):
    (tmp_path / "dangling.png").symlink_to(tmp_path / "gone.png")
    _assert_one_line_error(runner.invoke(app, ["run", str(tmp_path / "dangling.png")]))
    locked = tmp_path / "locked.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(locked)
    locked.chmod(0)
    if os.access(locked, os.R_OK):
        pytest.skip("running with privileges that read any file (root)")
    _assert_one_line_error(runner.invoke(app, ["run", str(locked)]))
