"""``wavesegment batch``: segment every image of a folder or glob, resuming, with a progress bar."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from ..io.single import DEFAULT_MAX_PIXELS
from . import _common


def batch(
    source: Annotated[
        str, typer.Argument(help="A folder (searched recursively) or a quoted glob pattern.")
    ],
    output_dir: Annotated[
        Path, typer.Option("--output-dir", "-o", help="Folder for the outputs; mirrors SOURCE.")
    ],
    segments: _common.SegmentsOption = None,
    seed: _common.SeedOption = 0,
    engine: _common.EngineOption = "auto",
    preset: _common.PresetOption = "natural",
    dynamics: _common.DynamicsOption = None,
    label_format: _common.FormatOption = None,
    masks: _common.MasksOption = False,
    max_pixels: _common.MaxPixelsOption = DEFAULT_MAX_PIXELS,
    hierarchy: _common.HierarchyOption = False,
    stack: _common.StackOption = None,
    spacing: _common.SpacingOption = None,
    split_necks: _common.SplitNecksOption = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Worker processes (default and most: the cores, as many as memory holds).",
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Redo images whose outputs are complete (default: skip them).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Address of a Dask distributed scheduler to run on, e.g. tcp://host:8786. "
            "Needs the distributed extra."
        ),
    ] = None,
) -> None:
    """Segment every image of SOURCE into OUTPUT_DIR, resuming where a previous run stopped.

    Multi-page and 3-D TIFFs are segmented as `run` does (--stack, --spacing). Writes
    summary.csv and summary.json. Exit code 0 if every image was processed, 1 if any
    failed, 2 for a usage error, 130 if interrupted.
    """
    from ..io.batch import BatchError, BatchInterrupted, run_batch

    request = _common.make_request(
        segments,
        seed,
        engine,
        preset,
        label_format,
        masks,
        max_pixels,
        dynamics=dynamics,
        hierarchy=hierarchy,
        stack=stack,
        spacing=spacing,
        split_necks=split_necks,
    )
    try:
        with _progress_bar(quiet) as progress:
            summary = run_batch(
                source,
                output_dir,
                request,
                jobs=jobs,
                scheduler=scheduler,
                overwrite=overwrite,
                progress=progress,
            )
    except BatchError as error:
        _common.fail(str(error))
    except BatchInterrupted as stop:
        _common.fail(str(stop), _common.EXIT_INTERRUPTED)
    counts = summary.counts
    typer.echo(
        f"{counts['done']} done, {counts['skipped']} skipped (complete before), "
        f"{counts['failed']} failed -> {summary.paths[0]}"
    )
    for record in summary.failed:
        typer.echo(f"failed: {record.error}", err=True)
    if summary.failed:
        raise typer.Exit(_common.EXIT_SOME_FAILED)


@contextmanager
def _progress_bar(quiet: bool) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr with rate and ETA, fed by ``update(finished, total)``.

    It appears at the first update, so that an error before the batch starts is alone on stderr.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("segmenting"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=quiet,
    )
    started, bar = time.perf_counter(), None

    def update(finished: int, total: int) -> None:
        nonlocal started, bar
        if bar is None:  # the first call: the batch is planned, its images left to do known
            progress.start()
            started, bar = time.perf_counter(), progress.add_task("", total=total, rate="")
        rate = f"{finished / (time.perf_counter() - started):.2f} img/s" if finished else ""
        progress.update(bar, completed=finished, rate=rate)

    try:
        yield update
    finally:
        if bar is not None:
            progress.stop()
