"""Segmenting many files: finding them, mirroring their tree, resuming, running, summarising.

:func:`run_batch` is what ``wavesegment batch`` runs: it skips the images whose outputs are
complete, segments the others with :func:`wavesegment.io.single.segment_file` in worker
processes or on a Dask cluster, and writes ``summary.csv`` and ``summary.json``.
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from .single import WORKER_LOST, ImageRecord, Request, request_fields, segment_file
from .summary import count_statuses, write_summary
from .workers import Stop, executor, stop_signals


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
    from ..files import remove_stale_temporaries
    from .resources import worker_count

    output_dir = Path(output_dir)
    tasks = _plan(source, output_dir, scheduler)
    for folder in {task.folder for task in tasks}:
        remove_stale_temporaries(folder)
    records = {} if overwrite else _complete_before(tasks, request)
    pending = [task for task in tasks if task.name not in records]
    if progress is not None:
        progress(0, len(pending))
    if scheduler is None:
        jobs = worker_count(jobs, [task.image for task in pending], request)
    with stop_signals() as stop:
        try:
            finished = run_tasks(pending, request, jobs=jobs or 1, scheduler=scheduler, stop=stop)
            with closing(finished):
                for count, record in enumerate(finished):
                    records[record.path] = record
                    if progress is not None:
                        progress(count + 1, len(pending))
        except ConnectionError as error:
            raise BatchError(str(error)) from None
        except KeyboardInterrupt:
            _discard_incomplete([task for task in pending if task.name not in records], request)
            raise BatchInterrupted(_count_complete(records), len(tasks)) from None
    _discard_incomplete([t for t in pending if records[t.name].failure == WORKER_LOST], request)
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
    try:
        return plan_tasks(root, images, output_dir)
    except ValueError as error:
        raise BatchError(f"{error}; rename one of each") from None


def _count_complete(records: dict[str, ImageRecord]) -> int:
    return sum(record.status != "failed" for record in records.values())


def _discard_incomplete(tasks: list[Task], request: Request) -> None:
    """Remove what interrupted images left: temporary files and sets that are not complete."""
    from ..files import remove_stale_temporaries
    from .export import output_names
    from .single import label_format_of
    from .stacks import is_stack_file

    for folder in {task.folder for task in tasks}:
        remove_stale_temporaries(folder)  # the workers have stopped: all theirs are stale
    for task in tasks:
        if completed_record(task, request) is None:
            label_format = label_format_of(request, stack=is_stack_file(task.image))
            names = output_names(task.stem, label_format=label_format)
            for name in names.values():
                (task.folder / name).unlink(missing_ok=True)


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
    folder, when it lies inside the input), the outputs of earlier runs that their sidecars
    list (``wavesegment run`` writes beside the image by default) and any other picture or
    label map that carries wavesegment's mark (explain's pictures, a contact sheet, a movie:
    :func:`~wavesegment.files.written_by_wavesegment`) are left out.

    Examples
    --------
    >>> root, images = find_images("photos/**/*.jpg")  # doctest: +SKIP
    """
    from ..files import TEMPORARY_PREFIX, written_by_wavesegment
    from .export import recorded_outputs
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
        and not path.name.startswith(TEMPORARY_PREFIX)  # a killed run's: not an input
        and not path.is_dir()
        and (exclude is None or exclude not in Path(os.path.realpath(path)).parents)
    )
    results = set().union(*(recorded_outputs(folder) for folder in {p.parent for p in images}))
    return root, [
        path for path in images if path not in results and not written_by_wavesegment(path)
    ]


