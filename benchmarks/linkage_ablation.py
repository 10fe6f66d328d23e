"""Ablation of the merge tree's linkage cues on BSDS500: which terms of the cost earn their keep.

For the first ``--limit`` photos of a BSDS500 split, the natural preset runs once and its
candidate regions (the merge tree's leaves, ``result.tree.leaves``) are kept (cached in
``--cache`` if given). Then, for each variant of the linkage, the merge tree of those leaves is
built and cut under each threshold of a sweep; the table gives, per variant, the threshold
with the best mean covering and its covering / PRI / VoI (bits), every annotator, and the
scores at ``--at`` thresholds (e.g. train's best, to check them on val).

    python benchmarks/linkage_ablation.py /work/shared/datasets/bsds500/train --limit 30
    python benchmarks/linkage_ablation.py /work/shared/datasets/bsds500/val --limit 40 \\
        --at preset=16 lbp=...

Variants: ``preset`` (the natural preset's cost); ``mean-lab`` (distance of mean CIELAB
only: no edge, no texture discount, no size factor); ``no-edge``, ``no-size``,
``no-texture-discount`` (the preset's cost less one term); ``lbp`` (the preset's cost plus
the total-variation distance of the regions' local-binary-pattern histograms on L*, times
``--lbp-weight``); ``coarse-edges`` (border edges averaged over the preset's scale and 4x it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skimage.feature import local_binary_pattern  # noqa: E402

from wavesegment import segment  # noqa: E402
from wavesegment.evaluation.datasets import open_dataset  # noqa: E402
from wavesegment.evaluation.evaluate import score  # noqa: E402
from wavesegment.grouping import merging, tree  # noqa: E402
from wavesegment.parameters import PRESETS  # noqa: E402
from wavesegment.preparation.colour import cielab  # noqa: E402

THRESHOLDS = (6, 8, 10, 12, 14, 16, 18, 20, 24, 28, 34, 40)


def leaves_of(sample, index: int, cache: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """The natural preset's candidate regions of ``sample`` and its working grid's shape."""
    path = cache / f"{index:04d}_{sample.name}.npz" if cache else None
    if path is not None and path.exists():
        stored = np.load(path)
        return stored["leaves"], stored["grid"]
    result = segment(sample.image)
    leaves, grid = result.tree.leaves, np.array(result.parameters["grid"])
    if path is not None:
        np.savez_compressed(path, leaves=leaves, grid=grid)
    return leaves, grid


class _TextureGraph(merging._RegionGraph):
    """The preset's region graph plus the regions' LBP histograms (merged as means)."""

    lbp_weight = 0.0
    codes: np.ndarray | None = None

    def __init__(self, labels, features, edges, constants):
        super().__init__(labels, features, edges, constants)
        n_regions, n_bins = self.sizes.size, int(self.codes.max()) + 1
        counts = np.bincount(
            labels.ravel() * n_bins + self.codes.ravel(), minlength=n_regions * n_bins
        )
        self.histograms = counts.reshape(n_regions, n_bins) / self.sizes[:, None]

    def cost_parts(self, a, b):
        difference, edge, size_factor = super().cost_parts(a, b)
        distance = 0.5 * np.abs(self.histograms[a] - self.histograms[b]).sum()
        return difference + self.lbp_weight * distance, edge, size_factor

    def merge(self, a, b):
        weights = self.sizes[[a, b]] / (self.sizes[a] + self.sizes[b])
        self.histograms[a] = weights[0] * self.histograms[a] + weights[1] * self.histograms[b]
        super().merge(a, b)


def variant_trees(leaves, lab, cell, lbp_weight):
    """The merge tree of ``leaves`` under each linkage variant."""
    p = PRESETS["natural"]
    features = np.moveaxis(lab, -1, 0)
    edges = merging.edge_strength(lab, scale=cell / 2)
    base = dict(
        size_exponent=p.merge_size_exponent,
        edges=edges,
        texture_spread=p.merge_texture_spread,
        edge_weight=p.merge_edge_weight,
        texture_edges=p.merge_texture_edges,
    )
    coarse = 0.5 * (edges + merging.edge_strength(lab, scale=2 * cell))
    variants = {
        "preset": base,
        "mean-lab": {**base, "edge_weight": 0.0, "texture_spread": 1e9, "size_exponent": 0.0},
        "no-edge": {**base, "edge_weight": 0.0},
        "no-size": {**base, "size_exponent": 0.0},
        "no-texture-discount": {**base, "texture_spread": 1e9, "texture_edges": 1e9},
        "coarse-edges": {**base, "edges": coarse},
    }
    trees = {
        name: tree.merge_tree(leaves, features=features, **kw) for name, kw in variants.items()
    }
    lightness = np.clip(lab[..., 0] * 2.55, 0, 255).astype(np.uint8)
    _TextureGraph.codes = local_binary_pattern(lightness, 8, 1, "uniform").astype(np.int64)
    _TextureGraph.lbp_weight = lbp_weight
    original, tree._RegionGraph = tree._RegionGraph, _TextureGraph
    try:
        trees["lbp"] = tree.merge_tree(leaves, features=features, **base)
    finally:
        tree._RegionGraph = original
    return trees


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--lbp-weight", type=float, default=20.0)
    parser.add_argument("--thresholds", type=float, nargs="*", default=THRESHOLDS)
    parser.add_argument("--variants", nargs="*", help="only these variants (default: all)")
    parser.add_argument("--all", action="store_true", help="print every threshold's scores")
    parser.add_argument("--at", nargs="*", default=[], help="VARIANT=THRESHOLD to report")
    args = parser.parse_args()
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    dataset = open_dataset(args.dataset)
    at = {k: float(v) for k, v in (item.split("=") for item in args.at)}
    thresholds = sorted(set(args.thresholds) | set(at.values()))
    scores: dict = {}
    for index in range(min(args.limit, len(dataset))):
        sample = dataset[index]
        leaves, grid = leaves_of(sample, index, args.cache)
        lab = cielab(sample.image)  # the preset's own: scaled to 0..1 first
        cell = max(n / g for n, g in zip(leaves.shape, grid, strict=True))
        for name, built in variant_trees(leaves, lab, cell, args.lbp_weight).items():
            if args.variants and name not in args.variants:
                continue
            for threshold in thresholds:
                row = score(built.cut(threshold=threshold), sample, "regions")
                row["segments"] = built.n_leaves - built.n_merges(threshold=threshold)
                scores.setdefault((name, threshold), []).append(row)
        print(f"{index + 1} photos", file=sys.stderr, flush=True)
    print(f"{dataset.name}: {index + 1} photos; mean covering / PRI / VoI / segments")
    names = dict.fromkeys(name for name, _ in scores)
    for name in names:
        means = {t: _means(scores[(name, t)]) for t in thresholds}
        best = max(thresholds, key=lambda t: means[t]["covering"])
        line = f"{name:22s} best t={best:5g}: {_line(means[best])}"
        if name in at:
            line += f"   at t={at[name]:g}: {_line(means[at[name]])}"
        print(line)
        if args.all:
            for t in thresholds:
                print(f"    t={t:5g}: {_line(means[t])}")


def _means(rows: list[dict]) -> dict:
    return {key: float(np.mean([row[key] for row in rows])) for key in rows[0]}


def _line(m: dict) -> str:
    return f"{m['covering']:.3f} / {m['pri']:.3f} / {m['voi']:.2f} / {m['segments']:.1f}"


if __name__ == "__main__":
    main()
