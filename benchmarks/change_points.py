"""Change points of piece-wise constant signals: wavesegment against ruptures, in one run.

    python benchmarks/change_points.py [--signals 20] [--length 2000] [--tolerance 10]

Each signal has 3 to 8 pieces of random levels (0..3, neighbours differ by at least 0.5) and
Gaussian noise (sd 0.2). A found change point is right if a true one lies within ``tolerance``
samples (each true one matched once). Prints the median precision, recall and seconds per
signal of: wavesegment (natural preset) on a line and on a ring, and ruptures' PELT (l2 cost,
penalty 3 sd^2 log n, the noise known) and binary segmentation told the true number of change
points, where ruptures is installed (``pip install ".[ruptures]"``).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from wavesegment import segment
from wavesegment.io.signals import change_points

NOISE = 0.2


def make_signal(rng, length: int) -> tuple[np.ndarray, np.ndarray]:
    n_pieces = int(rng.integers(3, 9))
    cuts = np.sort(rng.choice(np.arange(50, length - 50), n_pieces - 1, replace=False))
    while np.diff(np.concatenate([[0], cuts, [length]])).min() < 40:
        cuts = np.sort(rng.choice(np.arange(50, length - 50), n_pieces - 1, replace=False))
    levels = [float(rng.uniform(0, 3))]
    while len(levels) < n_pieces:
        level = float(rng.uniform(0, 3))
        if abs(level - levels[-1]) >= 0.5:
            levels.append(level)
    values = np.repeat(levels, np.diff(np.concatenate([[0], cuts, [length]])))
    return values + rng.normal(scale=NOISE, size=length), cuts


def score(found, truth, tolerance: int) -> tuple[float, float]:
    unmatched = list(truth)
    hits = 0
    for point in found:
        near = [t for t in unmatched if abs(t - point) <= tolerance]
        if near:
            unmatched.remove(min(near, key=lambda t: abs(t - point)))
            hits += 1
    precision = hits / len(found) if len(found) else 1.0
    return precision, hits / len(truth)


def methods(length: int) -> dict:
    found = {
        "wavesegment natural, line": lambda s, k: change_points(segment(s).labels),
        "wavesegment natural, ring": lambda s, k: change_points(segment(s, periodic=True).labels),
    }
    try:
        import ruptures
    except ImportError:
        print("ruptures is not installed: only wavesegment is measured")
        return found
    penalty = 3 * NOISE**2 * np.log(length)
    found["ruptures PELT l2 (penalty)"] = lambda s, k: np.array(
        ruptures.Pelt(model="l2", min_size=5).fit(s).predict(pen=penalty)[:-1]
    )
    found["ruptures BinSeg l2 (true count)"] = lambda s, k: np.array(
        ruptures.Binseg(model="l2", min_size=5).fit(s).predict(n_bkps=k)[:-1]
    )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=20)
    parser.add_argument("--length", type=int, default=2000)
    parser.add_argument("--tolerance", type=int, default=10)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    signals = [make_signal(rng, args.length) for _ in range(args.signals)]
    segment(signals[0][0][:200])  # compile the kernels outside the timings
    print(f"{args.signals} signals of {args.length} samples, tolerance {args.tolerance} samples")
    print(f"{'method':34s} {'precision':>9s} {'recall':>7s} {'s/signal':>9s}")
    for name, find in methods(args.length).items():
        rows = []
        for signal, truth in signals:
            started = time.perf_counter()
            found = find(signal, len(truth))
            rows.append((*score(found, truth, args.tolerance), time.perf_counter() - started))
        precision, recall, seconds = (
            statistics.median(column) for column in zip(*rows, strict=True)
        )
        print(f"{name:34s} {precision:9.2f} {recall:7.2f} {seconds:9.3f}")


if __name__ == "__main__":
    main()
