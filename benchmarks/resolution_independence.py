"""Does a photo segment alike at twice its resolution? ARI between the two label maps.

For each image of a dataset folder (any layout ``wavesegment eval`` reads; only the images are
used), segment the image and its ``--factor`` x upscale (bilinear), bring the upscale's labels
back to the image's size (nearest) and score the two label maps with the adjusted Rand index.
Prints one line per image, then the median, the mean and the share of images with ARI >= 0.9.

    python benchmarks/resolution_independence.py ../shared/datasets/bsds500/val --limit 20
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from skimage.transform import rescale, resize

from wavesegment import segment
from wavesegment.datasets import open_dataset
from wavesegment.metrics import adjusted_rand_index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", help="folder of images (with ground truth, as for eval)")
    parser.add_argument("--limit", type=int, default=20, help="first N images")
    parser.add_argument("--factor", type=float, default=2.0, help="upscale factor")
    parser.add_argument("--preset", default="natural")
    args = parser.parse_args()
    dataset = open_dataset(args.dataset)
    scores = []
    for index in range(min(args.limit, len(dataset))):
        sample = dataset[index]
        image = sample.image.astype(np.float64)
        started = time.perf_counter()
        labels = segment(image, preset=args.preset).labels
        upscaled = rescale(image, args.factor, order=1, channel_axis=2 if image.ndim == 3 else None)
        fine = segment(upscaled, preset=args.preset).labels
        back = resize(fine, labels.shape, order=0, preserve_range=True, anti_aliasing=False)
        scores.append(adjusted_rand_index(labels, back.astype(np.int64)))
        print(
            f"{sample.name}: {image.shape[1]}x{image.shape[0]} and x{args.factor:g}, "
            f"{labels.max()} and {fine.max()} segments, ARI {scores[-1]:.3f} "
            f"({time.perf_counter() - started:.1f} s)",
            flush=True,
        )
    scores = np.array(scores)
    print(
        f"{args.preset}: {scores.size} images, ARI median {np.median(scores):.3f}, "
        f"mean {scores.mean():.3f}, >= 0.9 in {np.mean(scores >= 0.9):.0%}"
    )


if __name__ == "__main__":
    main()
