"""Measure the network's own phase coherence as a grouping cue beside the learned linkage's 12.

For every photo of the train and the val split, the natural preset runs once per coupling
(``segment(image, coupling=...)``; every other value the preset's) and its merge tree's leaves
are cached with the layer-2 phase readout of the foreground units (``result.grid.readout``:
the leading eigenvalues ``lambda_k`` and unit-norm modes ``v_k`` of the pooled phase similarity
``rho`` of the 8 initial states over the readout window, and its projection, the features that
are clustered). Each unit u gets ``f_u = (sqrt(lambda_k) v_k[u])_k``, so that
``f_u . conj(f_w)`` is rho's value for units u and w at the readout's rank; each pixel takes its
grid unit's (nearest unit, as the labels are brought up). Two cues per pair of regions A, B:

- ``coherence``: ``|F_A . conj(F_B)| / (|F_A| |F_B|)`` with ``F_A`` the sum of ``f`` over A's
  pixels: the mean rho between the two regions over the geometric mean of each region's rho
  with itself (1: locked together; 0: unrelated phases);
- ``projection``: the distance of the two regions' mean readout projections, over the
  projection's root mean square over the photo's foreground units.

Both are sums over pixels, pooled as regions merge. They are undefined (NaN: the cue adds
nothing to the log-odds) where either region has less than half of its pixels on layer-1
foreground units: layer 2 starts the background's (about half of a photo's units) at zero
and the readout leaves them out.

The learned linkage's fitting and scoring (``benchmarks/linkage_ablation.py``) is reused: a
logistic model is fitted on the adjacent pairs of the train photos' leaves and of three cuts of
the colour linkage's tree, with the 12 cues and with coherence cues added; its tree is cut at
the best train threshold (covering + PRI) and scored on val. Per cue also: its weight (per
standard deviation), a z-score from the weighted fit's Hessian (pairs of one photo are not
independent: read it as a ranking, not a p-value) and the AUROC of the cue alone for the
"different" pairs (most annotators' majority segments differ) against the "same" ones.

    python benchmarks/phase_coherence_cue.py /work/shared/datasets/bsds500 \\
        --cache /tmp/coherence-cache --coupling normalised published
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import linkage_ablation as ablation  # noqa: E402  (beside this script)

from wavesegment import segment  # noqa: E402
from wavesegment.analysis.confidence import auroc  # noqa: E402
from wavesegment.evaluation.datasets import open_dataset  # noqa: E402
from wavesegment.grouping.linkage import CUES, CueGraph, Linkage  # noqa: E402
from wavesegment.preparation.grid import to_native  # noqa: E402

NETWORK_CUES = ("coherence", "projection")
#: Share of a region's pixels that must lie on foreground units for its network cues.
MIN_FOREGROUND = 0.5
VARIANTS = {
    "12 cues": CUES,
    "12 + coherence": (*CUES, "coherence"),
    "12 + projection": (*CUES, "projection"),
    "12 + both": (*CUES, *NETWORK_CUES),
}


@dataclass(frozen=True)
class CoherenceLinkage(Linkage):
    """The learned linkage's logistic model over the 12 cues and the two network cues; an
    undefined (NaN) cue, or one of no spread, adds nothing to the log-odds."""

    names: ClassVar[tuple[str, ...]] = (*CUES, *NETWORK_CUES)

    def terms(self, cues: np.ndarray) -> np.ndarray:
        scale = np.asarray(self.scale)
        safe = np.where(scale > 0, scale, 1.0)
        terms = np.asarray(self.weights) * (cues - np.asarray(self.centre)) / safe
        return np.where((scale > 0) & np.isfinite(terms), terms, 0.0)

    def parts(self, cues: np.ndarray) -> dict[str, float]:
        """:meth:`Linkage.parts` of the 12 cues, the network cues counted as "difference"."""
        known = len(CUES)
        base = Linkage(
            self.weights[:known], self.bias, self.centre[:known], self.scale[:known]
        ).parts(cues[:known])
        base["difference"] += float(self.terms(cues)[known:].sum())
        return base

    def graph(self, labels: np.ndarray, lab: np.ndarray, maps: dict) -> CueGraph:
        return CoherenceGraph(labels, lab, maps, self)


class CoherenceGraph(CueGraph):
    """:class:`CueGraph` with, per region, the sums of the network cues over its pixels on
    foreground units (``maps["unit"]``: the unit of each pixel, -1 off the foreground;
    ``maps["phasors"]``: ``f`` per unit; ``maps["projection"]``: normalised projection)."""

    def __init__(self, labels: np.ndarray, lab: np.ndarray, maps: dict, linkage: Linkage):
        super().__init__(labels, lab, maps, linkage)
        n_regions = self.sizes.size
        unit = maps["unit"].ravel()
        on = unit >= 0
        owner = labels.ravel()[on]

        def sums(values: np.ndarray) -> np.ndarray:  # (pixels, k) -> (regions, k)
            return np.stack([np.bincount(owner, v, n_regions) for v in values.T], axis=1)

        phasors = maps["phasors"][unit[on]]
        self.on_foreground = np.bincount(owner, minlength=n_regions).astype(float)
        self.phasors = sums(phasors.real) + 1j * sums(phasors.imag)
        self.projection = sums(maps["projection"][unit[on]])

    def _network_cues(self, a: int, b: int) -> list[float]:
        shares = self.on_foreground[[a, b]] / self.sizes[[a, b]]
        network = [np.nan, np.nan]
        if shares.min() >= MIN_FOREGROUND:
            f_a, f_b = self.phasors[a], self.phasors[b]
            norms = np.linalg.norm(f_a) * np.linalg.norm(f_b)
            coherence = abs(np.vdot(f_b, f_a)) / norms if norms > 0 else np.nan
            mean_a = self.projection[a] / self.on_foreground[a]
            mean_b = self.projection[b] / self.on_foreground[b]
            network = [coherence, np.linalg.norm(mean_a - mean_b)]
        return network

    def pair_cues(self, first, second) -> np.ndarray:
        """The 12 cues of :meth:`CueGraph.pair_cues`, then the network's two (pair by pair)."""
        pairs = zip(np.asarray(first).tolist(), np.asarray(second).tolist(), strict=True)
        network = np.array([self._network_cues(a, b) for a, b in pairs], dtype=float)
        return np.column_stack([super().pair_cues(first, second), network.reshape(-1, 2)])

    def merge(self, a: int, b: int) -> None:
        for statistic in (self.on_foreground, self.phasors, self.projection):
            statistic[a] += statistic[b]
        super().merge(a, b)


