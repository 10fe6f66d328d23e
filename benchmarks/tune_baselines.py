"""Choose the fixed parameters of the felzenszwalb and slic baselines on BSDS500 train photos.

Prints mean covering, PRI and VoI (bits) of each candidate setting on the first N photos of the
train split; the defaults in ``wavesegment/evaluation.py`` are, per method, the setting with
the highest mean of covering and PRI. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/tune_baselines.py ../shared/datasets/bsds500/train 20
"""

import itertools
import sys

import numpy as np

from wavesegment.evaluation.datasets import open_dataset
from wavesegment.evaluation.evaluate import evaluate, felzenszwalb_method, slic_method

dataset = open_dataset(sys.argv[1])
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 20
candidates = [
    felzenszwalb_method(scale=scale, min_size=min_size)
    for scale, min_size in itertools.product((0.001, 0.002, 0.004, 0.008), (0.002, 0.005, 0.01))
] + [
    slic_method(n_segments=n_segments, compactness=compactness)
    for n_segments, compactness in itertools.product((4, 8, 16, 32), (10.0, 20.0))
]
for method in candidates:
    rows = list(evaluate(dataset, [method], limit=limit))
    means = {key: np.mean([row[key] for row in rows]) for key in ("covering", "pri", "voi")}
    print(
        f"{method.name:13s} {method.parameters}  covering {means['covering']:.3f}  "
        f"PRI {means['pri']:.3f}  VoI {means['voi']:.3f}  "
        f"(covering + PRI) / 2 {(means['covering'] + means['pri']) / 2:.3f}",
        flush=True,
    )
