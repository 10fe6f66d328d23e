"""Wave movie, projection plot, contact sheet, and the engines' trace behind the movie."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from wavesegment import segment
from wavesegment.cli import app
from wavesegment.network import random_initial_state
from wavesegment.pictures.colours import phase_colours, segment_colours, to_uint8
from wavesegment.pictures.pictures import projection_plot, relative_phases

from .corpus import shapes_uint8

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[1] / "sample_images"


@pytest.fixture(scope="module")
def traced():
    return segment(
        shapes_uint8(24).astype(float),
        segments=2,
        engine="exact",
        trace_every=10,
        preset="published",
    )


def test_trace_is_the_same_in_both_engines_and_changes_nothing_else(traced):
    image = shapes_uint8(24).astype(float)
    plain = segment(image, segments=2, engine="numba", preset="published")
    stepped = segment(image, segments=2, engine="numba", trace_every=10, preset="published")
    np.testing.assert_array_equal(plain.labels, stepped.labels)
    assert plain.grid.trace is None
    layer1, layer2 = stepped.grid.trace
    assert layer1.shape == (6, 24, 24) and layer2.shape == (13, 24, 24)  # steps 0..59, 0..120
    np.testing.assert_allclose(layer1[0], random_initial_state((24, 24), 0), atol=1e-6)
    assert not layer2[:, stepped.background].any()  # the background is out of layer 2
    # The closed form is ill-conditioned in the first steps of layer 1 on an image with two
    # intensities: omega takes two values, so hundreds of eigenvalues sit at +-i omega and
    # their eigenvectors are nearly dependent (condition ~1e19). From step 10 on the leading,
    # well-conditioned modes govern and the engines agree.
    exact1, exact2 = traced.grid.trace
    first_compared = 1  # trace index of step 10
    for exact, numba in [(exact1[first_compared:], layer1[first_compared:]), (exact2, layer2)]:
        assert np.abs(np.angle(exact * numba.conj())).max() < 1e-3


def test_phase_colours_use_a_cyclic_map():
    colours = to_uint8(phase_colours(np.exp(1j * np.array([-np.pi, 0.0, np.pi - 1e-9, 0.5]))))
    np.testing.assert_array_equal(colours[0], colours[2])  # -pi and pi look the same
    assert tuple(colours[1]) == (0, 255, 255)
    assert tuple(to_uint8(phase_colours(np.zeros(1, complex)))[0]) == (0, 0, 0)  # silent: black
    assert tuple(phase_colours(np.array([np.nan]))[0]) == (0.5, 0.5, 0.5)  # outside: grey


def test_run_writes_a_wave_movie_and_a_projection_plot(tmp_path):
    path = tmp_path / "shapes.png"
    Image.fromarray(shapes_uint8(24)).save(path)
    movie, plot = tmp_path / "waves.gif", tmp_path / "projection.png"
    arguments = ["run", str(path), "--animate", str(movie), "--plot-projection", str(plot)]
    result = runner.invoke(app, [*arguments, "--preset", "published"])
    assert result.exit_code == 0, result.output
    with Image.open(movie) as gif:
        assert gif.n_frames == 30 + 61  # every second step of layer 1 (0..58), layer 2 (0..120)
    result = runner.invoke(app, arguments)  # natural: layer 2 runs to step 840
    assert result.exit_code == 0, result.output
    with Image.open(movie) as gif:
        assert gif.n_frames == 15 + 196  # every fourth step of layer 1 (0..56), layer 2 (0..780)
        assert gif.size == (320, 320 + 16)
    with Image.open(plot) as picture:
        assert picture.size == (3 * 280, 280 + 16)


def test_projection_plot_colours_units_by_segment(traced):
    picture = projection_plot(traced)
    colours = segment_colours(traced.n_segments)
    for label in range(1, traced.n_segments + 1):
        assert (picture == colours[label]).all(axis=-1).any()


def test_contact_sheet_of_a_batch(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in range(2):
        Image.fromarray(shapes_uint8(24, seed=seed)).save(folder / f"image_{seed}.png")
    (folder / "broken.png").write_bytes(b"")
    output = tmp_path / "out"
    runner.invoke(app, ["batch", str(folder), "-o", str(output), "-j", "1", "-q"])
    result = runner.invoke(app, ["show", str(output)])
    assert result.exit_code == 0, result.output
    with Image.open(output / "contact_sheet.png") as sheet:
        assert sheet.size == (3 * 200, 2 * (200 + 16) + (4 + 16))
        red, green = np.asarray(sheet)[..., 0].astype(int), np.asarray(sheet)[..., 1]
        assert ((red - green > 100) & (red > 150))[-20:].any()  # the failure, in red text
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["show", str(empty)])
    assert result.exit_code == 2 and result.stderr.startswith("error: ")


def test_relative_phases_magnify_small_differences():
    phasors = np.exp(1j * (2.0 + np.array([0.0, 1e-5, -1e-5, 0.0])))
    shown, gain = relative_phases(np.append(phasors, 0))
    assert gain > 1e4 and shown[-1] == 0
    assert abs(np.angle(shown[1])) > 1 and abs(np.angle(shown[0])) < 1e-6
    assert relative_phases(np.exp(1j * np.linspace(-3, 3, 50)))[1] == 1.0


def test_every_picture_of_an_image_larger_than_the_working_grid(tmp_path):
    """The movie, the projection and the explain figure draw the grid's arrays, the overlay
    the image's own: on a photo larger than the grid, none mixes them up."""
    photo = SAMPLES / "coffee.jpg"
    movie, plot = tmp_path / "waves.gif", tmp_path / "projection.png"
    arguments = ["run", str(photo), "-o", str(tmp_path), "--animate", str(movie)]
    result = runner.invoke(app, [*arguments, "--plot-projection", str(plot)])
    assert result.exit_code == 0, result.output
    sidecar = json.loads((tmp_path / "coffee_segments.json").read_text())
    rows, cols = sidecar["parameters"]["grid"]
    assert rows * cols < sidecar["image_size"]["width"] * sidecar["image_size"]["height"]
    with Image.open(movie) as gif:
        assert gif.n_frames > 100
    with Image.open(plot) as picture:
        assert picture.size == (3 * 280, 280 + 16)
    result = runner.invoke(app, ["explain", str(photo), "-o", str(tmp_path), "--samples", "2"])
    assert result.exit_code == 0, result.output
    for name in ("coffee_explain.png", "coffee_agreement.png", "coffee_overlay.png"):
        with Image.open(tmp_path / name) as picture:
            assert picture.size[0] > 300
    with Image.open(tmp_path / "coffee_agreement.png") as picture:
        assert picture.size == (sidecar["image_size"]["width"], sidecar["image_size"]["height"])