def network_photo(sample, index: int, folder: Path, coupling: str) -> Path:
    """The cache of one run of the natural preset on ``sample``: its tree's leaves and working
    grid (as :func:`linkage_ablation.photo` reads them), the layer-1 foreground and the readout."""
    path = folder / f"{index:04d}_{sample.name}.npz"
    if not path.exists():
        result = segment(sample.image, coupling=coupling)
        readout = result.grid.readout
        np.savez_compressed(
            path,
            leaves=result.tree.leaves,
            grid=np.array(result.parameters["grid"]),
            foreground=~result.grid.background,
            eigenvalues=readout.eigenvalues,
            modes=readout.modes,
            projection=readout.projection,
        )
    return path


def network_maps(path: Path, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """The network's maps of a cached run, for :class:`CoherenceGraph`, at the image's
    ``shape``: each pixel's foreground unit (-1: none), ``f`` and projection per unit."""
    stored = np.load(path)
    foreground = stored["foreground"]
    units = np.full(foreground.shape, -1, dtype=np.int64)
    units[foreground] = np.arange(int(foreground.sum()))  # the readout's order of the units
    projection = stored["projection"]
    rms = np.sqrt(np.mean(np.sum(projection**2, axis=1))) if projection.size else 1.0
    return {
        "unit": to_native(units, shape),
        "phasors": stored["modes"] * np.sqrt(np.clip(stored["eigenvalues"], 0, None)),
        "projection": projection / (rms if rms > 0 else 1.0),
    }


def load(bsds: Path, split: str, cache: Path, coupling: str, limit: int | None):
    """Samples and photos (leaves, CIELAB, cue maps with the network's) of one split."""
    dataset = open_dataset(bsds / split)
    count = len(dataset) if limit is None else min(limit, len(dataset))
    folder = cache / coupling / split
    folder.mkdir(parents=True, exist_ok=True)
    samples, photos = [], []
    for i in range(count):
        sample = dataset[i]
        path = network_photo(sample, i, folder, coupling)
        leaves, lab, maps = ablation.photo(sample, i, folder)
        photos.append((leaves, lab, maps | network_maps(path, leaves.shape)))
        samples.append(sample)
    return samples, photos


def pooled_pairs(photos, samples) -> list[np.ndarray]:
    """Cues (NaN where undefined), labels and weights of every photo's training pairs."""
    pairs = [
        ablation.training_pairs(*p, s.truths, model=CoherenceLinkage)
        for p, s in zip(photos, samples, strict=True)
    ]
    return [np.concatenate(column) for column in zip(*pairs, strict=True)]


def filled(cues: np.ndarray, means: np.ndarray) -> np.ndarray:
    """``cues`` with each undefined value set to its column's train mean (a zero term)."""
    return np.where(np.isnan(cues), means, cues)


def z_scores(model: Linkage, cues, labels, weights, used) -> dict[str, float]:
    """Each used cue's fitted weight over its standard error, from the inverse Hessian of the
    weighted, penalised log-likelihood that :func:`linkage_ablation.fit` maximises."""
    mask = np.array([name in used for name in model.names])
    centre, scale = np.asarray(model.centre), np.asarray(model.scale)
    x = ((cues - centre) / np.where(scale > 0, scale, 1.0))[:, mask]
    x = np.hstack([np.ones((len(x), 1)), x])
    theta = np.concatenate([[model.bias], np.asarray(model.weights)[mask]])
    p = 1 / (1 + np.exp(-(x @ theta)))
    w = weights / weights.mean()
    hessian = x.T @ (x * (w * p * (1 - p))[:, None]) + np.diag([0.0] + [2e-2] * (len(theta) - 1))
    errors = np.sqrt(np.diag(np.linalg.inv(hessian)))[1:]
    names = [n for n in model.names if n in used]
    return {n: float(t / e) for n, t, e in zip(names, theta[1:], errors, strict=True)}


def pair_table(cues, labels, split: str) -> list[str]:
    """AUROC of each network cue, and of the colour distance, for "different" pairs."""
    different, same = labels > 0.5, labels < 0.5
    rows = []
    for name in ("colour", *NETWORK_CUES):
        column = cues[:, list(CoherenceLinkage.names).index(name)]
        known = np.isfinite(column) & (different | same)
        score = -column if name == "coherence" else column  # less coherent: more different
        rows.append(
            f"| {split} | {name} | {known.sum()} of {len(column)} "
            f"| {auroc(score[known], different[known]):.3f} "
            f"| {np.nanmean(column[same]):.3f} / {np.nanmean(column[different]):.3f} |"
        )
    defined = np.isfinite(cues[:, -1]) & (different | same)
    colour = cues[:, 0]
    rows.append(
        f"| {split} | colour, on the pairs coherence is defined | {defined.sum()} "
        f"| {auroc(colour[defined], different[defined]):.3f} | |"
    )
    return rows


def measure(args, coupling: str) -> None:
    """Fit, cut and score every variant for one coupling; print the tables."""
    started = time.perf_counter()
    train, train_photos = load(args.bsds, "train", args.cache, coupling, args.limit)
    val, val_photos = load(args.bsds, "val", args.cache, coupling, args.limit)
    cues, labels, weights = pooled_pairs(train_photos, train)
    val_cues, val_labels, _ = pooled_pairs(val_photos, val)
    print(
        f"\n## coupling={coupling}: {len(train)} train / {len(val)} val photos, "
        f"{len(labels)} train pairs ({time.perf_counter() - started:.0f} s)"
    )
    print(
        "\n| split | cue | pairs (defined, labelled) | AUROC (different) | mean same / different |"
    )
    print("|---|---|---|---|---|")
    for row in pair_table(cues, labels, "train") + pair_table(val_cues, val_labels, "val"):
        print(row)
    means = np.nanmean(cues, axis=0)
    train_cues = filled(cues, means)
    print(
        "\n| linkage | t (train) | train covering / PRI / VoI / segments "
        "| val covering / PRI / VoI / segments | val covering at the 12 cues' t "
        "| network cues: weight (z) |"
    )
    print("|---|---|---|---|---|---|")
    base = None  # the 12 cues' threshold: a variant's gain at it is not a threshold's move
    for name, used in VARIANTS.items():
        model = ablation.fit(train_cues, labels, weights, used, model=CoherenceLinkage)
        z = z_scores(model, train_cues, labels, weights, used)
        build = lambda lv, lab, maps, m=model: ablation.learned_tree(lv, lab, maps, m)  # noqa: E731
        on_train = ablation.sweep(train_photos, train, build, ablation.PROBABILITIES)
        best = max(on_train, key=lambda t: on_train[t]["covering"] + on_train[t]["pri"])
        base = best if base is None else base
        on_val = ablation.sweep(val_photos, val, build, sorted({best, base}))
        weight = {n: w for n, w in zip(model.names, model.weights, strict=True)}
        network = ", ".join(
            f"{n} {weight[n]:+.3f} ({z[n]:+.1f})" for n in NETWORK_CUES if n in used
        )
        print(
            f"| {name} | {best:g} | {ablation._line(on_train[best])} "
            f"| {ablation._line(on_val[best])} | {on_val[base]['covering']:.4f} (t {base:g}) "
            f"| {network or '-'} |",
            flush=True,
        )
    print(f"({time.perf_counter() - started:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bsds", type=Path, help="BSDS500 folder (with train/ and val/)")
    parser.add_argument("--cache", type=Path, required=True, help="folder of the network's runs")
    parser.add_argument("--limit", type=int, help="first photos of each split only")
    parser.add_argument(
        "--coupling",
        nargs="+",
        default=["normalised", "published"],
        choices=["normalised", "published"],
    )
    args = parser.parse_args()
    for coupling in args.coupling:
        measure(args, coupling)


if __name__ == "__main__":
    main()
