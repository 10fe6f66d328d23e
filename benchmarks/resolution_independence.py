"""Does a photo segment alike at twice its resolution? ARI between the two label maps.

For each image of a dataset folder (any layout ``wavesegment eval`` reads; only the images are
used), segment the image and its ``--factor`` x upscale (bilinear), bring the upscale's labels
back to the image's size (nearest) and score the two label maps with the adjusted Rand index.
Prints one line per image, then, per method, the median, the mean and the share of images with
ARI >= 0.9. ``--methods`` adds the baselines of ``wavesegment eval`` for comparison.

    python benchmarks/resolution_independence.py ../shared/datasets/bsds500/val --limit 20 \
        --methods wavesegment felzenszwalb
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from skimage.transform import rescale, resize

from wavesegment.evaluation.datasets import open_dataset
from wavesegment.evaluation.evaluate import felzenszwalb_method, slic_method, wavesegment_method
from wavesegment.evaluation.metrics import adjusted_rand_index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", help="folder of images (with ground truth, as for eval)")
    parser.add_argument("--limit", type=int, default=20, help="first N images")
    parser.add_argument("--factor", type=float, default=2.0, help="upscale factor")
    parser.add_argument("--preset", default="natural", help="preset of wavesegment")
    parser.add_argument("--methods", nargs="+", default=["wavesegment"])
    args = parser.parse_args()
    known = {
        "wavesegment": wavesegment_method(preset=args.preset),
        "felzenszwalb": felzenszwalb_method(),
        "slic": slic_method(),
    }
    methods = [known[name] for name in args.methods]
    dataset = open_dataset(args.dataset)
    scores = {method.name: [] for method in methods}
    for index in range(min(args.limit, len(dataset))):
        sample = dataset[index]
        image = sample.image.astype(np.float64)
        upscaled = rescale(image, args.factor, order=1, channel_axis=2 if image.ndim == 3 else None)
        for method in methods:
            started = time.perf_counter()
            labels = method.segment(image, 0)
            fine = method.segment(upscaled, 0)
            back = resize(fine, labels.shape, order=0, preserve_range=True, anti_aliasing=False)
            scores[method.name].append(adjusted_rand_index(labels, back.astype(np.int64)))
            print(
                f"{sample.name} {method.name}: {image.shape[1]}x{image.shape[0]} and "
                f"x{args.factor:g}, {labels.max()} and {fine.max()} segments, "
                f"ARI {scores[method.name][-1]:.3f} ({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
    for name, values in scores.items():
        values = np.array(values)
        print(
            f"{name}: {values.size} images, ARI median {np.median(values):.3f}, "
            f"mean {values.mean():.3f}, >= 0.9 in {np.mean(values >= 0.9):.0%}"
        )


if __name__ == "__main__":
    main()
