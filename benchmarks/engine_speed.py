"""Speed and memory of wavesegment against the dense published update, in one run.

    python benchmarks/engine_speed.py [--repeats 5] [--sizes 256x256 481x321 1024x1024 2048x2048]

Prints medians (and min..max) of:
1. the network dynamics (both layers, steps 1..180) as the published code runs them, with dense
   N x N matrices, against the numba engine, at 32x32 and 64x64, and their ratio;
2. the whole ``segment()`` at larger sizes, with the published preset (the network at native
   resolution) and the default natural preset, each in a fresh process, with its peak memory
   (the high-water mark of that process's resident set, VmHWM on Linux, imports included);
3. the ``wavesegment run`` command on the photo at 481x321, cold (empty Numba cache) and warm.
Only public tools: numpy, the standard library and wavesegment itself.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PHOTO = REPO / "sample_images" / "coffee.jpg"


def photo(rows: int, cols: int) -> np.ndarray:
    """The bundled colour photo resized to (rows, cols), as a grayscale float image."""
    from skimage.transform import resize

    from wavesegment.io.images import read_image
    from wavesegment.preparation import to_grayscale

    return resize(to_grayscale(read_image(PHOTO)), (rows, cols), anti_aliasing=True)


def dense_published_dynamics(omega: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """Both layers as run_2layer.m runs them: dense sheets from pairwise distances, dense steps."""
    rows, cols = omega.shape
    r, c = np.meshgrid(np.arange(1, rows + 1) / rows, np.arange(1, cols + 1) / cols, indexing="ij")
    positions = np.stack([r.ravel(), c.ravel()], axis=1)
    squared = ((positions[:, None, :] - positions[None, :, :]) ** 2).sum(axis=2)
    w, x = omega.ravel(), x0.ravel()
    matrix = np.diag(1j * w) + 0.5 * np.exp(-squared / 2 / 0.9**2)
    for _ in range(2, 61):
        x = matrix @ x
        x /= np.abs(x).max()
    phases = np.angle(x)
    above, below = phases > phases.mean(), phases < phases.mean()
    background = above if above.sum() > below.sum() else below
    coupling = 0.5 * np.exp(-squared / 2 / 0.0313**2)
    coupling[background, :] = 0
    coupling[:, background] = 0
    matrix = np.diag(1j * np.where(background, 0, w)) + coupling
    x = np.where(background, 0, x0.ravel())
    for _ in range(61, 181):
        x = matrix @ x
        x /= np.abs(x).max()
    return x


def engine_dynamics(omega: np.ndarray, x0: np.ndarray) -> np.ndarray:
    from wavesegment.dynamics import evolve
    from wavesegment.network import GaussianCoupling
    from wavesegment.segmentation import background_mask

    shape = omega.shape
    layer1 = evolve(
        GaussianCoupling(shape, alpha=0.5, sigma=0.9), omega, x0, n_steps=59, record_from=60
    )
    foreground = ~background_mask(np.angle(layer1.final))
    layer2 = evolve(
        GaussianCoupling(shape, alpha=0.5, sigma=0.0313),
        np.where(foreground, omega, 0),
        np.where(foreground, x0, 0),
        n_steps=120,
        record_from=80,
        foreground=foreground,
    )
    return layer2.final


def timed(function, repeats: int, *arguments) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function(*arguments)
        times.append(time.perf_counter() - started)
    return times


def summary(times: list[float]) -> str:
    return f"{statistics.median(times):8.3f} s  ({min(times):.3f}..{max(times):.3f})"


CHILD = """
import json, sys, time
import numpy as np
sys.path.insert(0, {bench!r})
from engine_speed import photo
from wavesegment import segment
image = photo({rows}, {cols})
segment(image[:32, :32])  # load the compiled kernels from the cache
times = []
for _ in range({repeats}):
    started = time.perf_counter()
    result = segment(image, preset={preset!r})
    times.append(time.perf_counter() - started)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
status = open("/proc/self/status").read()
peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({{"times": times, "peak_mb": peak, "segments": result.n_segments}}))
"""


def segment_in_child(rows: int, cols: int, repeats: int, preset: str) -> dict:
    code = CHILD.format(
        bench=str(Path(__file__).parent), rows=rows, cols=cols, repeats=repeats, preset=preset
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def cli_times(repeats: int) -> tuple[list[float], list[float]]:
    from PIL import Image

    cold, warm = [], []
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "photo.jpg"  # the size of a BSDS500 photo
        Image.open(PHOTO).resize((481, 321)).save(source, quality=90)
        command = [sys.executable, "-m", "wavesegment", "run", str(source)]
        for _ in range(repeats):
            cache = tempfile.mkdtemp(dir=scratch)
            for target in (cold, warm):  # the first run fills the empty cache, the second uses it
                environment = dict(os.environ, NUMBA_CACHE_DIR=cache)
                started = time.perf_counter()
                subprocess.run(
                    command + ["-o", scratch], env=environment, check=True, capture_output=True
                )
                target.append(time.perf_counter() - started)
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--sizes", nargs="+", default=["256x256", "481x321", "1024x1024", "2048x2048"]
    )
    arguments = parser.parse_args()
    repeats = arguments.repeats

    from wavesegment.network import frequencies, random_initial_state

    print(f"wavesegment engine benchmark: {os.cpu_count()} CPUs, numpy {np.__version__}")
    print("\n1. Network dynamics, steps 1..180 (median, min..max over runs)")
    engine_dynamics(np.zeros((8, 8)), random_initial_state((8, 8), 0))  # compile / load kernels
    for side in (32, 64):
        omega = frequencies(photo(side, side))
        x0 = random_initial_state(omega.shape, 1)
        dense = timed(dense_published_dynamics, max(repeats // 2, 3), omega, x0)
        ours = timed(engine_dynamics, repeats, omega, x0)
        ratio = statistics.median(dense) / statistics.median(ours)
        print(
            f"  {side}x{side}  dense published {summary(dense)}   numba engine {summary(ours)}"
            f"   ratio {ratio:6.1f}x"
        )

    print("\n2. segment() on the bundled photo resized, one fresh process per size and preset")
    print("   published: the network at native resolution; natural: the default preset")
    for size in arguments.sizes:
        cols, rows = (int(value) for value in size.split("x"))
        runs = repeats if cols * rows <= 1_000_000 else max(repeats // 2, 1)
        for preset in ("published", "natural"):
            measured = segment_in_child(rows, cols, runs, preset)
            per_megapixel = statistics.median(measured["times"]) / (rows * cols / 1e6)
            print(
                f"  {size:>10} {preset:>9}  {summary(measured['times'])}"
                f"   {per_megapixel:6.2f} s/Mpx   peak {measured['peak_mb']:7.0f} MB"
                f"   {measured['segments']} segments"
            )

    print("\n3. wavesegment run on the photo resized to 481x321 (JPEG), whole command")
    cold, warm = cli_times(max(repeats // 2, 2))
    print(f"  cold (empty Numba cache) {summary(cold)}")
    print(f"  warm                     {summary(warm)}")


if __name__ == "__main__":
    main()
