"""``wavesegment eval``: score wavesegment against ground truth, beside skimage baselines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from . import _common


def evaluate(
    dataset: Annotated[
        Path | None,
        typer.Argument(
            help="Folder of images with ground truth: BSDS500 split, Weizmann-style "
            "figure_ground masks, or images with IMAGE_labels.png.",
            show_default=False,
        ),
    ] = None,
    shapes: Annotated[
        int | None,
        typer.Option(help="Evaluate on generated 2- or 3-shapes images instead of DATASET."),
    ] = None,
    count: Annotated[
        int, typer.Option(min=1, help="Number of images generated with --shapes.")
    ] = 20,
    overlap: Annotated[bool, typer.Option(help="Let generated shapes overlap.")] = False,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Evaluate only the first N images.")
    ] = None,
    seed: Annotated[int, typer.Option(help="First seed of wavesegment.")] = 0,
    seeds: Annotated[
        int, typer.Option(min=1, help="Seeds per image for wavesegment: SEED, SEED+1, ...")
    ] = 1,
    baselines: Annotated[
        bool, typer.Option(help="Also score skimage's felzenszwalb and slic.")
    ] = True,
    boundaries: Annotated[
        bool | None,
        typer.Option(
            "--boundaries/--no-boundaries",
            help="Also run the BSDS500 benchmark: boundary P/R/F and region scores at ODS "
            "and OIS, of the natural preset over 16 cuts of its merge tree "
            "(default: on for BSDS500 folders).",
            show_default=False,
        ),
    ] = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write one row per image, method and seed.")
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write parameters, summary and rows.")
    ] = None,
    per_image: Annotated[bool, typer.Option(help="Print a line per image too.")] = False,
    segments: _common.SegmentsOption = None,
    engine: _common.EngineOption = "auto",
    preset: _common.PresetOption = "natural",
    dynamics: _common.DynamicsOption = None,
) -> None:
    """Score wavesegment against ground truth, side by side with skimage baselines."""
    from rich.console import Console

    from ..evaluation.report import rows_table, run_evaluation, summary_table

    if (dataset is None) == (shapes is None):
        _common.fail("give either DATASET or --shapes 2|3")
    if shapes is not None and shapes not in (2, 3):
        _common.fail(f"--shapes must be 2 or 3, got {shapes}")
    options = {"segments": segments, "engine": engine.value, "preset": preset.value}
    if dynamics is not None:
        options["dynamics"] = dynamics.value
    try:
        with _progress(dataset.name if dataset is not None else f"shapes{shapes}") as progress:
            report = run_evaluation(
                dataset,
                shapes=shapes,
                count=count,
                overlap=overlap,
                options=options,
                baselines=baselines,
                seeds=range(seed, seed + seeds),
                limit=limit,
                boundaries=boundaries,
                csv_path=csv_path,
                json_path=json_path,
                progress=progress,
            )
    except ValueError as error:  # ImageError too
        _common.fail(str(error))
    except OSError as error:
        _common.fail(f"{error.filename or 'cannot write the results'}: {error.strerror or error}")
    console = Console()
    if not console.is_terminal:  # a pipe or file gets the wide per-image table unwrapped
        console.width = 160
    if per_image:
        console.print(rows_table(report["rows"], report["kind"]))
    title = (
        f"{report['name']}: {report['images']} images, "
        f"{len(report['seeds'])} seed(s) of wavesegment"
    )
    console.print(summary_table(report["summary"], report["kind"], title=title))


@contextmanager
def _progress(description: str) -> Iterator[Callable[[int, int], None]]:
    """A transient rich progress bar on stderr, fed by ``update(finished, total)``; it appears
    at the first update, so that an error before the evaluation starts is alone on stderr."""
    from rich.console import Console
    from rich.progress import Progress

    progress, bar = Progress(console=Console(stderr=True), transient=True), None

    def update(finished: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            progress.start()
            bar = progress.add_task(description, total=total)
        progress.update(bar, completed=finished)

    try:
        yield update
    finally:
        if bar is not None:
            progress.stop()
