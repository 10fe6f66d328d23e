"""The step logs of split_disconnected, merge_small_regions and merge_similar_regions: they list
exactly what happened, in the input's numbering, and leave the labels as they were."""

import json

import numpy as np
import pytest

from wavesegment.grouping import merge_similar_regions, merge_small_regions, split_disconnected
from wavesegment.grouping.linkage import CUES, LEARNED, CueGraph, cue_maps
from wavesegment.grouping.tree import merge_tree


def blobs(seed, rows=40, cols=50, k=5, cell=5, flips=0.03):
    """Blocky random labels with single-pixel fragments, and features that follow them."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, k, size=(rows // cell + 1, cols // cell + 1))
    labels = np.kron(coarse, np.ones((cell, cell), dtype=int))[:rows, :cols]
    labels = np.where(rng.random((rows, cols)) < flips, rng.integers(0, k, (rows, cols)), labels)
    features = rng.normal(scale=10, size=(3, k))[:, labels] + rng.normal(size=(3, rows, cols))
    return labels, features


def region_sizes(labels):
    values, counts = np.unique(labels, return_counts=True)
    return dict(zip(values.tolist(), counts.tolist(), strict=True))


def assert_json_types(value):
    """Only the types json writes as they are: no numpy scalars."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) in (str, int)
            assert_json_types(item)
    elif isinstance(value, list):
        for item in value:
            assert_json_types(item)
    else:
        assert type(value) in (str, int, float, bool), type(value)


def replay(labels, log, kind, ignore=None):
    """Apply the logged merges to ``labels``: the image of names (input labels) they leave,
    checking on the way that each entry names two current regions with the sizes logged."""
    inside = np.ones(labels.shape, bool) if ignore is None else ~ignore
    name_of = {int(v): int(v) for v in np.unique(labels[inside])}  # input label -> region
    named = labels.copy()
    for entry in log[:-1]:
        assert entry["step"] == kind
        if kind == "absorb":
            keep, gone = entry["into"], entry["region"]
            sizes = [entry["into_pixels"], entry["pixels"]]
        else:
            (keep, gone), sizes = entry["regions"], entry["pixels"]
        current = region_sizes(named[inside])
        assert keep != gone and keep in current and gone in current
        assert [current[keep], current[gone]] == sizes
        named[inside & (named == gone)] = keep
        name_of = {label: (keep if name == gone else name) for label, name in name_of.items()}
    return named, name_of


def check_relabel(labels, merged, log, named, name_of, ignore=None):
    """The last entry maps every input label to its output label, consistently with the
    replayed merges: one output label per replayed region, and the output labels themselves."""
    inside = np.ones(labels.shape, bool) if ignore is None else ~ignore
    last = log[-1]
    assert last["step"] == "relabel"
    mapping = last["mapping"]
    assert sorted(mapping) == np.unique(labels[inside]).tolist()
    for label, output in mapping.items():
        assert output == mapping[name_of[label]]
        np.testing.assert_array_equal(merged[inside & (labels == label)], output)
    regions = {name_of[label] for label in mapping}
    assert len({mapping[name] for name in regions}) == len(regions) == merged[inside].max()
    np.testing.assert_array_equal(merged[inside], np.vectorize(mapping.get)(named[inside]))
    if ignore is not None:
        assert np.all(merged[ignore] == 0)


# --- split_disconnected -------------------------------------------------------------------


@pytest.mark.parametrize("with_ignore", [False, True])
def test_split_log_names_the_input_label_of_every_output_region(with_ignore):
    labels, _ = blobs(1, k=4)
    ignore = (labels == 3) if with_ignore else None
    log = []
    split = split_disconnected(labels, ignore=ignore, steps=log)
    np.testing.assert_array_equal(split, split_disconnected(labels, ignore=ignore))
    inside = np.ones(labels.shape, bool) if ignore is None else ~ignore
    assert [e["label"] for e in log] == np.unique(labels[inside]).tolist()
    listed = [r for entry in log for r in entry["regions"]]
    assert sorted(listed) == list(range(1, split.max() + 1))  # each output region once
    for entry in log:
        assert entry["step"] == "split" and entry["regions"] == sorted(entry["regions"])
        for region, pixels in zip(entry["regions"], entry["pixels"], strict=True):
            assert np.all(labels[split == region] == entry["label"])
            assert pixels == np.count_nonzero(split == region)
    assert_json_types(log)