def plan_tasks(root: Path, images: list[Path], output: Path) -> list[Task]:
    """Mirror each image's place under ``root`` in ``output``, with output stems that never clash.

    An image's outputs are ``STEM_labels.png`` etc. in its mirrored folder. The stem is the
    file name without its suffix (``a.png`` -> ``a``) when no other image of the folder has
    that stem; else the whole file name (``a.png``, ``a.jpg`` -> ``a.png``, ``a.jpg``); if that
    still clashes, the file name and the first 8 hex digits of the SHA-256 of its path under
    ``root`` (``b.png-1f3a09c2``). Names are compared ignoring case, folders included, as a
    case-insensitive file system would (``b.png`` and ``b.PNG`` clash). The stems depend only
    on the names of the folder's images, not on their order.

    Raises
    ------
    ValueError
        If two images would still share their outputs (names that differ only in a way the
        file system does not keep); nothing has been written then.

    Examples
    --------
    >>> images = [Path("in/a.png"), Path("in/a.jpg"), Path("in/a_png.png"), Path("in/c.png")]
    >>> [task.stem for task in plan_tasks(Path("in"), images, Path("out"))]
    ['a.png', 'a.jpg', 'a_png', 'c']
    >>> images = [Path("in/b.png"), Path("in/b.PNG")]
    >>> [task.stem for task in plan_tasks(Path("in"), images, Path("out"))]
    ['b.png-5f59d8e8', 'b.PNG-a3165bfd']
    """
    relative = [path.relative_to(root) if path.is_relative_to(root) else path for path in images]
    stems = [path.stem for path in relative]
    for rename in (lambda path: path.name, lambda path: f"{path.name}-{_path_hash(path)}"):
        keys = [_case_free(path.parent, stem) for path, stem in zip(relative, stems, strict=True)]
        counts = Counter(keys)
        stems = [
            rename(path) if counts[key] > 1 else stem
            for path, stem, key in zip(relative, stems, keys, strict=True)
        ]
    keys = [_case_free(path.parent, stem) for path, stem in zip(relative, stems, strict=True)]
    clashes = sorted(
        str(path) for path, key in zip(images, keys, strict=True) if keys.count(key) > 1
    )
    if clashes:
        raise ValueError(f"these inputs would write the same outputs: {', '.join(clashes)}")
    return [
        Task(image, output / path.parent, stem, path.as_posix())
        for image, path, stem in zip(images, relative, stems, strict=True)
    ]


def _case_free(folder: Path, stem: str) -> tuple[str, str]:
    return folder.as_posix().casefold(), stem.casefold()


def _path_hash(path: Path) -> str:
    return hashlib.sha256(path.as_posix().encode("utf-8", "surrogateescape")).hexdigest()[:8]


def completed_record(task: Task, request: Request) -> ImageRecord | None:
    """A "skipped" record if the task's outputs are complete for ``request``, else None."""
    from .export import output_names, read_complete_sidecar
    from .stacks import is_stack_file

    sidecar = task.folder / output_names(task.stem)["sidecar"]
    fields = request_fields(request, stack=is_stack_file(task.image))
    record = read_complete_sidecar(sidecar, request=fields, source=task.image)
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
        pages=size.get("depth"),
    )


def process_task(task: Task, request: Request) -> ImageRecord:
    """Segment one task of a batch; what runs in a worker process."""
    return segment_file(
        task.image, folder=task.folder, stem=task.stem, request=request, name=task.name, tidy=False
    ).record


def run_tasks(
    tasks: list[Task],
    request: Request,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    stop: Stop | None = None,
) -> Iterator[ImageRecord]:
    """Process tasks and yield their records as they finish (not in order).

    ``jobs`` worker processes run them (in this process if 1), or the workers of the Dask
    cluster at ``scheduler``. When the consumer stops early (Ctrl-C), tasks not started are
    cancelled and the running ones finish, so that every image has all its outputs or none;
    a second stop signal (``stop``, see :mod:`wavesegment.io.workers`) kills the workers.
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

    stop = stop or Stop()
    with executor(min(jobs, len(tasks)), scheduler, stop) as pool:
        with stop.deferring_signals():  # submitting starts the worker processes
            futures = {pool.submit(process_task, task, request): task for task in tasks}
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
