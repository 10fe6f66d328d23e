import numpy as np
import pytest

from wavesegment import segment
from wavesegment.evaluation.shapes import shapes_image
from wavesegment.network import random_initial_state

from .conftest import same_partition


def test_result_describes_the_run():
    image, truth = shapes_image(2, seed=7)
    result = segment(image, segments=2, seed=3, frequency_mode="raw", preset="published")
    assert result.labels.shape == image.shape and result.labels.dtype == np.int32
    assert result.n_segments == 2
    assert np.all(result.labels[result.background] == 0)
    assert np.all(result.labels[~result.background] > 0)
    assert result.parameters["seed"] == 3 and result.parameters["layer2_sigma"] == 0.0313
    assert result.parameters["engine"] in ("numba", "exact")
    assert result.grid.readout.projection.shape == ((~result.background).sum(), 3)
    assert np.isnan(result.grid.final_phases[result.background]).all()
    np.testing.assert_array_equal(result.background, truth == 0)


def test_same_seed_same_labels_and_given_initial_state_reproduces_a_seed():
    image = shapes_image(3, seed=2)[0]
    first = segment(image, seed=5, engine="numba")
    again = segment(image, seed=5, engine="numba")
    np.testing.assert_array_equal(first.labels, again.labels)
    given = segment(image, seed=5, engine="numba", initial_state=random_initial_state((32, 32), 5))
    np.testing.assert_array_equal(first.labels, given.labels)
    assert given.parameters["initial_state_given"]


def test_colour_and_integer_images():
    image, truth = shapes_image(2, seed=1)
    rgb = np.stack([(image > 0) * 200, (image > 0) * 40, np.full(image.shape, 30)], axis=-1)
    result = segment(rgb.astype(np.uint8), segments=2)
    assert same_partition(result.background, truth == 0)


def test_auto_engine_and_count_on_generated_shapes():
    image, truth = shapes_image(2, seed=11)
    labels = segment(image, frequency_mode="raw", seed=1).labels  # the natural preset
    objects = truth > 0  # the shapes are separated (their holes join them)
    assert same_partition(labels[objects], truth[objects])
    assert not np.isin(labels[0, 0], labels[objects])


def test_large_image_runs_in_linear_memory():
    # 400 x 300 = 120 000 units: a dense K would need 115 GB.
    rows, cols = np.mgrid[0:400, 0:300]
    image = ((rows - 200) ** 2 + (cols - 150) ** 2 < 80**2).astype(float)
    image += 0.5 * (cols > 250)
    result = segment(image, segments=3, preset="published")
    assert result.labels.shape == (400, 300) and result.n_segments == 3
    assert result.parameters["engine"] == "numba"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"engine": "gpu"}, "engine must be one of"),
        ({"segments": 0}, "segments must be an integer from 1 to 65535"),
        ({"readout_steps": (30, 50)}, "readout_steps"),
        ({"initial_state": np.ones((3, 3))}, "initial_state has shape"),
    ],
)
def test_bad_parameters_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        segment(np.zeros((8, 8)), **kwargs)


def test_exact_engine_refuses_large_images():
    with pytest.raises(ValueError, match="use engine='numba'"):
        segment(np.zeros((65, 64)), engine="exact")


def test_empty_and_constant_images():
    with pytest.raises(ValueError, match="empty"):
        segment(np.zeros((0, 5)))
    result = segment(np.full((10, 12), 3.0))
    assert result.labels.shape == (10, 12)
    # Nothing for the waves to tell apart: one segment, whatever the preset (the published
    # preset used to split the rounding noise of its phases into 3 to 8 segments).
    for preset in ("published", "natural"):
        constant = segment(np.full((40, 50), 3.0), preset=preset)
        assert constant.n_segments == 1 and (constant.labels == 1).all(), preset