def test_split_log_decodes_clusters_and_sides():
    # As segment codes them: (cluster * 2 + side); a cluster cut by the side into two parts.
    clusters = np.zeros((6, 9), dtype=int)
    clusters[:, 3:] = 1
    side = np.zeros((6, 9), dtype=int)
    side[:, 5:7] = 1
    log = []
    split = split_disconnected(clusters * 2 + side, steps=log)
    origin = {r: divmod(e["label"], 2) for e in log for r in e["regions"]}
    assert origin == {
        split[0, 0]: (0, 0),
        split[0, 3]: (1, 0),
        split[0, 8]: (1, 0),
        split[0, 5]: (1, 1),
    }
    assert split[0, 3] != split[0, 8]  # the two parts of (1, 0) are regions of their own
    assert [e["pixels"] for e in log] == [[18], [12, 12], [12]]


# --- merge_small_regions ------------------------------------------------------------------


def test_absorb_log_of_a_known_case():
    labels = np.zeros((6, 8), dtype=int)
    labels[:, 4:] = 7  # two halves, 0 and 7
    labels[2, 1] = 3  # a single pixel inside 0, like 7 in features
    labels[0:2, 6:8] = 5  # 4 pixels in a corner of 7, like 0 in features
    features = np.choose(labels.ravel() % 4, [0.0, 30.0, 0.0, 30.0]).reshape(1, 6, 8)
    features[0, labels == 5] = 1.0  # 5 is like 0 but only touches 7
    log = []
    merged = merge_small_regions(labels, min_size=5, features=features, steps=log)
    assert log[:-1] == [
        {
            "step": "absorb",
            "region": 3,
            "into": 0,
            "pixels": 1,
            "into_pixels": 23,
            "border": 4,
            "pass": 1,
            "distance": 30.0,
        },
        {
            "step": "absorb",
            "region": 5,
            "into": 7,
            "pixels": 4,
            "into_pixels": 20,
            "border": 4,
            "pass": 1,
            "distance": 29.0,
        },
    ]
    assert log[-1] == {"step": "relabel", "mapping": {0: 1, 3: 1, 5: 2, 7: 2}}
    np.testing.assert_array_equal(
        merged, np.where(labels % 7 == 0, 1 + labels // 7, 1 + labels // 5)
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("with_features", [False, True])
@pytest.mark.parametrize("with_ignore", [False, True])
def test_replaying_the_absorbs_gives_the_output(seed, with_features, with_ignore):
    labels, features = blobs(seed)
    ignore = (labels == 4) if with_ignore else None
    parts = split_disconnected(labels, ignore=ignore)
    if with_ignore:
        parts = np.where(ignore, 7, parts)  # what lies under ignore plays no part
    kwargs = dict(min_size=30, ignore=ignore, features=features if with_features else None)
    log = []
    merged = merge_small_regions(parts, steps=log, **kwargs)
    np.testing.assert_array_equal(merged, merge_small_regions(parts, **kwargs))
    assert merged.dtype == merge_small_regions(parts, steps=[], **kwargs).dtype
    named, name_of = replay(parts, log, "absorb", ignore)
    check_relabel(parts, merged, log, named, name_of, ignore)
    inside = slice(None) if ignore is None else ~ignore
    assert len(log) - 1 == np.unique(parts[inside]).size - merged.max()  # one per merge
    assert [e["pass"] for e in log[:-1]] == sorted(e["pass"] for e in log[:-1])
    assert all(("distance" in e) == with_features for e in log[:-1])
    assert_json_types(log)
    json.dumps(log)


def test_absorbs_take_several_passes_and_name_grown_regions_by_their_first_label():
    # A row of 1-pixel regions 1..6 beside a large region 0, alike among themselves: pass 1
    # pairs them up (one merge per region and pass), the pairs go on merging in later passes.
    labels = np.zeros((3, 8), dtype=int)
    labels[0, 1:7] = np.arange(1, 7)
    features = np.where(labels == 0, 100.0, labels)[None]
    log = []
    merged = merge_small_regions(labels, min_size=4, features=features, steps=log)
    assert max(e["pass"] for e in log[:-1]) > 1
    named, name_of = replay(labels, log, "absorb")
    check_relabel(labels, merged, log, named, name_of)
    later = [e for e in log[:-1] if e["pass"] > 1]
    earlier_names = {e["into"] for e in log[:-1] if e["pass"] == 1}
    assert any(e["region"] in earlier_names or e["into"] in earlier_names for e in later)


# --- merge_similar_regions ----------------------------------------------------------------


def brute_costs(current, features, edges, *, size_exponent, spread=10.0, weight=1.5, texture=15.0):
    """Cost of every adjacent pair of ``current`` from its pixels, as the docstring states it."""
    edges = np.zeros(current.shape) if edges is None else edges
    stats = {}
    for r in np.unique(current):
        inside = current == r
        f = features[:, inside]
        stats[r] = (inside.sum(), f.mean(axis=1), f.var(axis=1).sum(), edges[inside].mean())
    pairs = {}
    for a1, a2, e1, e2 in [
        (current[:, :-1], current[:, 1:], edges[:, :-1], edges[:, 1:]),
        (current[:-1], current[1:], edges[:-1], edges[1:]),
    ]:
        differ = a1 != a2
        for a, b, e in zip(a1[differ], a2[differ], np.maximum(e1, e2)[differ], strict=True):
            pairs.setdefault((min(a, b), max(a, b)), []).append(e)
    costs = {}
    for (a, b), border in pairs.items():
        (na, ma, va, ga), (nb, mb, vb, gb) = stats[a], stats[b]
        difference = np.linalg.norm(ma - mb) / np.sqrt(1 + (va + vb) / 2 / spread**2)
        inside = (na * ga + nb * gb) / (na + nb)
        edge = weight * np.mean(border) / (1 + inside / texture)
        h = na * nb / (na + nb) / current.size
        costs[a, b] = (difference + edge) * (4 * h) ** size_exponent
    return costs


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("with_edges", [False, True])
def test_each_merge_was_the_cheapest_then_and_the_rest_cost_too_much(seed, with_edges):
    labels, features = blobs(seed, rows=24, cols=30, k=6, cell=6, flips=0.0)
    labels = split_disconnected(labels)
    rng = np.random.default_rng(seed)
    edges = np.abs(rng.normal(scale=5, size=labels.shape)) if with_edges else None
    threshold, exponent = (18.0 if with_edges else 12.0), 0.15
    log = []
    merged = merge_similar_regions(
        labels,
        features=features,
        threshold=threshold,
        size_exponent=exponent,
        edges=edges,
        steps=log,
    )
    assert len(log) - 1 >= 2 and merged.max() > 1  # some merges, and not all
    named, name_of = replay(labels, log, "merge")
    check_relabel(labels, merged, log, named, name_of)
    current = labels.copy()
    for entry in log[:-1]:
        costs = brute_costs(current, features, edges, size_exponent=exponent)
        a, b = entry["regions"]
        assert entry["cost"] == pytest.approx(costs[min(a, b), max(a, b)], rel=1e-9)
        assert entry["cost"] == pytest.approx(min(costs.values()), rel=1e-9)
        assert entry["cost"] < threshold
        parts = entry["difference"] + entry["edge"], entry["size_factor"]
        assert entry["cost"] == pytest.approx(parts[0] * parts[1], rel=1e-12)
        assert (entry["edge"] > 0) == with_edges
        current[current == b] = a
    assert min(brute_costs(current, features, edges, size_exponent=exponent).values()) >= threshold
    assert_json_types(log)


def test_costs_of_successive_merges_can_fall():
    # Stripes 12.9 | 10 | 13.9: 12.9 and 10 merge first (2.9); their mean, 11.45, is then 2.45
    # from 13.9, nearer than 10 was. The greedy order is cheapest first at each moment, not a
    # rising sequence of costs.
    labels = np.repeat(np.repeat(np.arange(3), 10)[None], 10, axis=0)
    features = np.array([12.9, 10.0, 13.9])[labels][None]
    log = []
    merged = merge_similar_regions(
        labels, features=features, threshold=5, size_exponent=0, steps=log
    )
    assert merged.max() == 1
    assert [e["regions"] for e in log[:-1]] == [[0, 1], [0, 2]]
    costs = [e["cost"] for e in log[:-1]]
    assert costs[0] == pytest.approx(2.9)
    assert costs[1] == pytest.approx(2.45 / np.sqrt(1 + 1.45**2 / 2 / 100))
    assert costs[1] < costs[0]


def test_merge_log_of_a_known_case():
    labels = np.repeat([[4, 4, 9, 2]], 2, axis=0)
    features = np.array([[[10.0, 10.0, 14.0, 50.0]] * 2])
    edges = np.full(labels.shape, 3.0)
    log = []
    merge_similar_regions(
        labels, features=features, threshold=10, size_exponent=0.5, edges=edges, steps=log
    )
    (entry,) = log[:-1]
    size_factor = np.sqrt(4 * (4 * 2 / 6) / 8)
    assert entry == {
        "step": "merge",
        "regions": [4, 9],  # 4, the larger, keeps its name
        "cost": pytest.approx((4.0 + 1.5 * 3 / (1 + 3 / 15)) * size_factor),
        "pixels": [4, 2],
        "border": 2,
        "difference": pytest.approx(4.0),
        "edge": pytest.approx(1.5 * 3 / (1 + 3 / 15)),
        "size_factor": pytest.approx(size_factor),
    }
    assert log[-1] == {"step": "relabel", "mapping": {2: 2, 4: 1, 9: 1}}


def test_the_cost_constants_are_keywords_with_the_tuned_defaults():
    labels, features = blobs(3, rows=24, cols=30, k=6, cell=6, flips=0.0)
    edges = np.abs(np.random.default_rng(3).normal(scale=5, size=labels.shape))
    common = dict(features=features, threshold=12.0, edges=edges)
    default = merge_similar_regions(labels, **common)
    tuned = dict(texture_spread=10.0, edge_weight=1.5, texture_edges=15.0)
    np.testing.assert_array_equal(default, merge_similar_regions(labels, **common, **tuned))
    probes = {}  # the first merge, whatever the constants (none is above 1e9)
    for name, value in [("default", None), ("edge_weight", 3.0), ("texture_edges", 1e9)]:
        log = []
        given = {} if value is None else {name: value}
        merge_similar_regions(labels, **dict(common, threshold=1e9), **given, steps=log)
        probes[name] = log[0]
    assert probes["edge_weight"]["edge"] == pytest.approx(2 * probes["default"]["edge"])
    assert probes["texture_edges"]["edge"] > probes["default"]["edge"]  # texture discounts less
    with pytest.raises(ValueError, match="texture_spread"):
        merge_similar_regions(labels, **common, texture_spread=0.0)
    with pytest.raises(ValueError, match="edge_weight"):
        merge_similar_regions(labels, **common, edge_weight=-1.0)
    with pytest.raises(TypeError):
        merge_similar_regions(labels, common["features"], 12.0)  # keywords only


@pytest.mark.parametrize("seed", range(3))
def test_steps_leave_the_labels_as_they_are(seed):
    labels, features = blobs(seed)
    parts = split_disconnected(labels)
    for function, kwargs in [
        (split_disconnected, {}),
        (merge_small_regions, dict(min_size=25, features=features)),
        (merge_similar_regions, dict(features=features, threshold=15.0)),
    ]:
        plain = function(parts, **kwargs)
        logged = function(parts, **kwargs, steps=[])
        assert plain.dtype == logged.dtype and np.array_equal(plain, logged)


@pytest.mark.parametrize("scale, shift", [(1, 0), (1000, -5), (10**6, 0)])
def test_the_mapping_holds_for_any_integer_labels(scale, shift):
    # Negative or far apart labels take another way to the mapping than small ones do.
    labels, features = blobs(4)
    parts = split_disconnected(labels) * scale + shift
    log = []
    merged = merge_small_regions(parts, min_size=30, features=features, steps=log)
    named, name_of = replay(parts, log, "absorb")
    check_relabel(parts, merged, log, named, name_of)
    log = []
    merged = merge_similar_regions(parts, features=features, threshold=15.0, steps=log)
    named, name_of = replay(parts, log, "merge")
    check_relabel(parts, merged, log, named, name_of)


def test_the_learned_linkage_merges_the_cheapest_pair_and_logs_its_cost_truthfully():
    rng = np.random.default_rng(5)
    labels, _ = blobs(5, rows=30, cols=36, k=6, cell=6, flips=0.0)
    labels = split_disconnected(labels)
    lab = np.stack([rng.normal(50, 5, labels.shape), *rng.normal(0, 3, (2, *labels.shape))], -1)
    lab += rng.normal(0, 15, (labels.max() + 1, 3))[labels]  # each region its own colour
    maps = cue_maps(lab, cell=3.0)
    tree = merge_tree(labels, features=np.moveaxis(lab, -1, 0), linkage=LEARNED, cues=maps)
    current = labels.copy()
    for entry in tree.merges:
        # From scratch on the labels so far: the same cues as the pooled sums give.
        graph = CueGraph(current, lab, maps, LEARNED)
        costs = {
            (a, b): graph.cost(a, b) for a in range(len(graph.borders)) for b in graph.borders[a]
        }
        a, b = entry["regions"]
        assert entry["cost"] == pytest.approx(costs[a, b], rel=1e-9)
        assert entry["cost"] == pytest.approx(min(costs.values()), rel=1e-9)
        log_odds = entry["difference"] + entry["edge"] + entry["size"] + entry["bias"]
        assert entry["cost"] == pytest.approx(1 / (1 + np.exp(-log_odds)), rel=1e-9)
        terms = sum(entry[f"term_{name}"] for name in CUES)
        assert terms == pytest.approx(log_odds - entry["bias"], abs=1e-9)
        current[current == b] = a
    assert current.max() == current.min()  # down to one region
    assert_json_types(list(tree.merges))


def test_learned_cues_of_two_flat_regions():
    labels = np.repeat([[0] * 6 + [1] * 4], 8, axis=0)
    lab = np.where(labels[..., None] == 0, [40.0, 10.0, 0.0], [70.0, 10.0, 0.0])
    graph = CueGraph(labels, lab, cue_maps(lab, cell=2.0), LEARNED)
    cues = dict(zip(CUES, graph.cues(0, 1), strict=True))
    assert cues["colour"] == pytest.approx(30.0) and cues["lightness"] == pytest.approx(30.0)
    assert cues["spread"] == pytest.approx(np.sqrt(0.6 * 0.4) * 30)  # of the pair's union
    assert cues["contrast"] == pytest.approx(30.0, rel=0.05)  # sampled off the border
    assert cues["small"] == pytest.approx(np.log(0.4)) and cues["large"] == pytest.approx(
        np.log(0.6)
    )
    assert cues["border"] == 1.0  # all of each one's perimeter
    assert cues["texture"] < 0.1  # both flat: LBP codes differ at the step only
