"""Photos of more pixels than ``GROUPING_PIXELS``: grouped on their blocks, labelled at their
size, the labels a cut of the tree and of its contour map; photos up to the budget unaffected.
The budget is lowered here so that a small synthetic photo stands for a large one."""

import json

import numpy as np
import pytest
from PIL import Image

import wavesegment.preparation.image as preparation
from wavesegment import segment
from wavesegment.grouping import ultrametric_contour_map
from wavesegment.grouping.refinement import refine_boundaries
from wavesegment.io.hierarchy import read_tree
from wavesegment.io.images import read_image
from wavesegment.io.single import Request, segment_file
from wavesegment.parameters import PRESETS
from wavesegment.pictures.overlay import overlay

from .corpus import right_or_below_differs

#: Grid units and grouping budget of the tests: a 144 x 192 photo is grouped on 3 x 3 blocks
#: (48 x 64), the network runs on 28 x 37 units.
UNITS, BUDGET = 1024, 3100


def blocks_photo(scale: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Four coloured blocks on a red ground, with noise, and the block of each pixel (0 the
    ground). Their edges fall inside the 3 x 3 blocks, so that the labels must be moved."""
    rng = np.random.default_rng(0)
    truth = np.zeros((48 * scale, 64 * scale), dtype=int)
    boxes = [(8, 30, 6, 28), (20, 44, 34, 60), (4, 16, 40, 58), (34, 46, 4, 20)]
    for k, (r0, r1, c0, c1) in enumerate(boxes, start=1):
        truth[r0 * scale + 1 : r1 * scale - 1, c0 * scale + 1 : c1 * scale + 2] = k
    colours = np.array([(200, 60, 40), (40, 160, 60), (50, 60, 190), (60, 70, 180), (190, 190, 60)])
    image = colours[truth] + rng.normal(0, 6, truth.shape + (3,))
    return np.clip(image, 0, 255).astype(np.uint8), truth


@pytest.fixture(scope="module")
def large():
    image, truth = blocks_photo()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(preparation, "GROUPING_PIXELS", BUDGET)
        return image, truth, segment(image, max_units=UNITS)


def test_a_photo_above_the_budget_is_grouped_on_blocks_and_labelled_at_its_size(large):
    image, truth, result = large
    assert result.labels.shape == result.background.shape == image.shape[:2]
    (step,) = [s for s in result.steps if s["step"] == "to_image_size"]
    assert step["from"] == [48, 64] and step["to"] == [144, 192] and step["pixels_moved"] > 0
    # Each block is one segment, to the pixel but for a few: the boundaries moved off the
    # 3 x 3 blocks onto the photo's own edges.
    impure = sum(
        np.count_nonzero(truth == k) - np.bincount(result.labels[truth == k]).max()
        for k in range(5)
    )
    assert result.n_segments >= 5 and impure < 0.002 * truth.size


def test_the_labels_are_a_cut_of_the_tree_at_the_photos_size(large):
    _, _, result = large
    tree = result.tree
    n = tree.n_leaves
    assert tree.leaves.shape == result.labels.shape
    np.testing.assert_array_equal(tree.area[:n], np.bincount(tree.leaves.ravel()))
    children = np.arange(tree.parent.size - 1)
    np.testing.assert_array_equal(
        np.bincount(tree.parent[children], tree.area[children])[n:], tree.area[n:]
    )
    np.testing.assert_array_equal(
        result.labels, tree.cut(threshold=PRESETS["natural"].tree_threshold())
    )
    ranks = ultrametric_contour_map(result, values="rank")
    for k in range(1, n + 1):
        np.testing.assert_array_equal(right_or_below_differs(tree.cut(n_regions=k)), ranks > n - k)


def test_segments_cut_the_tree_of_a_large_photo(large, monkeypatch):
    image, _, result = large
    monkeypatch.setattr(preparation, "GROUPING_PIXELS", BUDGET)
    cut = segment(image, max_units=UNITS, segments=3)
    assert cut.n_segments == 3
    np.testing.assert_array_equal(cut.labels, result.tree.cut(n_regions=3))


def test_a_photo_at_the_budget_is_grouped_at_its_own_size(monkeypatch):
    image, _ = blocks_photo(scale=1)
    pixels = image.shape[0] * image.shape[1]
    assert preparation.grouping_factor(image.shape[:2], (8, 8)) == 1
    default = segment(image, max_units=UNITS)
    monkeypatch.setattr(preparation, "GROUPING_PIXELS", pixels - 1)
    assert preparation.grouping_factor(image.shape[:2], (8, 8)) == 2
    monkeypatch.setattr(preparation, "GROUPING_PIXELS", pixels)
    at_budget = segment(image, max_units=UNITS)
    np.testing.assert_array_equal(at_budget.labels, default.labels)
    assert at_budget.steps == default.steps
    assert not any(step["step"] == "to_image_size" for step in at_budget.steps)


def test_hierarchy_and_masks_of_a_large_photo_match_its_labels(tmp_path, monkeypatch):
    image, _ = blocks_photo()
    Image.fromarray(image).save(tmp_path / "photo.png")
    monkeypatch.setattr(preparation, "GROUPING_PIXELS", BUDGET)
    request = Request(hierarchy=True, masks=True)
    outcome = segment_file(tmp_path / "photo.png", folder=tmp_path, stem="photo", request=request)
    assert outcome.record.status == "done", outcome.record.error
    labels = np.asarray(Image.open(tmp_path / "photo_labels.png")).astype(int)
    leaves = np.asarray(Image.open(tmp_path / "photo_leaves.png")).astype(int)
    ucm = np.asarray(Image.open(tmp_path / "photo_ucm.png")).astype(int)
    assert labels.shape == leaves.shape == ucm.shape == image.shape[:2]
    entry = json.loads((tmp_path / "photo_segments.json").read_text())["hierarchy"]
    tree = read_tree(entry, leaves)
    cut = tree.cut(n_regions=int(labels.max()))
    assert len(np.unique(cut * (labels.max() + 1) + labels)) == labels.max()  # one partition
    np.testing.assert_array_equal(ucm > entry["cut_merges"], right_or_below_differs(labels))
    for k in range(1, int(labels.max()) + 1):
        mask = np.asarray(Image.open(tmp_path / f"photo_mask_{k:02d}.png"))
        np.testing.assert_array_equal(mask == 255, labels == k)


def test_the_touch_up_counts_a_sample_of_the_pixels_alike():
    rng = np.random.default_rng(1)
    image = np.zeros((40, 40, 3))
    image[:, 17:] = 30
    image += rng.normal(0, 2, image.shape)
    coarse = np.zeros((40, 40), dtype=np.int32)
    coarse[:, 20:] = 1  # three columns off
    every = refine_boundaries(coarse, image, iterations=4)
    sampled = refine_boundaries(coarse, image, iterations=4, sample=4)
    assert (every[:, 17:] == 1).all() and (every[:, :17] == 0).all()
    np.testing.assert_array_equal(sampled, every)


@pytest.mark.parametrize(
    ("dtype", "factor"), [(np.uint8, 3), (np.uint8, 17), (np.uint16, 5), (np.uint16, 300)]
)
def test_block_means_of_integers_are_those_of_their_floats(dtype, factor):
    from wavesegment.preparation.grid import block_mean

    top = np.iinfo(dtype).max  # the largest sums: the narrowest exact type is uint16 or uint32
    image = np.random.default_rng(5).integers(top - 3, top, (2 * factor + 1, 3 * factor - 1, 3))
    image = image.astype(dtype)
    expected = block_mean(image.astype(np.float64), factor)
    assert block_mean(image, factor).tobytes() == expected.tobytes()


def test_grid_labels_come_to_any_size_where_scipys_zoom_puts_them():
    from wavesegment.preparation.grid import _resize, to_native

    rng = np.random.default_rng(6)
    for _ in range(60):  # signals, images and volumes, shrunk or enlarged
        dims = int(rng.integers(1, 4))
        grid = tuple(int(n) for n in rng.integers(1, 30, dims))
        shape = tuple(
            max(1, round(n * f)) for n, f in zip(grid, rng.uniform(0.3, 9, dims), strict=True)
        )
        for dtype in (np.int32, bool):
            labels = rng.integers(0, 5, grid).astype(dtype)
            expected = _resize(labels, shape, order=0).astype(dtype)
            assert to_native(labels, shape).tobytes() == expected.tobytes()


def test_integers_are_read_as_they_are(tmp_path):
    image, _ = blocks_photo(scale=1)
    Image.fromarray(image).save(tmp_path / "photo.png")
    kept = read_image(tmp_path / "photo.png", keep_integers=True)
    assert kept.dtype == np.uint8
    np.testing.assert_array_equal(kept, read_image(tmp_path / "photo.png"))
    np.testing.assert_array_equal(segment(kept).labels, segment(kept.astype(float)).labels)


def test_the_overlay_is_scikit_images_made_in_bands():
    from skimage.color import label2rgb
    from skimage.segmentation import mark_boundaries

    rng = np.random.default_rng(2)
    gray = rng.uniform(10, 240, (600, 50))  # more rows than a band
    labels = np.kron(rng.integers(0, 14, (60, 5)), np.ones((10, 10), dtype=int))
    labels[labels == 3] = 9  # a label missing from 1..n
    coloured = label2rgb(labels, image=(gray - gray.min()) / np.ptp(gray), bg_label=0, alpha=0.4)
    outlined = mark_boundaries(coloured, labels, color=(1.0, 1.0, 0.0), mode="inner")
    expected = (np.clip(outlined, 0, 1) * 255).round().astype(np.uint8)
    np.testing.assert_array_equal(overlay(gray, labels), expected)


def test_the_steps_report_counts_the_refinement_on_the_blocks(large):
    from wavesegment.analysis.steps import steps_report

    _, _, result = large
    (refine,) = [s for s in result.steps if s["step"] == "refine"]
    report = steps_report(result)["refinement"]
    assert report["fraction_moved"] == refine["pixels_moved"] / (48 * 64)


def test_without_a_tree_or_without_refinement(large, monkeypatch):
    image, truth, _ = large
    monkeypatch.setattr(preparation, "GROUPING_PIXELS", BUDGET)
    flat = segment(image, max_units=UNITS, merge_threshold=0)  # regions, no tree
    assert flat.tree is None and flat.labels.shape == truth.shape
    (step,) = [s for s in flat.steps if s["step"] == "to_image_size"]
    assert step["pixels_moved"] > 0
    blocky = segment(image, max_units=UNITS, refine_boundaries=False)  # the blocks' labels
    (step,) = [s for s in blocky.steps if s["step"] == "to_image_size"]
    assert step["pixels_moved"] == 0
    np.testing.assert_array_equal(blocky.labels, np.kron(blocky.labels[::3, ::3], np.ones((3, 3))))
