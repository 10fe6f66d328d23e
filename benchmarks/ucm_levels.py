"""Which level the shipped merge tree's ultrametric contour map should give its boundaries: the
boundary ODS / OIS F on BSDS500 train of the tree's merge order under other levels.

The tree of the shipped linkage (``LEARNED``) is built on each photo's cached candidate regions
(``linkage_ablation.py``'s cache) and every one of its cuts (after 0, 1, ... merges) scored
once against the annotators' boundaries; a level is then any value per merge, made monotone
(the running maximum, so that the map stays ultrametric), and the benchmark's 99 thresholds
cut, on each photo, the merges below them. So each candidate level costs no pixel pass:

    python benchmarks/ucm_levels.py /work/shared/datasets/bsds500 --cache DIR --limit 60

Levels: the merge probability (shipped); the larger of it and ``1 - exp(-x / s)`` of a
border cue ``x`` (the mean colour gradient along the border at half a grid cell and at two,
the contrast across it, the distance of the mean colours); its log-odds shifted by ``beta``
times the log of the share of regions left; its log-odds scaled; and the rank alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import linkage_ablation as ablation  # noqa: E402  (beside this script)

from wavesegment.evaluation.benchmark import f_measure, level_scores  # noqa: E402
from wavesegment.evaluation.levels import UCM_THRESHOLDS, segmentation_levels  # noqa: E402
from wavesegment.grouping.linkage import CUES, LEARNED  # noqa: E402


def merges(leaves, lab, maps, truths) -> dict:
    """The boundary counts of every cut of the shipped tree, and each merge's probability and
    cues as the tree merges them."""
    built = ablation.learned_tree(leaves, lab, maps, LEARNED)
    count = int(np.isfinite(built.level[built.n_leaves :]).sum())
    graph = ablation.neutral(type(LEARNED)).graph(leaves, lab, maps)
    cues = []
    for a, b in built.pairs[:count]:
        cues.append(graph.cues(int(a), int(b)))
        graph.merge(int(a), int(b))
    cuts = [built.leaf_labels(k)[leaves] for k in range(count + 1)]
    scores = level_scores(segmentation_levels(cuts, leaves.shape), truths)
    cues = np.array(cues).reshape(-1, len(CUES))
    probability = np.array([LEARNED.cost(c) for c in cues])
    return {"counts": np.array(scores["counts"], float), "p": probability, "cues": cues}


def ods_ois(photos: list[dict], level) -> tuple[float, float]:
    """Boundary ODS and OIS F over the photos of the tree cut at the benchmark's thresholds
    of ``level(photo)`` (one value per merge, made monotone)."""
    total, best = np.zeros((UCM_THRESHOLDS.size, 4)), np.zeros(4)
    for photo in photos:
        levels = np.maximum.accumulate(level(photo))
        counts = photo["counts"][np.searchsorted(levels, UCM_THRESHOLDS)]
        total += counts
        best += counts[np.argmax([_f(c) for c in counts])]
    return max(_f(c) for c in total), _f(best)


def _f(counts: np.ndarray) -> float:
    return f_measure(counts[0] / max(counts[1], 1), counts[2] / max(counts[3], 1))


def candidates() -> dict:
    def logit(p):
        p = np.clip(p, 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))

    def left(photo):  # the share of regions left after each merge
        n = photo["p"].size + 1
        return (n - 1 - np.arange(n - 1)) / n

    levels = {"merge probability (shipped)": lambda ph: ph["p"]}
    for name in ("edge_fine", "edge_coarse", "contrast", "colour"):
        column = CUES.index(name)
        for s in (10, 20, 40):
            levels[f"max(p, 1 - exp(-{name} / {s}))"] = lambda ph, c=column, s=s: np.maximum(
                ph["p"], 1 - np.exp(-ph["cues"][:, c] / s)
            )
    for beta in (-1.0, -0.5, 0.5):
        levels[f"logit p + {beta} log(share left)"] = lambda ph, b=beta: (
            1 / (1 + np.exp(-(logit(ph["p"]) + b * np.log(left(ph)))))
        )
    for alpha in (0.5, 2.0):
        levels[f"logit p x {alpha}"] = lambda ph, a=alpha: 1 / (1 + np.exp(-a * logit(ph["p"])))
    levels["rank: 1 - share left"] = lambda ph: 1 - left(ph)
    return levels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bsds", type=Path, help="BSDS500 folder (with train/)")
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=60, help="first train photos")
    args = parser.parse_args()
    samples, photos = ablation.load(args.bsds / "train", args.cache, args.limit)
    scored = [merges(*p, s.truths) for p, s in zip(photos, samples, strict=True)]
    print(f"{len(scored)} train photos\n| level | ODS F | OIS F |\n|---|---|---|")
    for name, level in candidates().items():
        ods, ois = ods_ois(scored, level)
        print(f"| {name} | {ods:.3f} | {ois:.3f} |", flush=True)


if __name__ == "__main__":
    main()
