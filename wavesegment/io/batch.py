"""Segmenting many files: finding them, mirroring their tree, resuming, running, summarising.

:func:`segment_file` is the one path from an image file to its written outputs; ``wavesegment
run`` calls it for one file and :func:`run_tasks` for each file of a batch, in worker processes
or on a Dask cluster. It never raises for a bad input: the failure is in the returned record.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import signal
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif", ".bmp", ".webp")

#: Default limit of the image size: 4000 x 4000 pixels, about 14 GB while it is segmented
#: (see ``wavesegment.io.BYTES_PER_PIXEL``).
DEFAULT_MAX_PIXELS = 16_000_000

SUMMARY_FIELDS = ("path", "width", "height", "segments", "seconds", "status", "error", "warnings")


@dataclass(frozen=True)
class Request:
    """What the user asks of every image: segmentation and export options."""

    segments: int | None = None
    seed: int = 0
    engine: str = "auto"
    preset: str = "natural"
    label_format: str = "png"
    masks: bool = False
    max_pixels: int | None = DEFAULT_MAX_PIXELS


@dataclass(frozen=True)
class Task:
    """One image of a batch and where its outputs go (``folder / stem_*``)."""

    image: Path
    folder: Path
    stem: str
    name: str  # the path shown to the user and in the summary


@dataclass
class ImageRecord:
    """One row of the summary. ``status`` is "done", "skipped" (complete before) or "failed"."""

    path: str
    width: int | None = None
    height: int | None = None
    segments: int | None = None
    seconds: float = 0.0
    status: str = "failed"
    error: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """What :func:`segment_file` returns: the record and, on success, the result itself."""

    record: ImageRecord
    result: object = None  # SegmentationResult


def _request_fields(request: Request) -> dict:
    # max_pixels decides whether to run, not what comes out: it is not part of a finished set.
    fields = asdict(request)
    del fields["max_pixels"]
    return fields


def segment_file(
    image: str | os.PathLike,
    *,
    folder: str | os.PathLike,
    stem: str,
    request: Request = Request(),
    name: str | None = None,
    trace_every: int = 0,
) -> Outcome:
    """Read, segment and write the outputs of one image file.

    Parameters
    ----------
    image : path-like
        The input file.
    folder, stem : path-like, str
        The outputs are ``folder / (stem + "_labels.png")`` etc.
        (see :func:`wavesegment.io.export.write_outputs`).
    request : Request
        Segmentation and export options.
    name : str, optional
        How the image is named in the record (default: its path).
    trace_every : int
        Keep the wave dynamics every this many steps (see :func:`wavesegment.segment`).

    Returns
    -------
    Outcome
        Never raises for a bad file or an unwritable folder: the record says "failed" and
        holds a one-line error.

    Examples
    --------
    >>> outcome = segment_file("coins.png", folder="out", stem="coins")  # doctest: +SKIP
    >>> outcome.record.status  # doctest: +SKIP
    'done'
    """
    from ..segmentation import segment
    from .export import write_outputs
    from .images import ImageError, read_image

    started = time.perf_counter()
    record = ImageRecord(path=name or str(image))
    outcome = Outcome(record)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            pixels = read_image(image, max_pixels=request.max_pixels)
            record.height, record.width = pixels.shape[:2]
            read_seconds = time.perf_counter() - started
            result = segment(
                pixels,
                segments=request.segments,
                seed=request.seed,
                engine=request.engine,
                preset=request.preset,
                trace_every=trace_every,
            )
            write_outputs(
                folder,
                stem,
                pixels,
                result,
                request=_request_fields(request),
                label_format=request.label_format,
                masks=request.masks,
                timings={"read": read_seconds},
                source=image,
            )
            record.segments, record.status = result.n_segments, "done"
            outcome.result = result
        except (ImageError, ValueError) as error:
            record.error = _one_line(error)
        except OSError as error:
            record.error = f"cannot write to {folder}: {error.strerror or _one_line(error)}"
        except MemoryError:
            record.error = f"{image}: out of memory (try a lower --max-pixels)"
        except Exception as error:  # a bug, but one bad image must not end a batch of thousands
            record.error = f"{image}: internal error {type(error).__name__}: {_one_line(error)}"
    record.warnings = sorted({_one_line(warning.message) for warning in caught})
    record.seconds = round(time.perf_counter() - started, 4)
    return outcome


def _one_line(error: BaseException | Warning | str) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def find_images(source: str | os.PathLike, *, exclude: Path | None = None) -> tuple[Path, list]:
    """The image files of a folder (recursively) or a glob pattern, and their common root.

    Files are recognised by their suffix (``IMAGE_SUFFIXES``, any case); folders that happen
    to carry such a suffix are searched, not returned. Files under ``exclude`` (the output
    folder, when it lies inside the input) are left out.

    Examples
    --------
    >>> root, images = find_images("photos/**/*.jpg")  # doctest: +SKIP
    """
    source = str(source)
    if glob.has_magic(source):
        parts = Path(source).parts
        fixed = next(index for index, part in enumerate(parts) if glob.has_magic(part))
        root = Path(*parts[:fixed]) if fixed else Path(".")
        candidates = (Path(path) for path in glob.glob(source, recursive=True))
    else:
        root = Path(source)
        if not root.is_dir():
            raise FileNotFoundError(f"{source}: no such folder")
        candidates = root.rglob("*")
    exclude = exclude.resolve() if exclude is not None else None
    images = sorted(
        path
        for path in candidates
        if path.suffix.lower() in IMAGE_SUFFIXES
        and not path.is_dir()
        and (exclude is None or exclude not in path.resolve().parents)
    )
    return root, images


def plan_tasks(root: Path, images: list[Path], output: Path) -> list[Task]:
    """Mirror each image's place under ``root`` in ``output``.

    Images of one folder that share a stem (``a.png``, ``a.jpg``) keep their suffix in the
    stem (``a_png``, ``a_jpg``), so their outputs do not overwrite each other.
    """
    relative = [path.relative_to(root) if path.is_relative_to(root) else path for path in images]
    stems: dict[tuple[Path, str], int] = {}
    for path in relative:
        stems[path.parent, path.stem] = stems.get((path.parent, path.stem), 0) + 1
    tasks = []
    for image, path in zip(images, relative, strict=True):
        clash = stems[path.parent, path.stem] > 1
        stem = f"{path.stem}_{path.suffix.lstrip('.').lower()}" if clash else path.stem
        tasks.append(Task(image, output / path.parent, stem, path.as_posix()))
    return tasks


def completed_record(task: Task, request: Request) -> ImageRecord | None:
    """A "skipped" record if the task's outputs are complete for ``request``, else None."""
    from .export import output_names, read_complete_sidecar

    sidecar = task.folder / output_names(task.stem, label_format=request.label_format)["sidecar"]
    record = read_complete_sidecar(sidecar, request=_request_fields(request))
    if record is None:
        return None
    size = record.get("image_size", {})
    return ImageRecord(
        path=task.name,
        width=size.get("width"),
        height=size.get("height"),
        segments=record.get("n_segments"),
        seconds=0.0,
        status="skipped",
    )


