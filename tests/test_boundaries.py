"""The BSDS500 boundary benchmark: matching against an independent assignment, hand-computed
counts, ODS / OIS / AP, hierarchies given as label maps or a ucm2, and ``wavesegment eval``."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy.io import savemat
from scipy.optimize import linear_sum_assignment
from typer.testing import CliRunner

from wavesegment.cli import app
from wavesegment.evaluation.benchmark import (
    boundary_scores,
    dataset_scores,
    level_scores,
    truth_boundaries,
)
from wavesegment.evaluation.boundaries import (
    boundary_counts,
    label_boundaries,
    match_boundaries,
)
from wavesegment.evaluation.datasets import Dataset, Sample
from wavesegment.evaluation.evaluate import Method, evaluate, summarise
from wavesegment.evaluation.levels import segmentation_levels
from wavesegment.evaluation.metrics import segmentation_covering
from wavesegment.parameters import PRESETS

runner = CliRunner()


def _seg2bdry(labels: np.ndarray) -> np.ndarray:
    """The benchmark's seg2bdry(seg, 'imageSize'), step by step on its double-size grid."""
    rows, cols = labels.shape
    grid = np.zeros((2 * rows + 1, 2 * cols + 1))
    down = np.vstack([labels[:-1] != labels[1:], np.zeros((1, cols), bool)])
    across = np.hstack([labels[:, :-1] != labels[:, 1:], np.zeros((rows, 1), bool)])
    grid[2::2, 1::2] = down
    grid[1::2, 2::2] = across
    for i in range(rows - 1):
        for j in range(cols - 1):
            grid[2 * i + 2, 2 * j + 2] = max(
                across[i, j], across[i + 1, j], down[i, j], down[i, j + 1]
            )
    grid[0], grid[:, 0] = grid[1], grid[:, 1]
    grid[-1], grid[:, -1] = grid[-2], grid[:, -2]
    return grid[2::2, 2::2].astype(bool)


def _assignment_counts(machine, truth, max_distance=0.0075):
    """Matched pixels of correspondPixels' formulation, solved densely: every pixel may pair
    with one within reach at its distance or stay unmatched at 100 x the reach."""
    reach = max_distance * np.hypot(*machine.shape)
    a, b = np.argwhere(machine), np.argwhere(truth)
    distance = np.hypot(*(a[:, None, :] - b[None, :, :]).transpose(2, 0, 1))
    outlier = 100 * reach
    cost = np.full((len(a) + len(b),) * 2, 0.0)
    cost[: len(a), : len(b)] = np.where(distance <= reach, distance, 1e9)
    cost[: len(a), len(b) :] = np.where(np.eye(len(a)), outlier, 1e9)
    cost[len(a) :, : len(b)] = np.where(np.eye(len(b)), outlier, 1e9)
    rows, cols = linear_sum_assignment(cost)
    real = (rows < len(a)) & (cols < len(b))
    assert np.all(distance[rows[real], cols[real]] <= reach)
    return int(real.sum())


def test_label_boundaries_is_the_benchmarks_seg2bdry():
    rng = np.random.default_rng(0)
    for shape in [(7, 9), (12, 5), (2, 2)]:
        labels = rng.integers(0, 3, shape)
        assert np.array_equal(label_boundaries(labels), _seg2bdry(labels))


def test_matching_agrees_with_an_independent_assignment():
    rng = np.random.default_rng(1)
    for _ in range(6):
        machine = rng.random((30, 40)) < 0.06
        truth = rng.random((30, 40)) < 0.06
        ours_machine, ours_truth = match_boundaries(machine, truth, max_distance=0.05)
        assert ours_machine.sum() == ours_truth.sum()
        assert not (ours_machine & ~machine).any() and not (ours_truth & ~truth).any()
        assert ours_truth.sum() == _assignment_counts(machine, truth, max_distance=0.05)


def test_matching_is_one_to_one_and_within_reach():
    image = np.zeros((100, 100), bool)  # diagonal 141.4: reach 1.06 pixels
    machine, truth = image.copy(), image.copy()
    machine[50, 20:40] = True
    truth[52, 20:40] = True  # 2 pixels away: out of reach
    assert match_boundaries(machine, truth)[1].sum() == 0
    truth[51, 30:35] = True  # 1 pixel away: 5 pairs
    assert match_boundaries(machine, truth)[1].sum() == 5
    crowd = image.copy()
    crowd[50, 30] = crowd[49, 30] = crowd[51, 30] = True  # three pixels, one partner
    single = image.copy()
    single[50, 30] = True
    assert match_boundaries(crowd, single)[0].sum() == 1


def test_counts_pool_the_annotators():
    labels = np.zeros((40, 40), int)
    labels[:, 20:] = 1
    far = np.zeros((40, 40), int)
    far[:, 30:] = 1
    both = labels + 2 * far
    truths = [label_boundaries(labels), label_boundaries(far)]
    # Machine: both lines (80 pixels); each annotator's 40 are matched, each machine pixel
    # by one of them.
    assert boundary_counts(label_boundaries(both), truths) == (80, 80, 80, 80)
    assert boundary_counts(np.zeros((40, 40), bool), truths) == (0, 80, 0, 0)


