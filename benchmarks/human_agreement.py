"""Check the metrics on BSDS500: each annotator scored against the other annotators.

Arbelaez et al. (PAMI 2011) report for humans on BSDS500 a covering of 0.72, a PRI of
0.88 and a VoI of 1.17; the means printed here should be close. Run from the repository root:

    python benchmarks/human_agreement.py ../shared/datasets/bsds500/val
"""

import sys

import numpy as np

from wavesegment.evaluation.datasets import open_dataset
from wavesegment.evaluation.metrics import (
    probabilistic_rand_index,
    segmentation_covering,
    variation_of_information_bits,
)

dataset = open_dataset(sys.argv[1])
scores = []
for index in range(len(dataset)):
    truths = dataset[index].truths
    for j, annotator in enumerate(truths):
        others = truths[:j] + truths[j + 1 :]
        scores.append(
            (
                segmentation_covering(annotator, others),
                probabilistic_rand_index(annotator, others),
                variation_of_information_bits(annotator, others),
            )
        )
covering, pri, voi = np.mean(scores, axis=0)
print(f"{len(scores)} annotations: covering {covering:.3f}  PRI {pri:.3f}  VoI {voi:.3f} bits")
