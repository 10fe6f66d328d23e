"""The default preset's cost knobs against its quality: one table, one row per setting.

    python benchmarks/default_cost.py DATASET [--limit 50] [--boundaries]
        [--setting "n_seeds=4" "n_seeds=4 readout_steps=400,440" ...]
    python benchmarks/default_cost.py --shapes 2 [--count 20] [--seeds 10] [--setting ...]

Each setting is a space-separated list of ``name=value`` overrides of the natural preset
(``readout_steps=400,440`` for a pair, ``count_restarts=2`` for the k-means restarts;
``default`` for none). Every setting segments the same photos (``wavesegment eval``'s
scoring, seed 0) and prints covering / PRI / VoI (bits) of the default cut, the mean segment
count, the mean seconds of ``segment()`` and, with ``--boundaries``, the boundary F at ODS
and OIS of the merge tree. Tune on train, check on val.
With ``--shapes N`` (2 or 3), on ``wavesegment eval --shapes N``'s generated images, one run per
seed of ``--seeds``: the share of runs whose foreground ARI is at least 0.95 (``separated``).
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wavesegment.evaluation.datasets import open_dataset, shapes_dataset  # noqa: E402
from wavesegment.evaluation.evaluate import evaluate, summarise, wavesegment_method  # noqa: E402


def overrides(setting: str) -> dict:
    """``"n_seeds=4 readout_steps=400,440"`` as keyword overrides."""
    if setting.strip() == "default":
        setting = ""
    pairs = dict(item.split("=", 1) for item in setting.split())
    return {name: ast.literal_eval(value) for name, value in pairs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, nargs="?")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--shapes", type=int, choices=(2, 3))
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--boundaries", action="store_true")
    parser.add_argument("--setting", nargs="+", default=["default"])
    args = parser.parse_args()
    if args.shapes:
        dataset = shapes_dataset(args.shapes, count=args.count)
    else:
        dataset = open_dataset(args.dataset)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    header = "| setting | covering | PRI | VoI | segments | seconds |"
    print(header + (" ODS F | OIS F |" if args.boundaries else ""), flush=True)
    for setting in args.setting:
        method = wavesegment_method(**overrides(setting))
        rows = list(
            evaluate(
                dataset,
                [method],
                seeds=range(args.seeds),
                limit=args.limit,
                boundaries=args.boundaries,
            )
        )
        summary = summarise(rows, dataset.kind)["wavesegment"]
        cells = [summary[key]["mean"] for key in ("covering", "pri", "voi", "segments")]
        line = f"| {setting} | " + " | ".join(f"{value:.3f}" for value in cells[:3])
        line += f" | {cells[3]:.1f} | {np.mean([row['seconds'] for row in rows]):.2f} |"
        if "separated" in summary:
            line += f" separated {summary['separated']:.0%} of {len(rows)} runs |"
        if args.boundaries:
            benchmark = summary["benchmark"]
            line += f" {benchmark['boundary_ods_f']:.3f} | {benchmark['boundary_ois_f']:.3f} |"
        print(line, flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
