"""Score the published gPb-owt-ucm results with our benchmark and compare with the original's.

The BSR package (mirror: https://github.com/BIDS/BSDS500) holds the ``ucm2`` of gPb-owt-ucm
for the 200 BSDS500 test photos (``BSDS500/ucm2/test``) and what the MATLAB benchmark wrote
for them (``BSDS500/ucm2/test_eval``): per photo its best boundary threshold, R, P, F
(``eval_bdry_img.txt``) and its best covering (``eval_cover_img.txt``), and for the whole
test set ODS / OIS / AP (``eval_bdry.txt``), covering (``eval_cover.txt``), PRI and VoI
(``eval_RI_VOI.txt``), the figures of Arbelaez et al. (PAMI 2011). Run from the repository root:

    python benchmarks/ucm_reference.py PATH/TO/BSDS500 [--limit N]

It scores the first N photos (in the benchmark's order) at the 99 thresholds, as
``wavesegment eval`` scores a ``ucm2``, prints each photo's best boundary F and covering beside
the original's, and the figures of those N photos beside those of the 200.
"""

import argparse
import time
from pathlib import Path

import numpy as np
from scipy.io import loadmat

from wavesegment.evaluation.benchmark import (
    dataset_scores,
    f_measure,
    level_scores,
    truth_boundaries,
)
from wavesegment.evaluation.datasets import _read_bsds_truth
from wavesegment.evaluation.levels import segmentation_levels

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("bsds500", type=Path, help="the BSR package's BSDS500 folder")
parser.add_argument("--limit", type=int, default=10, help="score the first N test photos")
arguments = parser.parse_args()
root = arguments.bsds500
reference = root / "ucm2" / "test_eval"
# The benchmark's order: MATLAB's dir() of IID_ev1.txt, byte order.
names = sorted(path.stem for path in (root / "ucm2" / "test").glob("*.mat"))
names = sorted(names, key=lambda name: f"{name}_ev1.txt")[: arguments.limit]
boundary_img = np.loadtxt(reference / "eval_bdry_img.txt")  # i, T, R, P, F
cover_img = np.loadtxt(reference / "eval_cover_img.txt")  # i, T, covering, reverse covering

print(f"{'photo':>8} {'bdry F ours':>12} {'MATLAB':>8} {'covering ours':>14} {'MATLAB':>8}")
images, started, largest = [], time.perf_counter(), 0.0
for index, name in enumerate(names):
    ucm2 = loadmat(root / "ucm2" / "test" / f"{name}.mat")["ucm2"].astype(np.float64)
    truths = _read_bsds_truth(root / "data" / "groundTruth" / "test" / f"{name}.mat")
    levels = segmentation_levels(ucm2, truths[0].shape)
    scores = level_scores(levels, truths, boundaries=truth_boundaries(truths))
    images.append(scores)
    counts = np.asarray(scores["counts"], dtype=np.float64)
    recall = counts[:, 0] / np.maximum(counts[:, 1], 1)
    precision = counts[:, 2] / np.maximum(counts[:, 3], 1)
    best_f, best_covering = float(f_measure(recall, precision).max()), max(scores["covering"])
    theirs_f, theirs_covering = boundary_img[index, 4], cover_img[index, 2]
    largest = max(largest, abs(best_f - theirs_f), abs(best_covering - theirs_covering))
    print(f"{name:>8} {best_f:12.4f} {theirs_f:8.4f} {best_covering:14.4f} {theirs_covering:8.4f}")
seconds = (time.perf_counter() - started) / len(names)
print(f"largest per-photo difference {largest:.4f}; {seconds:.1f} s per photo")

ours = dataset_scores(images)
bdry = np.loadtxt(reference / "eval_bdry.txt")  # T, R, P, F (ODS); R, P, F (OIS); AP
cover = np.loadtxt(reference / "eval_cover.txt")  # T, ODS, OIS, best
ri_voi = np.loadtxt(reference / "eval_RI_VOI.txt")  # T, PRI ODS, PRI OIS, T, VoI ODS, VoI OIS
print(f"\n{'':20} {f'ours, {len(names)} photos':>16} {'MATLAB, all 200':>16}")
for label, key, value in (
    ("boundary ODS F", "boundary_ods_f", bdry[3]),
    ("boundary OIS F", "boundary_ois_f", bdry[6]),
    ("boundary AP", "boundary_ap", bdry[7]),
    ("covering ODS", "covering_ods", cover[1]),
    ("covering OIS", "covering_ois", cover[2]),
    ("PRI ODS", "pri_ods", ri_voi[1]),
    ("PRI OIS", "pri_ois", ri_voi[2]),
    ("VoI ODS", "voi_ods", ri_voi[4]),
    ("VoI OIS", "voi_ois", ri_voi[5]),
):
    print(f"{label:20} {ours[key]:16.4f} {value:16.4f}")