def test_ods_ois_and_ap_by_hand():
    thresholds = np.array([1.0, 2.0])
    # Image 1 is best at threshold 1, image 2 at threshold 2.
    counts = np.array(
        [
            [[9, 10, 9, 10], [5, 10, 5, 5]],
            [[2, 10, 2, 10], [8, 10, 8, 10]],
        ]
    )
    scores = boundary_scores(thresholds, counts)
    # OIS: (9 + 8) / 20 recall, (9 + 8) / 20 precision.
    assert scores["boundary_ois_f"] == pytest.approx(0.85)
    # ODS: summed counts give F 0.55 at threshold 1 and 0.5 / 13/15 at threshold 2; the
    # interpolated curve peaks at 2 (R 0.65, P 13/15).
    recall, precision = 13 / 20, 13 / 15
    assert scores["boundary_ods_f"] == pytest.approx(2 * recall * precision / (recall + precision))
    assert scores["boundary_ods_threshold"] == pytest.approx(2.0)
    # AP: precision interpolated over recall 0.55..0.65, zero elsewhere.
    assert 0 < scores["boundary_ap"] < 0.11
    single = boundary_scores(thresholds[:1], counts[:, :1])
    assert single["boundary_ods_f"] == pytest.approx(single["boundary_ois_f"])


def test_region_scores_at_ods_and_ois():
    image = {"thresholds": [1.0, 2.0], "counts": [[1, 1, 1, 1]] * 2, "pixels": 100}
    first = image | {"covering": [0.9, 0.5], "pri": [0.8, 0.6], "voi": [1.0, 2.0]}
    second = image | {"covering": [0.2, 0.4], "pri": [0.5, 0.7], "voi": [3.0, 1.5]}
    scores = dataset_scores([first, second])
    assert scores["covering_ods"] == pytest.approx(0.55)
    assert scores["covering_ois"] == pytest.approx(0.65)
    assert scores["pri_ods"] == pytest.approx(0.65)
    assert scores["pri_ois"] == pytest.approx(0.75)
    assert scores["voi_ods"] == pytest.approx(1.75)
    assert scores["voi_ois"] == pytest.approx(1.25)


def _nested():
    fine = np.zeros((12, 16), int)
    fine[:, 8:] = 1
    fine[6:, :8] = 2
    coarse = np.where(fine == 2, 0, fine)
    return fine, coarse


def _ucm2(maps: list[np.ndarray], values: list[float]) -> np.ndarray:
    """A ucm2 of nested label maps, finest first: each edge gets the value of the coarsest
    map that still separates its two pixels, vertices the largest of their edges, and the
    frame repeats the row or column inside it (as the benchmark's ucm2 and seg2bdry)."""
    rows, cols = maps[0].shape
    ucm2 = np.zeros((2 * rows + 1, 2 * cols + 1))
    for labels, value in zip(maps, values, strict=True):
        ucm2[2:-1:2, 1::2][labels[:-1] != labels[1:]] = value
        ucm2[1::2, 2:-1:2][labels[:, :-1] != labels[:, 1:]] = value
    inner = ucm2[2:-1:2, 2:-1:2]
    np.maximum.reduce(
        [ucm2[1:-2:2, 2:-1:2], ucm2[3::2, 2:-1:2], ucm2[2:-1:2, 1:-2:2], ucm2[2:-1:2, 3::2]],
        out=inner,
    )
    ucm2[0], ucm2[:, 0] = ucm2[1], ucm2[:, 1]
    ucm2[-1], ucm2[:, -1] = ucm2[-2], ucm2[:, -2]
    return ucm2


def _same_partition(a, b):
    return segmentation_covering(a, [b]) == 1.0 and segmentation_covering(b, [a]) == 1.0


def test_a_ucm_cuts_into_its_levels():
    fine, coarse = _nested()
    levels = segmentation_levels(_ucm2([fine, coarse], [0.405, 0.805]), fine.shape)
    assert levels.thresholds.size == 99 and len(levels.labels) == 3
    assert _same_partition(levels.labels[levels.stage[20]], fine)  # t = 0.21
    assert _same_partition(levels.labels[levels.stage[60]], coarse)  # t = 0.61
    assert np.unique(levels.labels[levels.stage[90]]).size == 1  # t = 0.91
    boundaries = levels.boundaries[levels.stage[20]]
    assert boundaries.sum() > 0 and not levels.boundaries[levels.stage[90]].any()
    with pytest.raises(ValueError, match="ucm2"):
        segmentation_levels(np.zeros((5, 5)), fine.shape)


