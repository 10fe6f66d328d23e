"""Show that a restructure changed no result: ``segment()`` labels, reference revision vs now.

For every image in ``sample_images/`` (and the first ``--limit`` images of PHOTO_DIR, if
given, in sorted order) and each preset, the labels of ``wavesegment.segment(pixels,
preset=preset)`` are computed by two versions of the code: a reference git revision,
checked out with ``git worktree add --detach`` into a temporary folder, and the current
working tree. Each version runs in its own subprocess of this Python interpreter, importing
its own ``wavesegment``, and reads the images with this script's reader (PIL, independent of
wavesegment's API). The pass criterion is byte-identical label arrays, dtype and shape
included; the table also says whether the partitions agree up to renaming of the labels,
the fraction of pixels whose labels differ, and each version's time per ``segment()`` call.

    python benchmarks/labels_unchanged.py
    python benchmarks/labels_unchanged.py ../shared/datasets/bsds500/val/images --limit 20

Options: ``--reference REV`` (default 7828735, the commit before the restructure),
``--presets``; ``--current REV`` puts a second worktree of REV on the "current" side
instead of the working tree (to check this script while the working tree is broken), and
``--seed N`` passes ``seed=N`` on the current side only, which must then report differences
(a check that the comparison catches them). Exit code 0 if all label maps are identical,
1 if any differs, 2 if a version could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[1]
SUFFIXES = {".png", ".jpg", ".jpeg"}
WARMUP_SIDE = 96  # > 16 x 16 pixels, so that the warm-up runs the numba engine


# --- the worker: runs in a subprocess, with one version's source root on sys.path ---------


def read_image(path: Path) -> np.ndarray:
    """The pixels as float64, the same for both versions whatever wavesegment's reader does."""
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened)
        if image.mode in ("P", "RGBA", "CMYK"):
            image = image.convert("RGB")
        elif image.mode == "LA":
            image = image.convert("L")
        return np.asarray(image, dtype=np.float64)


def import_wavesegment(root: Path):
    """``wavesegment`` from ``root``, or exit if another copy would be imported.

    The venv's editable install adds a finder that maps ``wavesegment`` to /work/main; it is
    appended to ``sys.meta_path``, after the ``sys.path`` finder, so the PYTHONPATH entry set
    by the driver wins. Inserting ``root`` at the front of ``sys.path`` as well keeps it first
    even ahead of this script's own folder; the check below proves which copy was imported.
    """
    sys.path.insert(0, str(root))
    import wavesegment

    source = Path(wavesegment.__file__).resolve()
    print(f"  wavesegment from {source}", flush=True)
    if not source.is_relative_to(root.resolve()):
        sys.exit(f"wavesegment was imported from {source}, not from under {root}")
    return wavesegment


def timed_segment(segment, pixels: np.ndarray, preset: str, seed: int | None):
    kwargs = {} if seed is None else {"seed": seed}
    started = time.perf_counter()
    result = segment(pixels, preset=preset, **kwargs)
    return result, time.perf_counter() - started


def run_worker(job_path: str) -> None:
    """Segment the job's images with each preset and save one .npz per (image, preset)."""
    job = json.loads(Path(job_path).read_text())
    segment = import_wavesegment(Path(job["root"])).segment
    out = Path(job["out"])
    images = [read_image(Path(path)) for path in job["images"]]
    for preset in job["presets"]:  # warm-up: numba compiles or loads its cache here
        segment(images[0][:WARMUP_SIDE, :WARMUP_SIDE], preset=preset)
    for index, pixels in enumerate(images):
        for preset in job["presets"]:
            result, seconds = timed_segment(segment, pixels, preset, job["seed"])
            np.savez(
                out / f"{index:04d}_{preset}.npz",
                labels=result.labels,
                n_segments=result.n_segments,
                seconds=seconds,
            )


# --- the driver -----------------------------------------------------------------------------


def image_paths(photo_dir: Path | None, limit: int) -> list[Path]:
    def listed(folder: Path) -> list[Path]:
        return sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)

    paths = listed(REPO / "sample_images")
    if photo_dir is not None:
        paths += listed(photo_dir)[:limit]
    return paths


def git(*args: str) -> None:
    subprocess.run(["git", "-C", str(REPO), *args], check=True, stdout=subprocess.DEVNULL)


@contextmanager
def worktree(revision: str, folder: Path):
    """A detached worktree of ``revision`` at ``folder``, removed again however we leave."""
    git("worktree", "add", "--detach", str(folder), revision)
    try:
        yield folder
    finally:
        git("worktree", "remove", "--force", str(folder))


