"""wavesegment eval: metrics against hand-computed cases, dataset layouts, baselines, CLI."""

import csv
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy.io import savemat
from typer.testing import CliRunner

from wavesegment.cli import app
from wavesegment.evaluation.datasets import open_dataset, shapes_dataset
from wavesegment.evaluation.evaluate import (
    Method,
    evaluate,
    felzenszwalb_method,
    score,
    slic_method,
    summarise,
    wavesegment_method,
)
from wavesegment.evaluation.metrics import (
    adjusted_rand_index,
    mask_iou,
    probabilistic_rand_index,
    segmentation_covering,
    variation_of_information_bits,
)
from wavesegment.evaluation.report import run_evaluation
from wavesegment.io.images import ImageError

SAMPLES = Path(__file__).resolve().parents[1] / "sample_images"
runner = CliRunner()
SEGMENTATION = np.array([[0, 0], [1, 1]])
TRUTH = np.array([[0, 0], [0, 1]])


def test_rand_index_by_hand():
    # Pairs (1,2), (1,4), (2,4) agree; (1,3), (2,3), (3,4) do not: 3 of 6.
    assert probabilistic_rand_index(SEGMENTATION, TRUTH) == pytest.approx(0.5)
    # Several annotators: the mean over them.
    assert probabilistic_rand_index(SEGMENTATION, [TRUTH, SEGMENTATION]) == pytest.approx(0.75)


def test_rand_index_matches_counting_pairs():
    rng = np.random.default_rng(3)
    segmentation, truth = rng.integers(0, 3, (5, 6)), rng.integers(0, 4, (5, 6))
    pairs = list(itertools.combinations(range(30), 2))
    s, t = segmentation.ravel(), truth.ravel()
    agree = sum((s[i] == s[j]) == (t[i] == t[j]) for i, j in pairs)
    assert probabilistic_rand_index(segmentation, truth) == pytest.approx(agree / len(pairs))


def test_variation_of_information_in_bits_by_hand():
    # One bit of segmentation entropy that the single-region truth does not explain.
    assert variation_of_information_bits(SEGMENTATION, np.zeros((2, 2), int)) == pytest.approx(1)
    # Four singletons against two pairs: H(S) = 2, H(G) = 1, I = 1, so VoI = 2 + 1 - 2 = 1.
    singletons = np.array([[0, 1], [2, 3]])
    assert variation_of_information_bits(singletons, SEGMENTATION) == pytest.approx(1)
    assert variation_of_information_bits(singletons, [SEGMENTATION, singletons]) == pytest.approx(
        0.5
    )


def test_covering_by_hand():
    # Truth region {1,2,3} best overlaps segment {1,2} (2/3), region {4} segment {3,4} (1/2):
    # (3 * 2/3 + 1 * 1/2) / 4.
    assert segmentation_covering(SEGMENTATION, TRUTH) == pytest.approx(0.625)
    # Annotators pooled: (2.5 + 4) / (4 + 4).
    assert segmentation_covering(SEGMENTATION, [TRUTH, SEGMENTATION]) == pytest.approx(0.8125)


def test_adjusted_rand_index_by_hand():
    truth, segmentation = np.array([0, 0, 0, 1, 1, 1]), np.array([0, 0, 1, 1, 2, 2])
    # Together in both: 2 pairs; in truth 6, in segmentation 3, of 15: expected 6 * 3 / 15.
    assert adjusted_rand_index(truth, segmentation) == pytest.approx((2 - 1.2) / (4.5 - 1.2))
    assert adjusted_rand_index(truth, 7 - 3 * truth) == pytest.approx(1)
    assert adjusted_rand_index(np.zeros(4, int), np.zeros(4, int)) == 1


def test_foreground_ari_ignores_the_background():
    truth = np.array([0, 0, 1, 1, 2, 2])
    segmentation = np.array([5, 6, 1, 1, 2, 2])
    assert adjusted_rand_index(truth, segmentation) < 1
    assert adjusted_rand_index(truth, segmentation, mask=truth > 0) == pytest.approx(1)


def test_mask_iou_by_hand():
    segmentation = np.array([0, 0, 1, 1, 2, 2])
    mask = np.array([False, False, True, True, True, True])
    assert mask_iou(segmentation, mask) == pytest.approx((0.5, 1.0))
    # Segment 1 is half inside: not mostly inside, so the union is segment 2 alone.
    best, union = mask_iou(segmentation, np.array([False, False, False, True, True, True]))
    assert best == pytest.approx(2 / 3) and union == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="empty"):
        mask_iou(segmentation, np.zeros(6, bool))


