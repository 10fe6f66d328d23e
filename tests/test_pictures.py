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
    result = runner.invoke(app, arguments)  # natural: layer 2 runs to its window's end
    assert result.exit_code == 0, result.output
    sidecar = json.loads((tmp_path / "shapes_segments.json").read_text())
    with Image.open(movie) as gif:
        assert gif.n_frames == _movie_frames(sidecar["parameters"])
        assert gif.size == (320, 320 + 16)
    with Image.open(plot) as picture:
        assert picture.size == (3 * 280, 280 + 16)


def _movie_frames(parameters: dict) -> int:
    """Frames of a run's wave movie, from its sidecar's parameters: every ``trace_every``-th
    step of layer 1 (0..layer1_steps - 1) and of layer 2 (0..the end of the readout window)."""
    every, layer1 = parameters["trace_every"], parameters["layer1_steps"]
    layer2 = parameters["readout_steps"][1] - layer1
    return len(range(0, layer1, every)) + len(range(0, layer2 + 1, every))


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
        assert gif.n_frames == _movie_frames(sidecar["parameters"])
    with Image.open(plot) as picture:
        assert picture.size == (3 * 280, 280 + 16)
    result = runner.invoke(app, ["explain", str(photo), "-o", str(tmp_path), "--samples", "2"])
    assert result.exit_code == 0, result.output
    for name in ("coffee_explain.png", "coffee_agreement.png", "coffee_overlay.png"):
        with Image.open(tmp_path / name) as picture:
            assert picture.size[0] > 300
    with Image.open(tmp_path / "coffee_agreement.png") as picture:
        assert picture.size == (sidecar["image_size"]["width"], sidecar["image_size"]["height"])


def blocks_uint8() -> np.ndarray:
    """Four coloured blocks on a red ground, with noise, one block in two close greens: a
    merge tree of several leaves, of which the default cut merges some."""
    image = np.zeros((40, 56, 3))
    image[:] = (200, 60, 40)
    image[6:26, 4:24] = (40, 160, 60)
    image[6:26, 4:14] = (40, 150, 60)
    image[18:38, 30:52] = (50, 60, 190)
    image[3:14, 34:50] = (190, 190, 60)
    image += np.random.default_rng(0).normal(0, 6, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def hierarchy_run(tmp_path_factory):
    """The blocks image and its run with --hierarchy: (input folder, output folder)."""
    folder = tmp_path_factory.mktemp("levels")
    Image.fromarray(blocks_uint8()).save(folder / "blocks.png")
    output = folder / "out"
    result = runner.invoke(
        app, ["run", str(folder / "blocks.png"), "-o", str(output), "--hierarchy"]
    )
    assert result.exit_code == 0, result.output
    return folder, output


def _tiles(sheet: Path) -> list[np.ndarray]:
    with Image.open(sheet) as picture:
        row = np.asarray(picture.convert("RGB"))[16:216]
    return [row[:, 200 * k : 200 * (k + 1)] for k in range(3)]


def test_the_tree_read_back_cuts_as_the_tree_written(hierarchy_run):
    from wavesegment.io.contact_sheet import _read_labels
    from wavesegment.io.hierarchy import read_tree

    _, output = hierarchy_run
    record = json.loads((output / "blocks_segments.json").read_text())
    entry = record["hierarchy"]
    tree = read_tree(entry, _read_labels(output / entry["leaves"]))
    written = _read_labels(output / record["outputs"][0])
    np.testing.assert_array_equal(tree.cut(n_regions=tree.n_leaves - entry["cut_merges"]), written)
    original = segment(blocks_uint8()).tree
    for k in range(1, tree.n_leaves + 1):
        np.testing.assert_array_equal(tree.cut(n_regions=k), original.cut(n_regions=k))
    for level in np.unique(original.level):
        np.testing.assert_array_equal(tree.cut(threshold=level), original.cut(threshold=level))
    with pytest.raises(ValueError, match="two children"):
        read_tree(entry | {"parent": [tree.parent.size - 1] * tree.parent.size}, tree.leaves)


def test_show_draws_a_chosen_cut_of_the_tree(hierarchy_run):
    _, output = hierarchy_run
    colours = []
    for option in (["--segments", "2"], ["--segments", "1"], ["--level", "0"], []):
        sheet = output / f"sheet{len(colours)}.png"
        result = runner.invoke(app, ["show", str(output), "-o", str(sheet), *option])
        assert result.exit_code == 0, result.output
        labels_tile = _tiles(sheet)[2].reshape(-1, 3)
        colours.append(len(np.unique(labels_tile[(labels_tile != 255).any(axis=1)], axis=0)))
    record = json.loads((output / "blocks_segments.json").read_text())
    n_leaves = record["hierarchy"]["n_leaves"]
    assert colours == [2, 1, n_leaves, record["n_segments"]]
    assert n_leaves > record["n_segments"] > 2


def test_show_refuses_a_cut_of_a_result_without_hierarchy(hierarchy_run, tmp_path):
    folder, _ = hierarchy_run
    output = tmp_path / "plain"
    result = runner.invoke(app, ["run", str(folder / "blocks.png"), "-o", str(output)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["show", str(output), "--segments", "3"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "blocks_segments.json" in lines[0] and "--hierarchy" in lines[0]
    assert not (output / "contact_sheet.png").exists()
    both = runner.invoke(app, ["show", str(output), "--segments", "3", "--level", "2"])
    assert both.exit_code == 2 and both.stderr.startswith("error: ")
