"""Speed and memory of the default preset against scikit-image's felzenszwalb, in one run.

    python benchmarks/default_speed.py [PHOTO] [--repeats 7] [--large] [--only PART...]

Prints, with the machine's load average before and after:
1. library: ``segment(pixels)`` (natural preset) against ``felzenszwalb(pixels, scale=1000,
   sigma=0.8, min_size=50)`` on the same decoded photo (481x321 by default: the bundled coffee
   photo resized so, or PHOTO), alternating, after one warm-up each; medians and their ratio;
2. whole command: ``wavesegment run PHOTO`` against a one-line Python command that reads the
   photo, runs felzenszwalb and writes a 16-bit label PNG, in interleaved pairs of fresh
   processes under ``/usr/bin/time -v``: median wall seconds, peak resident memory (MiB) and
   CPU seconds (user and system, which vary less with the machine's load), and their ratios;
3. with ``--large``: ``wavesegment run`` on the photo upscaled to 4898x3265 (16 MP) and to
   2449x1633 (4 MP), ``--large-repeats`` times each (3): median wall seconds, CPU seconds and
   peak resident memory, and the seconds of each stage of the last run (from its sidecar).

``--only`` runs some of the three parts: ``library``, ``command``, ``large``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COFFEE = REPO / "sample_images" / "coffee.jpg"
FELZENSZWALB = dict(scale=1000, sigma=0.8, min_size=50)
ONE_LINER = (
    "import sys, numpy as n; from skimage import io, segmentation as s; "
    "io.imsave(sys.argv[2], s.felzenszwalb(io.imread(sys.argv[1]), scale=1000, sigma=0.8, "
    "min_size=50).astype(n.uint16), check_contrast=False)"
)


def photo_481x321(folder: Path) -> Path:
    """The bundled coffee photo resized to 481 x 321 (BSDS500's size), as a PNG."""
    from PIL import Image

    path = folder / "coffee_481x321.png"
    Image.open(COFFEE).convert("RGB").resize((481, 321), Image.LANCZOS).save(path)
    return path


def library(path: Path, repeats: int) -> None:
    from skimage.segmentation import felzenszwalb

    from wavesegment import segment
    from wavesegment.io.images import read_image

    pixels = read_image(path)
    runs = {
        "segment()": lambda: segment(pixels),
        "felzenszwalb": lambda: felzenszwalb(pixels, **FELZENSZWALB),
    }
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for run in runs.values():
        run()  # warm-up: imports, numba's cache, first-call costs
    for _ in range(repeats):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    print(f"library, {pixels.shape[1]}x{pixels.shape[0]}, {repeats} alternating runs (median s):")
    for name, value in medians.items():
        print(
            f"  {name:14s} {value:.3f}  "
            f"(min {min(seconds[name]):.3f}, max {max(seconds[name]):.3f})"
        )
    print(f"  ratio          {medians['segment()'] / medians['felzenszwalb']:.2f}x")


def timed(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak resident memory (MiB) and CPU seconds (user and system) of one fresh
    process, from time -v: on a shared machine the CPU time varies less with the load."""
    done = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"error: {' '.join(command)} failed: {done.stderr.strip()[-400:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    hours, minutes, secs = (float(g) if g else 0.0 for g in wall.groups())
    peak = float(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    cpu = sum(
        float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", done.stderr).group(1))
        for kind in ("User", "System")
    )
    return hours * 3600 + minutes * 60 + secs, peak / 1024, cpu


def whole_command(path: Path, folder: Path, repeats: int) -> None:
    wavesegment = str(Path(sys.executable).with_name("wavesegment"))
    commands = {
        "wavesegment run": [wavesegment, "run", str(path), "-o", str(folder / "out")],
        "felzenszwalb one-liner": [
            sys.executable,
            "-c",
            ONE_LINER,
            str(path),
            str(folder / "f.png"),
        ],
    }
    for command in commands.values():
        timed(command)  # warm-up: the page cache, numba's on-disk cache
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            results[name].append(timed(command))
    print(
        f"whole command, {repeats} interleaved pairs (median wall s, median peak MiB, "
        "median CPU s):"
    )
    medians = {}
    for name, values in results.items():
        medians[name] = [statistics.median(v) for v in zip(*values, strict=True)]
        wall, peak, cpu = medians[name]
        print(f"  {name:24s} {wall:.2f} s  {peak:.0f} MiB  {cpu:.2f} s CPU")
    ours, theirs = medians["wavesegment run"], medians["felzenszwalb one-liner"]
    print(
        f"  ratio                    {ours[0] / theirs[0]:.2f}x time, "
        f"{ours[1] / theirs[1]:.2f}x memory, {ours[2] / theirs[2]:.2f}x CPU"
    )


#: The large photos: the photo upscaled to 16 MP and to 4 MP.
LARGE_SIZES = ((4898, 3265), (2449, 1633))


def large(path: Path, folder: Path, repeats: int) -> None:
    """``wavesegment run`` on the photo upscaled to each of :data:`LARGE_SIZES`: median wall
    time and peak memory of ``repeats`` runs, and where the time went (the sidecar's stages;
    "start-up, writing" is the rest of the wall time)."""
    from PIL import Image

    wavesegment = str(Path(sys.executable).with_name("wavesegment"))
    for width, height in LARGE_SIZES:
        big = folder / f"large_{width}x{height}.png"
        Image.open(path).convert("RGB").resize((width, height), Image.BICUBIC).save(big)
        out = folder / f"out_{width}"
        runs = [timed([wavesegment, "run", str(big), "-o", str(out)]) for _ in range(repeats)]
        seconds, peak, cpu = (statistics.median(values) for values in zip(*runs, strict=True))
        stages = json.loads((out / f"{big.stem}_segments.json").read_text())["timings"]
        rest = runs[-1][0] - stages["read"] - stages["total"]
        parts = ", ".join(f"{name} {stages[name]:.2f}" for name in ("read", *_STAGES))
        print(
            f"{width * height / 1e6:.0f} MP photo ({width}x{height}), {repeats} runs: wavesegment "
            f"run {seconds:.2f} s (min {min(r[0] for r in runs):.2f}), {cpu:.2f} s CPU, "
            f"peak {peak:.0f} MiB\n"
            f"  last run's stages (s): {parts}, start-up and writing {rest:.2f}"
        )


#: The stages of ``segment()`` the sidecar times: preparation and layer 1, layer 2, the
#: readout with the grouping and the labels at the image's size.
_STAGES = ("layer1", "layer2", "readout")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photo", nargs="?", type=Path)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--large", action="store_true")
    parser.add_argument("--large-repeats", type=int, default=3)
    parser.add_argument("--only", nargs="+", choices=("library", "command", "large"))
    args = parser.parse_args()
    parts = set(args.only or ["library", "command"] + (["large"] if args.large else []))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average before: {load}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        path = args.photo or photo_481x321(folder)
        if "library" in parts:
            library(path, args.repeats)
        if "command" in parts:
            whole_command(path, folder, args.repeats)
        if "large" in parts:
            large(path, folder, args.large_repeats)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