def process_task(task: Task, request: Request) -> ImageRecord:
    """Segment one task of a batch; what runs in a worker process."""
    return segment_file(
        task.image, folder=task.folder, stem=task.stem, request=request, name=task.name
    ).record


def run_tasks(
    tasks: list[Task], request: Request, *, jobs: int = 1, scheduler: str | None = None
) -> Iterator[ImageRecord]:
    """Process tasks and yield their records as they finish (not in order).

    ``jobs`` worker processes run them (in this process if 1), or the workers of the Dask
    cluster at ``scheduler``. When the consumer stops early (Ctrl-C), tasks not started are
    cancelled and the running ones finish, so that every image has all its outputs or none.
    An image whose worker dies is recorded as failed. Raises ConnectionError if the scheduler
    cannot be reached.
    """
    if not tasks:
        return
    if scheduler is None and jobs == 1:
        for task in tasks:
            yield process_task(task, request)
        return
    from concurrent.futures import as_completed

    with _executor(min(jobs, len(tasks)), scheduler) as executor:
        futures = {executor.submit(process_task, task, request): task for task in tasks}
        try:
            for future in as_completed(futures):
                try:
                    record = future.result()
                except Exception as error:  # the worker died (killed for memory, a crash)
                    task = futures[future]
                    record = ImageRecord(task.name, error=f"{task.image}: worker lost: {error}")
                yield record
        finally:
            for future in futures:
                future.cancel()


@contextmanager
def _executor(jobs: int, scheduler: str | None):
    if scheduler is not None:
        from distributed import Client

        try:
            client = Client(scheduler, timeout="5s")
        except OSError as error:
            raise ConnectionError(
                f"cannot reach the Dask scheduler at {scheduler}: {error}"
            ) from None
        with client:
            yield client.get_executor(pure=False)
        return
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    # Each worker does one image at a time; more threads per worker would only compete.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    with ProcessPoolExecutor(
        jobs, mp_context=get_context("spawn"), initializer=_ignore_interrupts
    ) as pool:
        yield pool


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the parent stops the batch and the workers
    # finish the image they are writing instead of dying in the middle of it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def write_summary(output: Path, records: list[ImageRecord]) -> tuple[Path, Path]:
    """Write ``summary.csv`` and ``summary.json`` (one row per image) atomically."""
    from .files import atomic_path

    rows = [asdict(record) for record in records]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=SUMMARY_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({**row, "warnings": "; ".join(row["warnings"])} for row in rows)
    counts = {status: 0 for status in ("done", "skipped", "failed")}
    for record in records:
        counts[record.status] += 1
    paths = output / "summary.csv", output / "summary.json"
    with atomic_path(paths[0]) as temporary:
        temporary.write_text(text.getvalue(), encoding="utf-8")
    with atomic_path(paths[1]) as temporary:
        temporary.write_text(
            json.dumps({"counts": counts, "images": rows}, indent=2) + "\n", encoding="utf-8"
        )
    return paths
