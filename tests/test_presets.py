"""Presets, seed robustness and resolution independence of the default ("natural") preset."""

import numpy as np
import pytest
from scipy import ndimage
from skimage.segmentation import find_boundaries
from skimage.transform import rescale, resize

from wavesegment import segment
from wavesegment.evaluation.shapes import shapes_image
from wavesegment.grouping import merge_small_regions, split_disconnected
from wavesegment.parameters import PRESETS, Parameters


def adjusted_rand(a, b):
    """ARI of two labelings (written out here so that the test does not trust the library)."""
    _, a = np.unique(np.ravel(a), return_inverse=True)
    _, b = np.unique(np.ravel(b), return_inverse=True)
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)
    pairs = lambda x: (x * (x - 1) / 2).sum()  # noqa: E731
    both, rows, cols = pairs(table), pairs(table.sum(1)), pairs(table.sum(0))
    expected = rows * cols / pairs(np.array([a.size]))
    return (both - expected) / ((rows + cols) / 2 - expected)


def test_explicit_keywords_override_the_preset_and_are_recorded():
    image, _ = shapes_image(2, seed=0)
    result = segment(image, preset="published", frequency_mode="raw", n_seeds=2)
    assert result.parameters["preset"] == "published"
    assert result.parameters["n_seeds"] == 2
    assert result.parameters["layer2_sigma"] == PRESETS["published"].layer2_sigma
    assert segment(image, frequency_mode="raw").parameters["preset"] == "natural"


def test_unknown_preset_or_parameter_is_refused():
    with pytest.raises(ValueError, match="preset must be one of"):
        segment(np.zeros((8, 8)), preset="fancy")
    with pytest.raises(TypeError, match="not a parameter"):
        Parameters.from_preset("natural", colour_space="lab")
    with pytest.raises(TypeError, match="not a parameter"):
        segment(np.zeros((8, 8)), colour_space="lab")


