"""Time and peak memory of segment() on a volume and on a long signal, each in a fresh process.

    python benchmarks/ndim_scaling.py [--repeats 1] [--only WORD...] [--timeout SECONDS]

Cases: a 64x256x256 volume (noisy blobs) and a 1-D signal of 10^6 samples (noisy steps), with
the natural preset (its working grid) and with the published preset's network at native
resolution (coupling normalised, so that one width holds along every axis). Peak memory is the
process's resident high-water mark (VmHWM, imports included); the input alone is 8 bytes per
sample (134 MB for the volume, 8 MB for the signal). Before each kind's cases, a scikit-image
baseline on the same data in the same run (``BASELINES``); each case's ratio is its time over
the baseline's. Prints medians over the repeats, and the machine's load average. With
``--timeout``, a run still going after that many seconds is stopped and reported as
``>SECONDS`` with its peak memory so far.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CASES = {
    "volume 64x256x256, natural": ("volume", {}),
    "volume 64x256x256, native (published, normalised)": (
        "volume",
        {"preset": "published", "coupling": "normalised"},
    ),
    "signal 10^6, natural": ("signal", {}),
    "signal 10^6, native (published, normalised)": (
        "signal",
        {"preset": "published", "coupling": "normalised"},
    ),
}
# The scikit-image baseline of each kind, timed on the same data in the same run: a volume's
# Otsu threshold, connected parts and watershed of the distance transform (as
# benchmarks/volumes.py); a signal's felzenszwalb, as a 1 x N image.
BASELINES = {"volume": "otsu + watershed", "signal": "felzenszwalb"}

_CHILD = """
import json, sys, time
import numpy as np
from wavesegment import segment
kind, options = sys.argv[1], json.loads(sys.argv[2])
rng = np.random.default_rng(0)
if kind == "volume":
    from skimage.data import binary_blobs
    data = binary_blobs(256, n_dim=3, volume_fraction=0.2, rng=1)[::4].astype(float)
else:
    data = np.repeat(rng.integers(0, 4, 100).astype(float), 10_000)
data = data + rng.normal(scale=0.2, size=data.shape)
def baseline(data):
    from scipy import ndimage
    from skimage import filters, segmentation
    if kind == "signal":
        return segmentation.felzenszwalb(data[None], scale=100, channel_axis=None)
    mask = data > filters.threshold_otsu(data)
    distance = ndimage.distance_transform_edt(mask)
    return segmentation.watershed(-distance, ndimage.label(mask)[0], mask=mask)
run = baseline if options.pop("baseline", False) else (lambda data: segment(data, **options))
run(data[: 64 if kind == "volume" else 1000])  # compile the kernels, import what it uses
started = time.perf_counter()
result = run(data)
seconds = time.perf_counter() - started
peak = [int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")]
shown = (result.network.shape, result.n_segments) if hasattr(result, "network") else ("-", "-")
print(json.dumps({"seconds": seconds, "peak_mb": peak[0] / 1024, "grid": shown[0],
                  "segments": shown[1]}))
"""


def measure(kind: str, options: dict, timeout: float | None = None) -> dict:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, kind, json.dumps(options)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with open(f"/proc/{child.pid}/status") as status:
            peak = [int(line.split()[1]) for line in status if line.startswith("VmHWM")]
        child.kill()
        child.communicate()
        return {"seconds": float("inf"), "peak_mb": peak[0] / 1024, "grid": "?", "segments": "?"}
    if child.returncode != 0:
        raise SystemExit(f"error: the {kind} run failed: {err.strip()[-400:]}")
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=None, help="case names to run")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per run")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'case':52s} {'seconds':>9s} {'peak MB':>9s} {'ratio':>8s}  grid, segments")
    baselines = {}
    for name, (kind, options) in CASES.items():
        if args.only and not any(word in name for word in args.only):
            continue
        if kind not in baselines:  # the scikit-image baseline first, on the same data
            baselines[kind] = _report(f"{kind}: {BASELINES[kind]}", kind, {"baseline": True}, args)
        _report(name, kind, options, args, baselines[kind])
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _report(name, kind, options, args, baseline: float | None = None) -> float:
    """Measure one case, print its row (with its time over the baseline's), return its time."""
    runs = [measure(kind, options, args.timeout) for _ in range(args.repeats)]
    seconds = statistics.median(run["seconds"] for run in runs)
    peak = statistics.median(run["peak_mb"] for run in runs)
    shown = f"{seconds:9.2f}" if seconds != float("inf") else f"{'>' + str(args.timeout):>9s}"
    ratio = f"{seconds / baseline:7.1f}x" if baseline else f"{'':8s}"
    print(f"{name:52s} {shown} {peak:9.0f} {ratio}  {runs[0]['grid']}, {runs[0]['segments']}")
    return seconds


if __name__ == "__main__":
    main()