def run_version(name: str, root: Path, job: dict, scratch: Path) -> Path:
    """Run the worker for the source tree at ``root``; the folder its .npz files are in."""
    out = scratch / name
    out.mkdir()
    job_path = scratch / f"{name}.json"
    job_path.write_text(json.dumps({**job, "root": str(root), "out": str(out)}))
    print(f"{name}: {root}", flush=True)
    env = {**os.environ, "PYTHONPATH": str(root)}
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(job_path)]
    started = time.perf_counter()
    if subprocess.run(command, env=env, cwd=scratch).returncode != 0:
        raise RuntimeError(f"the {name} version failed (see above)")
    print(f"  {time.perf_counter() - started:.1f} s", flush=True)
    return out


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether the label maps split the pixels the same way, whatever the label numbers."""
    if a.shape != b.shape:
        return False
    pairs = np.unique(np.stack([a.ravel(), b.ravel()]), axis=1)
    return len(np.unique(pairs[0])) == len(np.unique(pairs[1])) == pairs.shape[1]


def compare(reference: Path, current: Path) -> dict:
    with np.load(reference) as ref, np.load(current) as cur:
        a, b = ref["labels"], cur["labels"]
        identical = a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
        differing = float(np.mean(a != b)) if a.shape == b.shape else float("nan")
        return {
            "identical": identical,
            "renaming": same_partition(a, b),
            "differing": differing,
            "segments": (int(ref["n_segments"]), int(cur["n_segments"])),
            "seconds": (float(ref["seconds"]), float(cur["seconds"])),
        }


def print_table(paths: list[Path], presets: list[str], folders: tuple[Path, Path]) -> int:
    """Print one row per (image, preset); the number of identical label maps."""
    width = max(len(p.name) for p in paths)
    header = "identical  renaming  segments  differing   ref s   cur s"
    print(f"\n{'image':<{width}}  {'preset':<9}  {header}")
    n_identical = 0
    for index, path in enumerate(paths):
        for preset in presets:
            name = f"{index:04d}_{preset}.npz"
            row = compare(folders[0] / name, folders[1] / name)
            n_identical += row["identical"]
            segments = "{}/{}".format(*row["segments"])
            differing = "" if row["identical"] else f"{row['differing']:.2%}"
            print(
                f"{path.name:<{width}}  {preset:<9}  {'yes' if row['identical'] else 'no':<9}  "
                f"{'yes' if row['renaming'] else 'no':<8}  {segments:>8}  {differing:>9}  "
                "{:6.2f}  {:6.2f}".format(*row["seconds"])
            )
    return n_identical


def run_both(args: argparse.Namespace, paths: list[Path], scratch: Path) -> tuple[Path, Path]:
    job = {"images": [str(p.resolve()) for p in paths], "presets": args.presets}
    with worktree(args.reference, scratch / "reference-tree") as reference_root:
        reference = run_version("reference", reference_root, {**job, "seed": None}, scratch)
        if args.current is None:
            return reference, run_version("current", REPO, {**job, "seed": args.seed}, scratch)
        with worktree(args.current, scratch / "current-tree") as current_root:
            return reference, run_version(
                "current", current_root, {**job, "seed": args.seed}, scratch
            )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photo_dir", nargs="?", type=Path, help="a folder of further photos")
    parser.add_argument("--limit", type=int, default=20, help="photos taken from PHOTO_DIR")
    parser.add_argument("--reference", default="7828735", help="the reference git revision")
    parser.add_argument("--presets", nargs="+", default=["natural", "published"])
    parser.add_argument(
        "--current", metavar="REV", help="a worktree of REV as the current side, not the tree"
    )
    parser.add_argument(
        "--seed", type=int, help="seed=SEED on the current side only: must show differences"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if args.worker:
        run_worker(args.worker)
        return 0
    # SIGTERM as an exception too, so that the worktrees are removed (Ctrl-C already is one)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    paths = image_paths(args.photo_dir, args.limit)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="labels_unchanged_") as scratch:
        try:
            folders = run_both(args, paths, Path(scratch))
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return 2
        n_identical = print_table(paths, args.presets, folders)
    total = len(paths) * len(args.presets)
    print(f"({time.perf_counter() - started:.0f} s in all)")
    print(f"{n_identical} of {total} label maps identical")
    return 0 if n_identical == total else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the worktrees are removed by then
        sys.exit(130)
