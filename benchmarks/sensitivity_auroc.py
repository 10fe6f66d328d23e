"""Does the exact linear response mark the pixels that go wrong under pixel noise? AUROC.

The images of ``confidence_auroc.py`` (generated 2- and 3-shapes images with Gaussian pixel
noise): on each, the noiseless run with seed 0 is explained by
:func:`wavesegment.analysis.sensitivity.sensitivity`, whose ``flip`` map (margin over its linear
response to pixel noise, low = fragile) should rank wrong pixels first. In the same run the
ensemble confidence of ``confidence_auroc.py`` (``--samples`` runs with dynamics noise) is
scored on the same images, for the errors of its consensus and for those of the seed-0 run.
Also scored, to see what the response adds: the margins alone (no response); and the errors
of the network's own decisions, before the grouping steps: the layer-1 mask (background
against the objects) and the phase clusters (on images that need no working grid).

    OMP_NUM_THREADS=1 python benchmarks/sensitivity_auroc.py --images 10 --probes 8
    OMP_NUM_THREADS=1 python benchmarks/sensitivity_auroc.py --preset published

``--preset published`` is the pipeline on which ``confidence_auroc.py`` measured 0.876 (it was
the default then).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from confidence_auroc import noisy_shapes  # the same images, beside this script

from wavesegment import segment
from wavesegment.analysis.confidence import align_labels, auroc, label_agreement, sample_labels
from wavesegment.analysis.sensitivity import sensitivity


def _margin_alone(found) -> np.ndarray:
    """The smaller of the two margins, each over its median over the grid (no response)."""
    mask = found.mask_margin / np.nanmedian(found.mask_margin)
    finite = np.isfinite(found.cluster_margin)
    scale = np.nanmedian(found.cluster_margin[finite]) if finite.any() else 1.0
    return np.fmin(mask, found.cluster_margin / scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--noise", type=float, default=1e-5, help="dynamics noise")
    parser.add_argument("--pixel-noise", type=float, default=0.45, help="image noise std")
    parser.add_argument("--probes", type=int, default=8)
    parser.add_argument("--preset", default="natural", choices=["natural", "published"])
    args = parser.parse_args()

    names = ("agreement/consensus", "agreement/run", "sensitivity/run", "sensitivity/consensus")
    names += ("margin alone/run", "sensitivity/mask", "margin alone/mask", "sensitivity/clusters")
    pooled = {name: ([], []) for name in names}
    seconds = []
    for index in range(args.images):
        image, truth = noisy_shapes(index, args.pixel_noise)
        consensus, agreement = label_agreement(
            sample_labels(image, samples=args.samples, noise=args.noise, preset=args.preset)
        )
        result = segment(image, seed=0, preset=args.preset)
        started = time.perf_counter()
        found = sensitivity(result, probes=args.probes)
        seconds.append(time.perf_counter() - started)
        wrong_run = align_labels(result.labels, truth) != truth
        wrong_consensus = align_labels(consensus, truth) != truth
        wrong_mask = result.background != (truth == 0)
        wrong_clusters = align_labels(result.grid.clusters, truth) != truth
        with np.errstate(divide="ignore", invalid="ignore"):
            mask_flip = found.mask_margin / found.mask_response
        scores = {
            "agreement/consensus": (1 - agreement, wrong_consensus),
            "agreement/run": (1 - agreement, wrong_run),
            "sensitivity/run": (-found.flip, wrong_run),
            "sensitivity/consensus": (-found.flip, wrong_consensus),
            "margin alone/run": (-_margin_alone(found), wrong_run),
            "sensitivity/mask": (-mask_flip, wrong_mask),
            "margin alone/mask": (-found.mask_margin, wrong_mask),
            "sensitivity/clusters": (-found.grid_flip, wrong_clusters),
        }
        line = [f"image {index} ({2 + index % 2} shapes): errors run {wrong_run.mean():.3f}"]
        for name, (score, wrong) in scores.items():
            pooled[name][0].append(score.ravel())
            pooled[name][1].append(wrong.ravel())
            line.append(f"{name} {auroc(score, wrong):.3f}")
        print(", ".join(line), flush=True)
    print(
        f"pooled AUROC ({args.preset}, {args.images} images, pixel noise {args.pixel_noise}, "
        f"{args.samples} samples with dynamics noise {args.noise}, {args.probes} probes):"
    )
    for name, (score, wrong) in pooled.items():
        print(f"  {name}: {auroc(np.concatenate(score), np.concatenate(wrong)):.3f}")
    print(f"sensitivity seconds per image: median {np.median(seconds):.2f}")


if __name__ == "__main__":
    main()
