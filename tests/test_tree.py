"""The merge tree: its shape, its cuts (by level and by count), its ultrametric contour map,
the --hierarchy outputs and the README's numpy recipe for cutting them."""

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from wavesegment import segment
from wavesegment.analysis.steps import steps_report
from wavesegment.cli import app
from wavesegment.grouping import ultrametric_contour_map
from wavesegment.io.single import Request, segment_file
from wavesegment.parameters import PRESETS, Parameters

from .corpus import right_or_below_differs

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks_image() -> np.ndarray:
    """Five coloured blocks on a red ground, with noise: a tree of about ten leaves."""
    rng = np.random.default_rng(0)
    image = np.zeros((48, 64, 3))
    image[:] = (200, 60, 40)
    image[8:30, 6:28] = (40, 160, 60)
    image[20:44, 34:60] = (50, 60, 190)
    image[4:16, 40:58] = (60, 70, 180)
    image[34:46, 4:20] = (190, 190, 60)
    image += rng.normal(0, 6, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def result():
    return segment(blocks_image())


def test_the_tree_is_a_binary_partition_tree_of_the_regions(result):
    tree = result.tree
    n = tree.n_leaves
    assert n >= 5 and tree.parent.size == 2 * n - 1
    children = np.arange(tree.parent.size - 1)
    assert (tree.parent[children] > children).all() and tree.parent[-1] == tree.parent.size - 1
    assert (np.bincount(tree.parent[children]) == np.r_[np.zeros(n), 2 * np.ones(n - 1)]).all()
    assert (tree.level[tree.parent] >= tree.level).all()
    np.testing.assert_array_equal(
        np.bincount(tree.parent[children], tree.area[children])[n:], tree.area[n:]
    )
    assert tree.area[-1] == result.labels.size


def test_every_count_and_level_cut_matches_the_contour_map(result):
    tree = result.tree
    n = tree.n_leaves
    ranks = ultrametric_contour_map(result, values="rank")
    levels = ultrametric_contour_map(result)
    for k in range(1, n + 1):
        labels = tree.cut(n_regions=k)
        assert labels.max() == k
        np.testing.assert_array_equal(right_or_below_differs(labels), ranks > n - k)
    for threshold in np.unique(tree.level[n:]):
        labels = tree.cut(threshold=threshold)
        np.testing.assert_array_equal(right_or_below_differs(labels), levels >= threshold)
    np.testing.assert_array_equal(
        result.labels, tree.cut(threshold=PRESETS["natural"].tree_threshold())
    )


def test_segments_cut_the_tree_and_explain_reads_the_merges(result):
    cut = segment(blocks_image(), segments=3)
    assert cut.n_segments == 3
    np.testing.assert_array_equal(cut.labels, result.tree.cut(n_regions=3))
    np.testing.assert_array_equal(cut.grid.clusters, result.grid.clusters)  # not k-means' k
    report = steps_report(cut)
    assert len(report["merges"]) == result.tree.n_leaves - 3
    assert sorted(set(report["region_to_segment"].values())) == [1, 2, 3]


def test_segments_are_capped_per_meaning():
    assert Parameters.from_preset("natural", segments=1000).segments == 1000
    with pytest.raises(ValueError, match="segments must be an integer from 1 to 64 or None"):
        Parameters.from_preset("published", segments=65)


def test_the_readme_recipe_cuts_the_written_hierarchy(tmp_path, monkeypatch):
    Image.fromarray(blocks_image()).save(tmp_path / "coins.png")
    outcome = segment_file(
        tmp_path / "coins.png",
        folder=tmp_path / "out",
        stem="coins",
        request=Request(hierarchy=True),
    )
    assert outcome.record.status == "done", outcome.record.error
    tree = outcome.result.tree
    recipe = re.search(r"```python\n(import json\n.*?)```", README.read_text(), re.S).group(1)
    monkeypatch.chdir(tmp_path)
    names: dict = {}
    exec(compile(recipe, "README recipe", "exec"), names)
    same = lambda a, b: len(np.unique(a * (b.max() + 1) + b)) == a.max() == b.max()  # noqa: E731
    assert same(names["under_level"], tree.cut(threshold=PRESETS["natural"].tree_threshold()))
    assert same(names["five_regions"], tree.cut(n_regions=5))
    np.testing.assert_array_equal(names["ucm"], ultrametric_contour_map(tree, values="rank"))
    sidecar = json.loads((tmp_path / "out/coins_segments.json").read_text())
    assert {"coins_ucm.png", "coins_leaves.png"} <= set(sidecar["outputs"])
    assert sidecar["hierarchy"]["cut_merges"] == tree.n_leaves - outcome.result.n_segments


def test_hierarchy_of_the_published_preset_is_a_one_line_error(tmp_path):
    Image.fromarray(blocks_image()).save(tmp_path / "blocks.png")
    command = ["run", str(tmp_path / "blocks.png"), "-o", str(tmp_path / "out")]
    outcome = CliRunner().invoke(app, [*command, "--preset", "published", "--hierarchy"])
    assert outcome.exit_code == 2
    assert outcome.output.strip().startswith("error:") and "--hierarchy" in outcome.output
    assert not os.path.exists(tmp_path / "out") or not os.listdir(tmp_path / "out")
