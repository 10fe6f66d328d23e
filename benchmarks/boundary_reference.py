"""Check the boundary benchmark against the output of the original MATLAB BSDS500 benchmark.

The BSR package's ``bench/data`` holds 5 BSDS500 test photos (ground truth and contour images,
``png/``) and, in ``test_2/``, what ``boundaryBench(..., nthresh=5)`` of ``test_benchs.m``
printed for them (``eval_bdry.txt``: ODS threshold, recall, precision, F; OIS recall,
precision, F; AP; ``eval_bdry_thr.txt``: the dataset's curve; ``eval_bdry_img.txt``: each
image's best). A copy is in https://github.com/haruishi43/py-edge-eval under
``data/BSDS500_bench``. Run from the repository root:

    python benchmarks/boundary_reference.py PATH/TO/BSDS500_bench

It prints our figures beside the reference and the largest difference, and the seconds taken.
"""

import sys
import time
from pathlib import Path

import numpy as np
from scipy.io import loadmat

from wavesegment.evaluation.benchmark import boundary_scores, f_measure
from wavesegment.evaluation.boundaries import boundary_counts
from wavesegment.io.images import read_image

folder = Path(sys.argv[1])
thresholds = np.linspace(1 / 6, 5 / 6, 5)  # nthresh = 5, as the reference ran
started = time.perf_counter()
counts = []
for contour in sorted((folder / "png").glob("*.png")):
    strength = read_image(contour).astype(np.float64) / 255
    annotations = loadmat(folder / "groundTruth" / f"{contour.stem}.mat")["groundTruth"]
    truths = [annotations[0, j]["Boundaries"][0, 0] for j in range(annotations.shape[1])]
    counts.append([boundary_counts(strength >= t, truths) for t in thresholds])
seconds = time.perf_counter() - started
counts = np.array(counts, dtype=np.float64)
ours = boundary_scores(thresholds, counts)

reference = np.loadtxt(folder / "test_2" / "eval_bdry.txt")
keys = (
    "boundary_ods_threshold",
    "boundary_ods_recall",
    "boundary_ods_precision",
    "boundary_ods_f",
    "boundary_ois_recall",
    "boundary_ois_precision",
    "boundary_ois_f",
    "boundary_ap",
)
print(f"{'':24} {'ours':>9} {'MATLAB':>9}")
for key, value in zip(keys, reference, strict=True):
    print(f"{key:24} {ours[key]:9.6f} {value:9.6f}")
difference = max(abs(ours[key] - value) for key, value in zip(keys, reference, strict=True))

curve = np.loadtxt(folder / "test_2" / "eval_bdry_thr.txt")
total = counts.sum(axis=0)
recall, precision = total[:, 0] / total[:, 1], total[:, 2] / np.maximum(total[:, 3], 1)
ours_curve = np.column_stack([thresholds, recall, precision, f_measure(recall, precision)])
print("curve (threshold, R, P, F), ours then MATLAB:")
for mine, theirs in zip(ours_curve, curve, strict=True):
    print(
        "  " + " ".join(f"{v:8.5f}" for v in mine) + "  |  " + " ".join(f"{v:8.5f}" for v in theirs)
    )
difference = max(difference, float(np.abs(ours_curve - curve).max()))
print(f"largest difference {difference:.6f}; {seconds / len(counts):.2f} s per image")
