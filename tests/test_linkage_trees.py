"""The learned linkage's boosted trees: fitted, stored, read back, and their costs explained."""

import numpy as np
import pytest

from wavesegment.grouping.boosting import Trees, fit_trees
from wavesegment.grouping.linkage import (
    CUES,
    LEARNED,
    LEARNED_PATH,
    CueGraph,
    TreeLinkage,
    cue_maps,
)


def pairs(seed, n=3000):
    """Cue vectors whose "different" share rises with the colour distance and, only where the
    border is weak, falls with the border's edge: an interaction no single weight carries."""
    rng = np.random.default_rng(seed)
    cues = rng.normal(size=(n, len(CUES)))
    colour, edge = cues[:, CUES.index("colour")], cues[:, CUES.index("edge_sharp")]
    log_odds = 2 * colour + np.where(edge < 0, -2.0, 1.0) * np.abs(edge)
    return cues, 1 / (1 + np.exp(-log_odds)), rng.uniform(0.1, 1.0, n)


def test_the_trees_fit_better_than_their_start_and_split_only_on_the_cues_that_matter():
    cues, labels, weights = pairs(0)
    trees = fit_trees(cues, labels, weights, n_trees=60, depth=2)
    test_cues, test_labels, _ = pairs(1)
    p = np.array([1 / (1 + np.exp(-trees.log_odds(x))) for x in test_cues])
    base = 1 / (1 + np.exp(-trees.base))
    assert np.mean((p - test_labels) ** 2) < 0.3 * np.mean((base - test_labels) ** 2)
    used = set(trees.feature[np.isfinite(trees.threshold)].tolist())
    assert used <= {CUES.index("colour"), CUES.index("edge_sharp")}


def test_a_written_model_reads_back_with_the_same_costs(tmp_path):
    cues, labels, weights = pairs(2, n=800)
    model = TreeLinkage(fit_trees(cues, labels, weights, n_trees=10))
    model.write(tmp_path / "model.json")
    again = TreeLinkage.read(tmp_path / "model.json")
    assert [again.cost(x) for x in cues[:50]] == [model.cost(x) for x in cues[:50]]
    assert again.bias == model.bias


def test_a_model_of_other_cues_is_refused(tmp_path):
    text = LEARNED_PATH.read_text().replace('"colour"', '"hue"', 1)
    (tmp_path / "old.json").write_text(text)
    with pytest.raises(ValueError, match="refit"):
        TreeLinkage.read(tmp_path / "old.json")


def test_the_shipped_cost_is_the_logistic_of_its_bias_and_cue_terms():
    rng = np.random.default_rng(3)
    for x in rng.normal(size=(20, len(CUES))) * 10:
        log_odds = LEARNED.bias + LEARNED.terms(x).sum()
        assert LEARNED.cost(x) == pytest.approx(1 / (1 + np.exp(-log_odds)), rel=1e-12)


def test_the_border_cues_of_a_sharp_step_and_of_a_flat_band_in_texture():
    """A step has its sharp gradient all along the border and no gap; a border drawn through
    a flat band of a textured photo is all gap: under the photo's median gradient."""
    labels = np.repeat([[0] * 20 + [1] * 20], 12, axis=0)
    step = np.where(labels[..., None] == 0, [40.0, 0.0, 0.0], [70.0, 0.0, 0.0])
    graph = CueGraph(labels, step, cue_maps(step, cell=5.0), LEARNED)
    cues = dict(zip(CUES, graph.cues(0, 1), strict=True))
    assert cues["edge_gap"] == 0.0 and cues["edge_strong"] == 1.0
    assert cues["edge_sharp"] > 10.0
    assert cues["edge_sharp_rms"] == pytest.approx(cues["edge_sharp"])  # even along it
    textured = np.zeros((12, 40, 3))
    textured[..., 0] = 50.0 + np.random.default_rng(4).normal(0.0, 10.0, (12, 40))
    textured[:, 14:26, 0] = 50.0
    graph = CueGraph(labels, textured, cue_maps(textured, cell=5.0), LEARNED)
    cues = dict(zip(CUES, graph.cues(0, 1), strict=True))
    assert cues["edge_gap"] == 1.0 and cues["edge_strong"] == 0.0


def test_attribution_of_a_tree_that_never_splits_gives_every_cue_nothing():
    flat = Trees(np.zeros((2, 1), dtype=np.intp), np.full((2, 1), np.inf), np.ones((2, 3)), 0.5)
    bias, parts = flat.attribution(np.arange(3.0), 3)
    assert bias == 2.5 and parts.tolist() == [0.0, 0.0, 0.0]
