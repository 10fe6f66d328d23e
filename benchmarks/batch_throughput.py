"""Throughput and peak memory of ``wavesegment batch`` with --jobs 1 and --jobs 2.

Each run starts from an empty output folder, in its own process; the peak memory is the largest
resident set of any one process of the run (``getrusage(RUSAGE_CHILDREN)`` of a wrapper that
waits for the batch and all its workers). The CPU time per image does not depend on how busy
the machine is, which the wall-clock rate does.

    python benchmarks/batch_throughput.py --images ../shared/datasets/bsds500/val/images
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Runs `wavesegment batch` as a child and reports the peak resident set and the CPU time of
# it and its workers.
_WRAPPER = """
import json, resource, subprocess, sys
code = subprocess.call(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps({"code": code, "peak_kib": usage.ru_maxrss, "cpu_seconds": cpu}))
"""


def run_batch(images: Path, jobs: int, limit: int) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch, "images")
        source.mkdir()
        files = sorted(path for path in images.iterdir() if path.suffix.lower() == ".jpg")[:limit]
        for path in files:
            (source / path.name).symlink_to(path.resolve())
        command = [str(Path(sys.executable).with_name("wavesegment")), "batch", str(source)]
        command += ["-o", str(Path(scratch, "out")), "--jobs", str(jobs), "--quiet"]
        started = time.perf_counter()
        finished = subprocess.run(
            [sys.executable, "-c", _WRAPPER, *command], capture_output=True, text=True, check=True
        )
        seconds = time.perf_counter() - started
        report = json.loads(finished.stdout.strip().splitlines()[-1])
        summary = json.loads(Path(scratch, "out", "summary.json").read_text())
    return {
        "jobs": jobs,
        "images": len(files),
        "done": summary["counts"]["done"],
        "exit_code": report["code"],
        "seconds": seconds,
        "images_per_second": len(files) / seconds,
        "peak_rss_mib": report["peak_kib"] / 1024,
        "cpu_seconds_per_image": report["cpu_seconds"] / len(files),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[2] / "shared/datasets/bsds500/val/images"
    parser.add_argument("--images", type=Path, default=default)
    parser.add_argument("--limit", type=int, default=100, help="at most this many images")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    arguments = parser.parse_args()
    print(f"{os.cpu_count()} cores; images from {arguments.images}")
    results = [run_batch(arguments.images, jobs, arguments.limit) for jobs in arguments.jobs]
    for result in results:
        print(
            f"--jobs {result['jobs']}: {result['images']} images ({result['done']} done) in "
            f"{result['seconds']:.1f} s = {result['images_per_second']:.2f} images/s, "
            f"peak memory of one process {result['peak_rss_mib']:.0f} MiB, "
            f"CPU time {result['cpu_seconds_per_image']:.2f} s per image"
        )
    if len(results) > 1:
        ratio = results[1]["images_per_second"] / results[0]["images_per_second"]
        print(f"speed-up --jobs {results[1]['jobs']} / --jobs {results[0]['jobs']}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
