"""Seconds of ``sensitivity()`` on a photo, next to ``segment()`` of the same photo.

    OMP_NUM_THREADS=1 python benchmarks/sensitivity_speed.py PHOTO --probes 8 --repeats 3

Median (min..max) over the repeats, in one process, after a warm-up run that compiles the
kernels. Peak resident memory of the whole process at the end.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from wavesegment import segment
from wavesegment.analysis.sensitivity import sensitivity
from wavesegment.io.images import read_image


def _summary(seconds: list[float]) -> str:
    return f"{np.median(seconds):.2f} s ({min(seconds):.2f}..{max(seconds):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photo")
    parser.add_argument("--probes", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    image = read_image(args.photo)
    result = segment(image)  # warm-up: compiled kernels, imports
    timings = {"segment": [], "sensitivity": []}
    for _ in range(args.repeats):
        started = time.perf_counter()
        result = segment(image)
        timings["segment"].append(time.perf_counter() - started)
        started = time.perf_counter()
        sensitivity(result, probes=args.probes)
        timings["sensitivity"].append(time.perf_counter() - started)
    rows, cols = image.shape[:2]
    grid = "x".join(map(str, result.network.shape[::-1]))
    print(
        f"{cols}x{rows} photo (grid {grid}, natural preset, {args.repeats} repeats): "
        f"segment {_summary(timings['segment'])}, sensitivity with {args.probes} probes "
        f"{_summary(timings['sensitivity'])}; peak memory "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
