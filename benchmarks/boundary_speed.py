"""Time of the BSDS500 benchmark per photo, apart from the segmentation it scores.

For the first N photos of a BSDS500 split: the seconds of
:func:`~wavesegment.evaluation.benchmark.level_scores` (boundary matching against every
annotator and the region scores) of Felzenszwalb's one segmentation and of its 7 scales.
Medians over the photos. Run from the repository root:

    python benchmarks/boundary_speed.py ../shared/datasets/bsds500/val --limit 10
"""

import argparse
import time

import numpy as np

from wavesegment.evaluation.benchmark import level_scores, truth_boundaries
from wavesegment.evaluation.datasets import open_dataset
from wavesegment.evaluation.evaluate import felzenszwalb_levels_method, felzenszwalb_method
from wavesegment.evaluation.levels import segmentation_levels

parser = argparse.ArgumentParser()
parser.add_argument("dataset")
parser.add_argument("--limit", type=int, default=10)
arguments = parser.parse_args()

dataset = open_dataset(arguments.dataset)
methods = [felzenszwalb_method(), felzenszwalb_levels_method()]
seconds = {method.name: [] for method in methods}
for index in range(min(arguments.limit, len(dataset))):
    sample = dataset[index]
    boundaries = truth_boundaries(sample.truths)
    for method in methods:
        levels = segmentation_levels(method.segment(sample.image, 0), sample.image.shape[:2])
        started = time.perf_counter()
        level_scores(levels, sample.truths, boundaries=boundaries)
        seconds[method.name].append(time.perf_counter() - started)
for name, values in seconds.items():
    print(f"{name}: median {np.median(values):.2f} s per photo ({len(values)} photos)")
