"""Segmenting many files: finding them, mirroring their tree, resuming, running, summarising.

:func:`run_batch` is what ``wavesegment batch`` runs: it skips the images whose outputs are
complete, segments the others with :func:`wavesegment.io.single.segment_file` in worker
processes or on a Dask cluster, and writes ``summary.csv`` and ``summary.json``.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .single import WORKER_LOST, ImageRecord, Request, request_fields, segment_file

SUMMARY_FIELDS = tuple(column.name for column in fields(ImageRecord))
STATUSES = ("done", "skipped", "failed")
# Set to 1 in each worker process unless the user set any: a worker does one image at a time,
# and more BLAS or OpenMP threads per worker would only compete for the cores.
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class BatchError(ValueError):
    """A batch that cannot run; the message is one line meant for the user."""


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a batch; ``complete`` of its ``total`` images have all their outputs."""

    def __init__(self, complete: int, total: int) -> None:
        super().__init__(
            f"interrupted: {complete} of {total} images complete; "
            "run the same command again to do the rest"
        )
        self.complete, self.total = complete, total


@dataclass(frozen=True)
class Task:
    """One image of a batch and where its outputs go (``folder / stem_*``)."""

    image: Path
    folder: Path
    stem: str
    name: str  # the path shown to the user and in the summary


@dataclass(frozen=True)
class BatchSummary:
    """What :func:`run_batch` did: one record per image, in the order of the input tree."""

    records: list[ImageRecord]
    paths: tuple[Path, Path]  # summary.csv, summary.json

    @property
    def counts(self) -> dict[str, int]:
        """Images per status: done, skipped (complete before), failed."""
        return count_statuses(self.records)

    @property
    def failed(self) -> list[ImageRecord]:
        """The records of the images that failed."""
        return [record for record in self.records if record.status == "failed"]


def run_batch(
    source: str | os.PathLike,
    output_dir: str | os.PathLike,
    request: Request,
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BatchSummary:
    """Segment every image of ``source`` into ``output_dir``, resuming where a run stopped.

    Parameters
    ----------
    source : str or path-like
        A folder, searched recursively, or a glob pattern (:func:`find_images`).
    output_dir : path-like
        Where the outputs go, in the input's tree (:func:`plan_tasks`), with the summary.
    request : Request
        Segmentation and export options of every image.
    jobs : int, optional
        Worker processes (default: the number of cores; 1 runs in this process).
    scheduler : str, optional
        Address of a Dask distributed scheduler to run on instead (needs ``distributed``).
    overwrite : bool
        Redo the images whose outputs are complete for ``request`` (default: skip them).
    progress : callable, optional
        Called as ``progress(finished, total)`` with the count of images to process, once
        before the first (``finished`` 0) and after each.

    Returns
    -------
    BatchSummary
        A bad image never stops the batch: its record says "failed" and why.

    Raises
    ------
    BatchError
        If there is nothing to do, the output folder is the input, the scheduler cannot be
        reached or the summary cannot be written.
    BatchInterrupted
        On Ctrl-C, once the images being written are complete; the summary is not written.

    Examples
    --------
    >>> summary = run_batch("photos", "results", Request(), jobs=2)  # doctest: +SKIP
    >>> summary.counts  # doctest: +SKIP
    {'done': 12, 'skipped': 0, 'failed': 1}
    """
    output_dir = Path(output_dir)
    tasks = _plan(source, output_dir, scheduler)
    records = {} if overwrite else _complete_before(tasks, request)
    pending = [task for task in tasks if task.name not in records]
    if progress is not None:
        progress(0, len(pending))
    jobs = jobs or os.cpu_count() or 1
    try:
        for count, record in enumerate(run_tasks(pending, request, jobs=jobs, scheduler=scheduler)):
            records[record.path] = record
            if progress is not None:
                progress(count + 1, len(pending))
    except ConnectionError as error:
        raise BatchError(str(error)) from None
    except KeyboardInterrupt:
        raise BatchInterrupted(len(records), len(tasks)) from None
    ordered = [records[task.name] for task in tasks]
    try:
        paths = write_summary(output_dir, ordered)
    except OSError as error:
        message = f"cannot write the summary to {output_dir}: {error.strerror or error}"
        raise BatchError(message) from None
    return BatchSummary(ordered, paths)


def _plan(source: str | os.PathLike, output_dir: Path, scheduler: str | None) -> list[Task]:
    if scheduler is not None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise BatchError(
                "--scheduler needs Dask: pip install 'wavesegment[distributed]'"
            ) from None
    try:
        root, images = find_images(source, exclude=output_dir)
    except FileNotFoundError as error:
        raise BatchError(str(error)) from None
    if output_dir.resolve() == root.resolve():
        raise BatchError(
            "the output folder must differ from the input folder (its outputs are images too)"
        )
    if not images:
        raise BatchError(f"{source}: no image files found")
    return plan_tasks(root, images, output_dir)


def _complete_before(tasks: list[Task], request: Request) -> dict[str, ImageRecord]:
    records = {}
    for task in tasks:
        if (record := completed_record(task, request)) is not None:
            records[task.name] = record
    return records


def find_images(source: str | os.PathLike, *, exclude: Path | None = None) -> tuple[Path, list]:
    """The image files of a folder (recursively) or a glob pattern, and their common root.

    Files are recognised by their suffix (any case) among those that
    :func:`~wavesegment.io.images.read_image` reads (``IMAGE_SUFFIXES``); folders that happen
    to carry such a suffix are searched, not returned. Files under ``exclude`` (the output
    folder, when it lies inside the input) are left out.

    Examples
    --------
    >>> root, images = find_images("photos/**/*.jpg")  # doctest: +SKIP
    """
    from .images import IMAGE_SUFFIXES

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
    record = read_complete_sidecar(sidecar, request=request_fields(request))
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
                    error = f"{task.image}: worker lost: {error}"
                    record = ImageRecord(task.name, failure=WORKER_LOST, error=error)
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

    with ProcessPoolExecutor(
        jobs, mp_context=get_context("spawn"), initializer=_start_worker
    ) as pool:
        yield pool


def _start_worker() -> None:
    # Runs in each worker process before its first image: the variables hold for the BLAS and
    # OpenMP libraries that load later in the worker (numpy's, when it segments), threadpoolctl
    # for any loaded already; the parent's environment stays as it was.
    if not any(variable in os.environ for variable in _THREAD_VARIABLES):
        from threadpoolctl import threadpool_limits

        for variable in _THREAD_VARIABLES:
            os.environ[variable] = "1"
        threadpool_limits(limits=1)
    # Ctrl-C reaches the whole process group; the parent stops the batch and the workers
    # finish the image they are writing instead of dying in the middle of it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def count_statuses(records: list[ImageRecord]) -> dict[str, int]:
    """Images per status, every status of :data:`STATUSES` included."""
    return {status: sum(record.status == status for record in records) for status in STATUSES}


def write_summary(output: Path, records: list[ImageRecord]) -> tuple[Path, Path]:
    """Write ``summary.csv`` and ``summary.json`` (one row per image) atomically."""
    from .files import atomic_path

    rows = [asdict(record) for record in records]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=SUMMARY_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({**row, "warnings": "; ".join(row["warnings"])} for row in rows)
    counts = count_statuses(records)
    paths = output / "summary.csv", output / "summary.json"
    with atomic_path(paths[0]) as temporary:
        temporary.write_text(text.getvalue(), encoding="utf-8")
    with atomic_path(paths[1]) as temporary:
        temporary.write_text(
            json.dumps({"counts": counts, "images": rows}, indent=2) + "\n", encoding="utf-8"
        )
    return paths