@pytest.mark.parametrize(
    ("preset", "restarts"), [("natural", (4, 2)), ("published", (10, 4)), ("natural", (3, 1))]
)
def test_the_k_means_restarts_of_the_parameters_reach_the_readout(monkeypatch, preset, restarts):
    import wavesegment.segmentation as segmentation

    calls = []
    real = segmentation.cluster_units

    def recording(*args, **kwargs):  # the real k-means, its options recorded
        calls.append((kwargs["restarts"], kwargs["count_restarts"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(segmentation, "cluster_units", recording)
    image, _ = shapes_image(2, seed=0)
    options = {} if restarts[1] != 1 else {"cluster_restarts": 3, "count_restarts": 1}
    segment(image, preset=preset, n_seeds=1, **options)
    assert calls == [restarts]


def test_published_preset_keeps_the_published_behaviour():
    image, _ = shapes_image(3, seed=2)
    published = segment(image, preset="published", frequency_mode="raw", seed=1)
    assert published.labels[published.background].max() == 0  # one background label
    assert published.parameters["coupling"] == "published"
    assert published.parameters["n_seeds"] == 1


@pytest.mark.parametrize("n_objects", [2, 3])
def test_objects_are_found_whatever_the_seed(n_objects):
    for image_seed in range(2):
        image, truth = shapes_image(n_objects, seed=image_seed)
        objects = truth > 0
        for seed in range(3):
            labels = segment(image, frequency_mode="raw", seed=seed).labels
            assert adjusted_rand(labels[objects], truth[objects]) >= 0.95, (image_seed, seed)


def test_an_image_and_its_double_size_segment_alike():
    image, _ = shapes_image(2, seed=3)
    small = segment(image, frequency_mode="raw").labels
    double = segment(np.kron(image, np.ones((2, 2))), frequency_mode="raw").labels
    back = resize(double, small.shape, order=0, preserve_range=True, anti_aliasing=False)
    assert adjusted_rand(small, back) >= 0.9


def scene(rows=90, cols=120):
    """A small colour 'photo': coloured blobs on a lit background, with sensor noise."""
    r, c = np.mgrid[:rows, :cols] / max(rows, cols)
    image = np.stack([0.5 + 0.2 * r, 0.45 + 0.1 * c, 0.4 * np.ones_like(r)], axis=2)
    parts = np.zeros((rows, cols), dtype=int)
    for label, (cr, cc, radius, colour) in enumerate(
        [
            (0.3, 0.3, 0.15, [0.8, 0.2, 0.2]),
            (0.5, 0.8, 0.2, [0.1, 0.3, 0.7]),
            (0.6, 0.4, 0.1, [0.9, 0.9, 0.2]),
        ],
        start=1,
    ):
        inside = (r - cr) ** 2 + (c - cc) ** 2 < radius**2
        image[inside], parts[inside] = colour, label
    noise = np.random.default_rng(0).normal(scale=0.02, size=image.shape)
    return np.clip(image + noise, 0, 1), parts


def test_a_scene_and_its_bilinear_upscale_segment_alike():
    image, parts = scene()
    assert image.shape[0] * image.shape[1] > PRESETS["natural"].max_units  # runs on a grid
    labels = segment(image).labels
    assert labels.max() >= 3 and adjusted_rand(labels, parts) >= 0.5  # not a trivial answer
    double = segment(rescale(image, 2, order=1, channel_axis=2)).labels
    back = resize(double, labels.shape, order=0, preserve_range=True, anti_aliasing=False)
    assert adjusted_rand(labels, back) >= 0.9


def test_refinement_and_merging_act_on_the_natural_labels():
    image, parts = scene(180, 240)  # 4.5 pixels a grid cell
    coarse = segment(image, merge_threshold=0, refine_boundaries=False).labels
    refined = segment(image, merge_threshold=0).labels
    distance_to_truth = ndimage.distance_transform_edt(~find_boundaries(parts))

    def boundary_error(labels):
        return distance_to_truth[find_boundaries(labels)].mean()

    assert 0 < np.mean(refined != coarse) < 0.05  # only pixels near boundaries move
    assert boundary_error(refined) < 0.9 * boundary_error(coarse)
    tree = segment(image).tree  # merging joins candidate regions, cheapest first
    assert tree.n_leaves == refined.max() and tree.cut(threshold=0.7).max() < refined.max()


def test_large_images_run_on_a_bounded_grid_and_come_back_at_full_size():
    image = np.zeros((120, 200))
    image[30:90, 40:100] = 1
    result = segment(image, max_units=50 * 30)
    assert result.labels.shape == image.shape
    assert result.parameters["grid"] == [30, 50]
    assert adjusted_rand(result.labels, image) >= 0.9


def test_split_and_merge_regions():
    labels = np.array([[1, 1, 0, 2], [1, 1, 0, 2], [3, 1, 0, 1]])
    parts = split_disconnected(labels)
    assert parts.max() == 5  # 1 splits in two (the lone 1 at the corner), 0, 2 and 3
    merged = merge_small_regions(parts, min_size=3)
    assert np.all(np.bincount(merged.ravel())[1:] >= 3)
    kept = split_disconnected(labels, ignore=labels == 0)
    assert np.all(kept[labels == 0] == 0) and kept.max() == 4


def test_colour_splits_hues_and_leaves_gray_pictures_alone():
    image = np.empty((48, 48, 3))
    image[:, :24] = [0.8, 0.3, 0.3]
    image[:, 24:] = [0.2, 0.5, 0.0833]  # about the same luminance, another hue
    image[16:32, 8:40] = [0.9, 0.9, 0.9]  # a bright band across both
    parts = np.repeat([[1] * 24 + [2] * 24], 48, axis=0)
    parts[16:32, 8:40] = 3
    assert adjusted_rand(segment(image).labels, parts) >= 0.9
    assert adjusted_rand(segment(image, colour=False).labels, parts) < 0.9
    gray = np.repeat(image.mean(axis=2, keepdims=True), 3, axis=2)
    np.testing.assert_array_equal(segment(gray).labels, segment(gray, colour=False).labels)
