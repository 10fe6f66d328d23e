"""Foreground ARI over (image, seed) pairs on generated 32 x 32 shapes images, per preset.

For each non-overlapping 2- and 3-shapes image (``--images`` of each) and each seed 0, 1, ...
(``--seeds``), the ARI between the labels and the ground truth on the ground-truth objects.
Prints, per preset, the share of pairs with ARI >= 0.95, the median and the median time.

    python benchmarks/seed_robustness.py --images 20 --seeds 5
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from wavesegment import segment
from wavesegment.evaluation.metrics import adjusted_rand_index
from wavesegment.evaluation.shapes import shapes_image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20, help="images of each kind")
    parser.add_argument("--seeds", type=int, default=5, help="seeds per image")
    parser.add_argument("--presets", nargs="+", default=["natural", "published"])
    args = parser.parse_args()
    for preset in args.presets:
        scores, seconds = [], []
        for n_objects in (2, 3):
            for image_seed in range(args.images):
                image, truth = shapes_image(n_objects, seed=image_seed)
                objects = truth > 0
                for seed in range(args.seeds):
                    started = time.perf_counter()
                    labels = segment(image, preset=preset, frequency_mode="raw", seed=seed).labels
                    seconds.append(time.perf_counter() - started)
                    scores.append(adjusted_rand_index(truth, labels, mask=objects))
        scores = np.array(scores)
        print(
            f"{preset}: {scores.size} pairs, ARI >= 0.95 in {np.mean(scores >= 0.95):.1%}, "
            f"median ARI {np.median(scores):.3f}, median {np.median(seconds):.2f} s per run"
        )


if __name__ == "__main__":
    main()
