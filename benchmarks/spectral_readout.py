"""The spectral readout beside the phase readout, in one run, on the same images.

    python benchmarks/spectral_readout.py --shapes 2 --count 20 --seeds 3
    python benchmarks/spectral_readout.py ../shared/datasets/bsds500/val --limit 20
    python benchmarks/spectral_readout.py --tetrominoes 50
    python benchmarks/spectral_readout.py --speed ../shared/datasets/bsds500/val/images/3096.jpg

Prints mean / median of each score per readout (any preset; natural by default) and the
median seconds per image; for tetrominoes, the shape naming of :mod:`wavesegment.analysis.
shape_spectra` with each readout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from wavesegment.analysis.shape_spectra import shape_spectra
from wavesegment.evaluation.datasets import open_dataset, shapes_dataset
from wavesegment.evaluation.evaluate import METRICS, Method, evaluate, summarise
from wavesegment.evaluation.tetrominoes import evaluate_tetrominoes
from wavesegment.io.images import read_image
from wavesegment.segmentation import segment

READOUTS = ("phase", "spectral")


def readout_method(readout: str, preset: str) -> Method:
    return Method(
        readout,
        {"readout": readout, "preset": preset},
        lambda image, seed: segment(image, seed=seed, preset=preset, readout=readout).labels,
        seeded=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", help="a dataset folder (wavesegment eval layouts)")
    parser.add_argument("--shapes", type=int, choices=(2, 3))
    parser.add_argument("--tetrominoes", type=int, metavar="N", help="N tetromino test images")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--preset", default="natural")
    parser.add_argument("--speed", metavar="IMAGE", help="time both readouts on one image")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.speed:
        speed(read_image(args.speed), args.preset, args.repeats)
        return
    if args.tetrominoes:
        for readout in READOUTS:
            scores = evaluate_tetrominoes(args.tetrominoes, preset=args.preset, readout=readout)
            print(readout, json.dumps(scores))
        return
    dataset = shapes_dataset(args.shapes, count=args.count) if args.shapes else None
    dataset = dataset or open_dataset(args.dataset)
    methods = [readout_method(readout, args.preset) for readout in READOUTS]
    rows = list(evaluate(dataset, methods, seeds=range(args.seeds), limit=args.limit))
    summary = summarise(rows, dataset.kind)
    print(f"{dataset.name}: {len(rows) // len(methods)} runs per readout, preset {args.preset}")
    for name, entry in summary.items():
        cells = [
            f"{key} {entry[key]['mean']:.3f} / {entry[key]['median']:.3f}"
            for key in (*METRICS[dataset.kind], "segments", "seconds")
        ]
        extra = f", separated {entry['separated']:.1%}" if "separated" in entry else ""
        print(f"  {name}: " + ", ".join(cells) + extra)


def speed(image, preset: str, repeats: int) -> None:
    """Median (min..max) seconds of segment() with each readout, interleaved, and of the
    shape spectra of the phase readout's segments."""
    segment(image, preset=preset)  # compile and cache the kernels first
    seconds = {readout: [] for readout in (*READOUTS, "shape spectra")}
    for _ in range(repeats):
        for readout in READOUTS:
            began = time.perf_counter()
            result = segment(image, preset=preset, readout=readout)
            seconds[readout].append(time.perf_counter() - began)
        began = time.perf_counter()
        shape_spectra(result)
        seconds["shape spectra"].append(time.perf_counter() - began)
    print(f"{image.shape[1]}x{image.shape[0]} image, preset {preset}, {repeats} repeats:")
    for name, values in seconds.items():
        print(f"  {name}: {statistics.median(values):.3f} s ({min(values):.3f}..{max(values):.3f})")


if __name__ == "__main__":
    main()