def test_metrics_reject_mismatched_shapes():
    with pytest.raises(ValueError, match="shape"):
        probabilistic_rand_index(np.zeros((2, 2), int), np.zeros((2, 3), int))
    with pytest.raises(ValueError, match="no pixels"):
        adjusted_rand_index(np.zeros(3, int), np.ones(3, int), mask=np.zeros(3, bool))


def test_objects_without_any_object_are_reported(tmp_path):
    _write_png(tmp_path / "empty.png", np.zeros((4, 4), np.uint8))
    _write_png(tmp_path / "empty_labels.png", np.zeros((4, 4), np.uint8))
    result = runner.invoke(app, ["eval", str(tmp_path), "--no-baselines"])
    assert result.exit_code == 2
    assert "error: empty: the ground truth has no object" in result.output


def test_shapes_dataset():
    dataset = shapes_dataset(3, count=2)
    sample = dataset[1]
    assert dataset.kind == "objects" and len(dataset) == 2
    assert sample.image.shape == sample.truths[0].shape == (32, 32)
    assert set(np.unique(sample.truths[0])) == {0, 1, 2, 3}


def _write_png(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def test_bsds_layout(tmp_path):
    image = np.zeros((6, 8, 3), np.uint8)
    image[:, 4:] = 200
    _write_png(tmp_path / "images" / "a.png", image)
    annotators = np.empty((1, 2), dtype=object)
    left = np.where(np.arange(8) < 4, 1, 2) * np.ones((6, 1), np.uint16)
    annotators[0, 0] = {"Segmentation": left.astype(np.uint16)}
    annotators[0, 1] = {"Segmentation": np.ones((6, 8), np.uint16)}
    (tmp_path / "groundTruth").mkdir()
    savemat(tmp_path / "groundTruth" / "a.mat", {"groundTruth": annotators})
    dataset = open_dataset(tmp_path)
    sample = dataset[0]
    assert dataset.kind == "regions" and dataset.names == ["a"]
    assert len(sample.truths) == 2 and np.array_equal(sample.truths[0], left)
    rows = list(evaluate(dataset, [felzenszwalb_method()]))
    assert rows[0]["pri"] == pytest.approx(probabilistic_rand_index(left, sample.truths))
    (tmp_path / "groundTruth" / "a.mat").unlink()
    with pytest.raises(ImageError, match="no ground truth for a.png"):
        open_dataset(tmp_path)


def test_figure_ground_layout_resizes_to_the_mask(tmp_path):
    mask = np.zeros((10, 12), np.uint8)
    mask[2:8, 3:9] = 250
    _write_png(tmp_path / "figure_ground" / "horse1.png", mask)
    _write_png(tmp_path / "gray" / "horse1.png", mask // 2)
    _write_png(tmp_path / "rgb" / "horse1.png", np.zeros((20, 24, 3), np.uint8))
    gray = open_dataset(tmp_path)
    assert gray.kind == "figure_ground" and gray.name == tmp_path.name
    assert np.array_equal(gray[0].truths[0], mask > 127)
    assert open_dataset(tmp_path / "rgb")[0].image.shape == (10, 12, 3)


def test_label_png_layout_skips_unlabelled_images():
    dataset = open_dataset(SAMPLES)
    assert dataset.kind == "objects"
    assert dataset.names == ["three_shapes", "two_shapes"]


def test_open_dataset_errors(tmp_path):
    with pytest.raises(ImageError, match="no such folder"):
        open_dataset(tmp_path / "missing")
    _write_png(tmp_path / "lonely.png", np.zeros((4, 4), np.uint8))
    with pytest.raises(ImageError, match="no ground truth"):
        open_dataset(tmp_path)


def test_perfect_segmentation_scores_perfectly():
    sample = shapes_dataset(2, count=1)[0]
    scores = score(sample.truths[0] + 4, sample, "objects")
    assert scores == pytest.approx({"covering": 1, "pri": 1, "voi": 0, "ari": 1, "fg_ari": 1})


def test_evaluate_runs_seeded_methods_per_seed():
    dataset = shapes_dataset(2, count=2)
    methods = [wavesegment_method(engine="numba", segments=2), slic_method()]
    rows = list(evaluate(dataset, methods, seeds=[0, 1], limit=1))
    assert [(row["method"], row["seed"]) for row in rows] == [
        ("wavesegment", 0),
        ("wavesegment", 1),
        ("slic", None),
    ]
    assert all(row["image"] == "shapes2-0" and row["seconds"] >= 0 for row in rows)
    # The background, the two outlines and the two holes they enclose, at most.
    assert rows[0]["segments"] <= 5


def test_baselines_separate_generated_shapes():
    dataset = shapes_dataset(3, count=3)
    rows = list(evaluate(dataset, [felzenszwalb_method(), slic_method()]))
    assert all(row["fg_ari"] > 0.95 for row in rows if row["method"] == "felzenszwalb")
    assert all(row["segments"] <= 9 for row in rows if row["method"] == "slic")


def test_summarise_counts_separated_runs():
    sample = shapes_dataset(2, count=1)[0]
    rows = [
        {"method": "m", "seconds": 1.0, "segments": 2, **score(labels, sample, "objects")}
        for labels in (sample.truths[0], np.zeros_like(sample.truths[0]))
    ]
    summary = summarise(rows, "objects")["m"]
    assert summary["separated"] == 0.5 and summary["rows"] == 2
    assert summary["fg_ari"]["mean"] == pytest.approx(0.5)


def test_method_is_plain_data():
    method = Method("constant", {}, lambda image, seed: np.zeros(image.shape[:2], int), False)
    rows = list(evaluate(shapes_dataset(2, count=1), [method]))
    assert rows[0]["covering"] < 1 and rows[0]["segments"] == 1


def test_run_evaluation_builds_and_writes_the_report(tmp_path):
    calls = []
    report = run_evaluation(
        shapes=2,
        count=2,
        seeds=[0, 1],
        options={"engine": "numba", "segments": 2},
        json_path=tmp_path / "report.json",
        progress=lambda *pair: calls.append(pair),
    )
    assert calls == [(finished, 6) for finished in range(7)]  # 2 images x 3 methods
    assert (report["name"], report["dataset"], report["kind"]) == ("shapes2", "shapes2", "objects")
    assert report["images"] == 2 and report["seeds"] == [0, 1]
    assert list(report["methods"]) == ["wavesegment", "felzenszwalb", "slic"]
    assert report["summary"]["wavesegment"]["rows"] == 4 and len(report["rows"]) == 8
    assert json.loads((tmp_path / "report.json").read_text()) == report
    with pytest.raises(ValueError, match="exactly one"):
        run_evaluation(SAMPLES, shapes=2)


def test_cli_eval_shapes_writes_csv_and_json(tmp_path):
    result = runner.invoke(
        app,
        [
            "eval", "--shapes", "2", "--count", "2", "--seeds", "2", "--engine", "numba",
            "--csv", str(tmp_path / "rows.csv"), "--json", str(tmp_path / "out" / "report.json"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "fg ARI >= 0.95" in result.output and "felzenszwalb" in result.output
    with open(tmp_path / "rows.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 * (2 + 1 + 1)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["seeds"] == [0, 1] and report["images"] == 2
    assert report["summary"]["wavesegment"]["rows"] == 4
    assert report["methods"]["wavesegment"] == {
        "segments": None,
        "engine": "numba",
        "preset": "natural",
    }
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_cli_eval_folder_per_image():
    result = runner.invoke(
        app, ["eval", str(SAMPLES), "--limit", "1", "--no-baselines", "--per-image", "-k", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "three_shapes" in result.output and "slic" not in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "give either DATASET or --shapes"),
        (["--shapes", "4"], "--shapes must be 2 or 3"),
        (["nowhere"], "nowhere: no such folder"),
        ([str(SAMPLES), "--shapes", "2"], "give either DATASET or --shapes"),
    ],
)
def test_cli_eval_errors(arguments, message):
    result = runner.invoke(app, ["eval", *arguments])
    assert result.exit_code == 2
    assert f"error: {message}" in result.output and "Traceback" not in result.output


def test_region_scores_are_the_three_scores_from_one_table():
    from skimage.metrics import variation_of_information

    from wavesegment.evaluation.metrics import (
        probabilistic_rand_index,
        region_scores,
        segmentation_covering,
        variation_of_information_bits,
    )

    rng = np.random.default_rng(3)
    segmentation = rng.integers(0, 6, (30, 40)) * 7
    truths = [rng.integers(0, k, (30, 40)) for k in (2, 5, 9)]
    covering, pri, voi = region_scores(segmentation, truths)
    assert covering == segmentation_covering(segmentation, truths)
    assert pri == probabilistic_rand_index(segmentation, truths)
    assert voi == variation_of_information_bits(segmentation, truths)
    skimage_voi = np.mean([variation_of_information(t, segmentation).sum() for t in truths])
    assert voi == pytest.approx(skimage_voi, abs=1e-12)
