"""Fit and ablate the merge tree's learned linkage on BSDS500: which grouping cues earn their keep.

For every photo of the train and the val split, the natural preset runs once and its
candidate regions (the merge tree's leaves) are cached in ``--cache`` with the photo's cue maps
(:func:`wavesegment.grouping.linkage.cue_maps`). A pair of regions is labelled "different" by
the share of annotators whose majority segments of the two differ, and weighted by the smaller
region's share of the photo. For each variant (every cue; every cue but one; one cue group
alone; the colour linkage), a logistic model is first fitted on the adjacent pairs of the
leaves and of three cuts of the colour linkage's tree (so that large merged regions are seen
too), then ``--rounds`` times refitted on the pairs that its own merge tree merges on train
(on-policy: the merges it actually makes, with the cues they have then). Its tree is cut at
each threshold of a sweep on train, and the threshold with the best mean covering + PRI taken
to val unchanged. Scores: covering / PRI / VoI (bits), every annotator.

    python benchmarks/linkage_ablation.py /work/shared/datasets/bsds500 --cache /tmp/linkage-cache

``--weights`` prints the full model's constants, as ``wavesegment/grouping/linkage.py`` ships
them. ``--cuts P ...`` prints instead, on the first ``--limit`` photos of ``--split``, the
boundary recall, precision and F (pooled over the photos) and the region scores of the leaves
and of the shipped tree's cuts under each P, and the ODS / OIS over those cuts: whether the
leaves lack the annotators' boundaries or the linkage orders them badly.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import optimize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oriented_cue import OrientedLinkage, oriented_maps  # noqa: E402  (beside this script)

from wavesegment import segment  # noqa: E402
from wavesegment.evaluation.benchmark import dataset_scores, f_measure, level_scores  # noqa: E402
from wavesegment.evaluation.datasets import open_dataset  # noqa: E402
from wavesegment.evaluation.levels import segmentation_levels  # noqa: E402
from wavesegment.grouping import tree  # noqa: E402
from wavesegment.grouping.linkage import CUES, LEARNED, Linkage, cue_maps  # noqa: E402
from wavesegment.labels import relabel_by_size  # noqa: E402
from wavesegment.parameters import PRESETS  # noqa: E402
from wavesegment.preparation.colour import cielab  # noqa: E402

PROBABILITIES = tuple(np.round(np.arange(0.3, 0.705, 0.01), 2))
COLOUR_THRESHOLDS = (8, 10, 12, 14, 16, 18, 20, 24, 28)
TRAINING_CUTS = (8, 16, 28)
GROUPS = {
    "colour": ("colour", "lightness", "spread"),
    "edges": ("edge_fine", "edge_coarse", "edge_inside"),
    "contrast": ("contrast",),
    "texture": ("texture",),
    "colour_histogram": ("colour_histogram",),
    "size": ("small", "large", "border"),
}


def photo(
    sample, index: int, cache: Path, oriented: bool = False
) -> tuple[np.ndarray, np.ndarray, dict]:
    """The natural preset's candidate regions of ``sample``, its CIELAB and its cue maps (with
    ``oriented``, those of ``oriented_cue.py`` too)."""
    path = cache / f"{index:04d}_{sample.name}.npz"
    if path.exists():
        stored = np.load(path)
        leaves, grid = stored["leaves"], stored["grid"]
    else:
        result = segment(sample.image)
        leaves, grid = result.tree.leaves, np.array(result.parameters["grid"])
        np.savez_compressed(path, leaves=leaves, grid=grid)
    lab = cielab(sample.image)  # the preset's own: scaled to 0..1 first
    cell = max(n / g for n, g in zip(leaves.shape, grid, strict=True))
    maps = cue_maps(lab, cell=cell)
    return leaves, lab, maps | oriented_maps(lab, cell) if oriented else maps


def colour_tree(leaves, lab, maps) -> tree.MergeTree:
    """The merge tree of the colour linkage (the natural preset's before the learned one)."""
    p = PRESETS["natural"]
    return tree.merge_tree(
        leaves,
        features=np.moveaxis(lab, -1, 0),
        size_exponent=p.merge_size_exponent,
        edges=maps["edge_fine"],
        texture_spread=p.merge_texture_spread,
        edge_weight=p.merge_edge_weight,
        texture_edges=p.merge_texture_edges,
    )


def training_pairs(
    leaves, lab, maps, truths, model: type[Linkage] = Linkage
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cues (those of ``model``), "different" label (share of annotators) and weight of every
    adjacent pair of the leaves and of the colour tree's cuts."""
    colour = colour_tree(leaves, lab, maps)
    partitions = [leaves] + [colour.cut(threshold=t) - 1 for t in TRAINING_CUTS]
    cues, labels, weights = [], [], []
    for partition in partitions:
        partition = relabel_by_size(partition) - 1
        graph = neutral(model).graph(partition, lab, maps)
        n = int(partition.max()) + 1
        majority = []
        for truth in truths:
            k = int(truth.max()) + 1
            table = np.bincount(partition.ravel() * k + truth.ravel(), minlength=n * k)
            majority.append(table.reshape(n, k).argmax(axis=1))
        for a in range(n):
            for b in (b for b in graph.borders[a] if b > a):
                cues.append(graph.cues(a, b))
                labels.append(np.mean([m[a] != m[b] for m in majority]))
                weights.append(min(graph.sizes[a], graph.sizes[b]) / partition.size)
    return np.array(cues), np.array(labels), np.array(weights)


def neutral(model: type[Linkage]) -> Linkage:
    """A ``model`` of weights 0: its graph gives the raw cues."""
    n_cues = len(model.names)
    return model(weights=(0.0,) * n_cues, bias=0.0, centre=(0.0,) * n_cues, scale=(1.0,) * n_cues)


def merge_pairs(built: tree.MergeTree, leaves, lab, maps, truths, model: type[Linkage] = Linkage):
    """Cues, "different" label (share of annotators) and weight of every pair of regions that
    ``built`` merges, as they stand when it merges them (its tree replayed on a cue graph)."""
    graph = neutral(model).graph(leaves, lab, maps)
    tables = leaf_tables(leaves, truths)  # each region's pixels in each annotator's segments
    cues, labels, weights = [], [], []
    for a, b in built.pairs:
        a, b = int(a), int(b)
        if b not in graph.borders[a]:
            break  # the joins of regions that never touch, at the top of the tree
        cues.append(graph.cues(a, b))
        labels.append(np.mean([t[a].argmax() != t[b].argmax() for t in tables]))
        weights.append(min(graph.sizes[a], graph.sizes[b]) / leaves.size)
        graph.merge(a, b)
        for table in tables:
            table[a] += table[b]
    return np.array(cues), np.array(labels), np.array(weights)


def learned_tree(leaves, lab, maps, model: Linkage) -> tree.MergeTree:
    """The merge tree of the learned linkage ``model``."""
    return tree.merge_tree(leaves, features=np.moveaxis(lab, -1, 0), linkage=model, cues=maps)


def fit_on_policy(
    photos, samples, pairs, used, rounds: int, kind: type[Linkage] = Linkage
) -> Linkage:
    """The model (a ``kind``) fitted on ``pairs`` (cues, labels, weights), then ``rounds`` times
    refitted on the pairs its own trees merge on ``photos``."""
    model = fit(*pairs, used, kind)
    for _ in range(rounds):
        merged = [
            merge_pairs(learned_tree(*p, model), *p, s.truths, kind)
            for p, s in zip(photos, samples, strict=True)
        ]
        columns = (np.concatenate(column) for column in zip(*merged, strict=True))
        model = fit(*columns, used, kind)
    return model


def fit(
    cues: np.ndarray, labels: np.ndarray, weights: np.ndarray, used, model: type[Linkage] = Linkage
) -> Linkage:
    """The weighted logistic regression of ``labels`` on the ``used`` cues (the others'
    weights 0), cues standardised, with a small ridge penalty: a ``model``."""
    mask = np.array([name in used for name in model.names])
    centre, scale = cues.mean(axis=0), cues.std(axis=0) + 1e-12
    x = ((cues - centre) / scale)[:, mask]
    w = weights / weights.mean()

    def loss(theta):
        z = theta[0] + x @ theta[1:]
        log_p, log_q = -np.logaddexp(0, -z), -np.logaddexp(0, z)
        value = -np.sum(w * (labels * log_p + (1 - labels) * log_q)) + 1e-2 * theta[1:] @ theta[1:]
        residual = w * (np.exp(log_p) - labels)
        gradient = np.concatenate([[residual.sum()], x.T @ residual + 2e-2 * theta[1:]])
        return value, gradient

    theta = optimize.minimize(loss, np.zeros(1 + mask.sum()), jac=True, method="L-BFGS-B").x
    weights_all = np.zeros(len(model.names))
    weights_all[mask] = theta[1:]
    return model(
        weights=tuple(round(float(v), 4) for v in weights_all),
        bias=round(float(theta[0]), 4),
        centre=tuple(round(float(v), 4) for v in centre),
        scale=tuple(round(float(v), 4) for v in scale),
    )


def leaf_tables(leaves: np.ndarray, truths) -> list[np.ndarray]:
    """Per annotator, the pixels of each leaf (rows) in each of its segments (columns): a cut's
    contingency table is the sum of its segments' rows, so scoring a cut costs no pixel pass."""
    n = int(leaves.max()) + 1
    tables = []
    for truth in truths:
        k = int(truth.max()) + 1
        counts = np.bincount(leaves.ravel() * k + truth.ravel(), minlength=n * k)
        tables.append(counts.reshape(n, k).astype(np.float64))
    return tables


def cut_scores(tables: list[np.ndarray], leaf_labels: np.ndarray) -> dict[str, float]:
    """Covering, PRI and VoI (bits) of the cut that gives leaf i the label ``leaf_labels[i]``
    (1..k), as :func:`wavesegment.evaluation.evaluate.score` computes them from the pixels."""
    covered = area = 0.0
    rand, voi = [], []
    for table in tables:
        counts = np.zeros((leaf_labels.max() + 1, table.shape[1]))
        np.add.at(counts, leaf_labels, table)
        counts = counts[counts.sum(axis=1) > 0].T  # truth regions x segments
        counts = counts[counts.sum(axis=1) > 0]
        rows, columns, total = counts.sum(axis=1), counts.sum(axis=0), counts.sum()
        union = rows[:, None] + columns[None, :] - counts
        covered += float((rows * (counts / union).max(axis=1)).sum())
        area += total
        squares = (rows**2).sum() + (columns**2).sum()
        rand.append(1 - (squares / 2 - (counts**2).sum()) / (total * (total - 1) / 2))
        joint = counts[counts > 0] / total
        entropy = -np.sum(joint * np.log2(joint))
        h_rows = -np.sum(rows / total * np.log2(rows / total))
        h_columns = -np.sum(columns / total * np.log2(columns / total))
        voi.append(2 * entropy - h_rows - h_columns)
    return {"covering": covered / area, "pri": float(np.mean(rand)), "voi": float(np.mean(voi))}


def sweep(photos, samples, build, thresholds) -> dict:
    """Mean covering / PRI / VoI / segments of each threshold's cut, over the photos."""
    rows: dict = {t: [] for t in thresholds}
    for (leaves, lab, maps), sample in zip(photos, samples, strict=True):
        built, tables = build(leaves, lab, maps), leaf_tables(leaves, sample.truths)
        for t in thresholds:
            row = cut_scores(tables, built.leaf_labels(built.n_merges(threshold=t)))
            row["segments"] = built.n_leaves - built.n_merges(threshold=t)
            rows[t].append(row)
    return {t: {k: float(np.mean([r[k] for r in rows[t]])) for k in rows[t][0]} for t in rows}


def variants(adopted: tuple[str, ...], names: tuple[str, ...] = CUES) -> dict[str, tuple[str, ...]]:
    """Every variant's cues: the adopted set, it less each of its cues, the mean colours with
    each cue group added, and each cue left out of the adopted set added back."""
    chosen = {"adopted": adopted}
    chosen |= {f"- {c}": tuple(x for x in adopted if x != c) for c in adopted}
    chosen |= {f"+ {c}": (*adopted, c) for c in names if c not in adopted}
    base = GROUPS["colour"]
    chosen |= {f"colour + {g}": (*base, *names) for g, names in GROUPS.items() if g != "colour"}
    chosen["colour only"] = base
    return chosen


def ucm2(built: tree.MergeTree) -> np.ndarray:
    """The tree as the benchmark's double-size ultrametric contour map: each pixel border at
    the level (0..1 for the learned linkage) of the merge that removes it."""
    levels = np.concatenate([[0.0], built.level[built.n_leaves :]])
    joined, leaves = levels[tree.join_levels(built)], built.leaves
    rows, cols = leaves.shape
    ucm = np.zeros((2 * rows + 1, 2 * cols + 1))
    ucm[1:-1:2, 2:-1:2] = joined[leaves[:, :-1], leaves[:, 1:]]  # between columns
    ucm[2:-1:2, 1:-1:2] = joined[leaves[:-1], leaves[1:]]  # between rows
    corners = np.maximum.reduce(
        [ucm[1:-2:2, 2:-1:2], ucm[3::2, 2:-1:2], ucm[2:-1:2, 1:-2:2], ucm[2:-1:2, 3::2]]
    )
    ucm[2:-1:2, 2:-1:2] = corners
    return np.clip(ucm, 0, 1)


def hierarchy_scores(samples, photos, model: Linkage = LEARNED) -> dict:
    """The BSDS500 benchmark (ODS / OIS) of a learned linkage's whole tree, as a ucm2."""
    rows = []
    for (leaves, lab, maps), sample in zip(photos, samples, strict=True):
        built = learned_tree(leaves, lab, maps, model)
        levels = segmentation_levels(ucm2(built), leaves.shape)
        rows.append(level_scores(levels, sample.truths))
    return dataset_scores(rows)


def cut_table(samples, photos, cuts) -> None:
    """Print the boundary R / P / F and the region scores of the leaves and of the shipped
    tree's cuts under each of ``cuts``, then the ODS / OIS over them."""
    rows, segments = [], []
    for (leaves, lab, maps), sample in zip(photos, samples, strict=True):
        built = learned_tree(leaves, lab, maps, LEARNED)
        maps_ = [leaves + 1] + [built.cut(threshold=t) for t in cuts]
        segments.append([int(m.max()) for m in maps_])
        rows.append(level_scores(segmentation_levels(maps_, leaves.shape), sample.truths))
    counts = np.array([r["counts"] for r in rows], float).sum(axis=0)  # [matched truth, truth, ...]
    recall, precision = counts[:, 0] / counts[:, 1], counts[:, 2] / counts[:, 3]
    print("| cut | segments | boundary R / P / F | covering / PRI / VoI |\n|---|---|---|---|")
    for k, name in enumerate(["leaves", *(f"under {t:g}" for t in cuts)]):
        regions = " / ".join(
            f"{np.mean([r[m][k] for r in rows]):.3f}" for m in ("covering", "pri", "voi")
        )
        boundary = (
            f"{recall[k]:.3f} / {precision[k]:.3f} / {f_measure(recall[k], precision[k]):.3f}"
        )
        print(f"| {name} | {np.mean([s[k] for s in segments]):.1f} | {boundary} | {regions} |")
    scores = dataset_scores(rows)
    print(f"ODS / OIS boundary F {scores['boundary_ods_f']:.3f} / {scores['boundary_ois_f']:.3f}")


def load(split: Path, cache: Path, limit: int | None, oriented: bool = False):
    dataset = open_dataset(split)
    count = len(dataset) if limit is None else min(limit, len(dataset))
    folder = cache / split.name
    folder.mkdir(parents=True, exist_ok=True)
    samples = [dataset[i] for i in range(count)]
    return samples, [photo(sample, i, folder, oriented) for i, sample in enumerate(samples)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bsds", type=Path, help="BSDS500 folder (with train/ and val/)")
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--limit", type=int, help="first photos of each split only")
    parser.add_argument("--cues", nargs="*", help="the adopted cues (default: all)")
    parser.add_argument(
        "--oriented", action="store_true", help="two more cues: oriented_cue.py's (not shipped)"
    )
    parser.add_argument("--variants", nargs="*", help="only these variants")
    parser.add_argument("--rounds", type=int, default=0, help="on-policy refits (0: none)")
    parser.add_argument("--weights", action="store_true", help="print the adopted model")
    parser.add_argument(
        "--hierarchy", action="store_true", help="only the shipped tree's ODS / OIS on val"
    )
    parser.add_argument("--cuts", nargs="+", type=float, help="only the table of these cuts")
    parser.add_argument("--split", default="train", help="the split of --cuts")
    parser.add_argument(
        "--ods", type=int, default=0, help="each variant's tree ODS / OIS F on N train photos"
    )
    args = parser.parse_args()
    if args.cuts:
        cut_table(*load(args.bsds / args.split, args.cache, args.limit), args.cuts)
        return
    if args.hierarchy:
        val, val_photos = load(args.bsds / "val", args.cache, args.limit)
        scores = hierarchy_scores(val, val_photos)
        print(f"{len(val)} val photos, the shipped linkage's tree as a ucm2:")
        print({k: round(v, 3) for k, v in scores.items()})
        return
    kind = OrientedLinkage if args.oriented else Linkage
    train, train_photos = load(args.bsds / "train", args.cache, args.limit, args.oriented)
    pairs = [
        training_pairs(*p, s.truths, model=kind) for p, s in zip(train_photos, train, strict=True)
    ]
    pairs = [np.concatenate(column) for column in zip(*pairs, strict=True)]
    val, val_photos = load(args.bsds / "val", args.cache, args.limit, args.oriented)
    print(f"{len(train)} train / {len(val)} val photos, {len(pairs[1])} off-policy pairs")
    scores = "covering / PRI / VoI / segments"
    ods = f" train tree ODS / OIS F ({args.ods}) |" if args.ods else ""
    print(f"| linkage | t (train) | train {scores} | val {scores} |{ods}")
    print("|---|---|---|---|" + "---|" * bool(args.ods))
    models = {"colour linkage (old preset)": None}
    for name, used in variants(tuple(args.cues or kind.names), kind.names).items():
        if not args.variants or name in args.variants:
            models[name] = fit_on_policy(train_photos, train, pairs, used, args.rounds, kind)
    for name, model in models.items():
        if model is None:
            build, thresholds = colour_tree, COLOUR_THRESHOLDS
        else:
            build = lambda lv, lab, maps, m=model: learned_tree(lv, lab, maps, m)  # noqa: E731
            thresholds = PROBABILITIES
        on_train = sweep(train_photos, train, build, thresholds)
        best = max(thresholds, key=lambda t: on_train[t]["covering"] + on_train[t]["pri"])
        on_val = sweep(val_photos, val, build, [best])[best]
        line = f"| {name} | {best:g} | {_line(on_train[best])} | {_line(on_val)} |"
        if args.ods and model is not None:
            tree_scores = hierarchy_scores(train[: args.ods], train_photos[: args.ods], model)
            line += f" {tree_scores['boundary_ods_f']:.3f} / {tree_scores['boundary_ois_f']:.3f} |"
        print(line, flush=True)
        if args.weights and name == "adopted":
            print(repr(model))


def _line(m: dict) -> str:
    return f"{m['covering']:.3f} / {m['pri']:.3f} / {m['voi']:.2f} / {m['segments']:.1f}"


if __name__ == "__main__":
    main()