def test_a_hierarchy_is_scored_at_its_best_thresholds():
    fine, coarse = _nested()
    image = np.where(fine == 1, 200, 50).astype(np.float64)
    samples = [Sample("fine", image, [fine]), Sample("coarse", image, [coarse])]
    dataset = Dataset("two", "regions", ["fine", "coarse"], samples.__getitem__)
    ucm2 = _ucm2([fine, coarse], [0.405, 0.805])
    methods = [
        Method("ucm", {}, lambda image, seed: ucm2, seeded=False),
        Method("maps", {}, lambda image, seed: [fine, coarse], seeded=False),
        Method("flat", {}, lambda image, seed: fine, seeded=False),
    ]
    rows = list(evaluate(dataset, methods, boundaries=True))
    summary = summarise(rows, "regions")
    for name in ("ucm", "maps"):
        scores = summary[name]["benchmark"]
        # Each image has its own level: OIS is perfect, ODS is not.
        assert scores["boundary_ois_f"] == pytest.approx(1.0)
        assert scores["covering_ois"] == pytest.approx(1.0)
        assert scores["boundary_ods_f"] < 1 and scores["covering_ods"] < 1
    assert summary["flat"]["benchmark"]["boundary_ods_f"] < 1
    assert [row["covering"] for row in rows if row["method"] == "maps"] == [1.0, 1.0]
    assert rows[0]["levels"] == level_scores(
        segmentation_levels(ucm2, fine.shape), [fine], boundaries=truth_boundaries([fine])
    )


def test_eval_prints_the_benchmark(tmp_path):
    fine, _ = _nested()
    image = np.where(fine == 1, 200, 50).astype(np.uint8)
    (tmp_path / "images").mkdir()
    Image.fromarray(image).save(tmp_path / "images" / "a.png")
    annotators = np.empty((1, 1), dtype=object)
    annotators[0, 0] = {"Segmentation": (fine + 1).astype(np.uint16)}
    (tmp_path / "groundTruth").mkdir()
    savemat(tmp_path / "groundTruth" / "a.mat", {"groundTruth": annotators})
    csv_path, json_path = tmp_path / "rows.csv", tmp_path / "report.json"
    arguments = ["eval", str(tmp_path), "--no-baselines", "--engine", "exact"]
    result = runner.invoke(app, [*arguments, "--csv", str(csv_path), "--json", str(json_path)])
    assert result.exit_code == 0, result.output
    assert "boundary F  ODS / OIS" in result.output
    assert "boundary_f" in Path(csv_path).read_text().splitlines()[0]
    assert '"boundary_ods_f"' in json_path.read_text()
    result = runner.invoke(app, [*arguments, "--no-boundaries"])
    assert result.exit_code == 0 and "boundary F" not in result.output


def test_the_natural_preset_is_scored_as_its_tree_and_its_label_map():
    from wavesegment.evaluation.evaluate import PROBABILITY_CUTS, score, wavesegment_method
    from wavesegment.evaluation.levels import Hierarchy

    rng = np.random.default_rng(0)
    truth = np.zeros((40, 56), dtype=np.int64)
    truth[6:26, 4:24], truth[18:38, 30:52], truth[3:14, 34:50] = 1, 2, 3
    truth[6:26, 4:14] = 4  # a block in two close greens: the tree's coarser cuts merge them
    colours = np.array([(200, 60, 40), (40, 160, 60), (50, 60, 190), (190, 190, 60), (40, 150, 60)])
    image = np.clip(colours[truth] + rng.normal(0, 6, (40, 56, 3)), 0, 255).astype(np.uint8)
    sample = Sample("blocks", image, [truth])
    method = wavesegment_method()
    output = method.segment(image, 0)
    # The learned linkage's levels are probabilities; its default cut is among them.
    cuts = sorted({*PROBABILITY_CUTS, PRESETS["natural"].tree_threshold()})
    assert isinstance(output, Hierarchy) and len(output.levels) == len(cuts)
    default = cuts.index(PRESETS["natural"].tree_threshold())
    np.testing.assert_array_equal(output.levels[default], output.labels)
    assert np.unique(output.levels[0]).size > np.unique(output.levels[-1]).size
    dataset = Dataset("one", "regions", ["blocks"], [sample].__getitem__)
    fixed = Method("wavesegment", {}, lambda image, seed: output, seeded=True)
    (row,) = evaluate(dataset, [fixed], boundaries=True)
    assert row["levels_of"] == "tree cuts" and len(row["levels"]["thresholds"]) == len(cuts)
    assert {key: row[key] for key in ("covering", "pri", "voi")} == {
        key: value for key, value in score(output.labels, sample, "regions").items() if key != "ari"
    }
    assert row["levels"]["covering"][default] == pytest.approx(row["covering"])
    benchmark = summarise([row], "regions")["wavesegment"]["benchmark"]
    assert benchmark["levels_of"] == "tree cuts" and benchmark["thresholds"] == len(cuts)
    assert benchmark["covering_ods"] >= row["covering"]
    assert benchmark["boundary_ap"] > 0


def test_equal_maps_of_a_sequence_are_scored_once():
    fine, coarse = _nested()
    levels = segmentation_levels([fine, fine.copy(), coarse, coarse], fine.shape)
    assert len(levels.labels) == 2 and levels.stage.tolist() == [0, 0, 1, 1]
