"""Command-line interface: a thin layer over :func:`wavesegment.segment`.

Only typer is imported at start-up; numpy, scipy and numba load when a command runs.
"""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..io.batch import DEFAULT_MAX_PIXELS

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Segment images with traveling waves in a complex-valued recurrent network.",
)

# Exit code for inputs that cannot be processed (missing file, not an image, bad option value).
EXIT_BAD_INPUT = 2
# Exit code of a batch in which at least one image failed (the others were processed).
EXIT_SOME_FAILED = 1
# Exit code of a batch stopped by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


class Preset(str, Enum):
    natural = "natural"
    published = "published"


class Engine(str, Enum):
    auto = "auto"
    numba = "numba"
    exact = "exact"


class LabelFormat(str, Enum):
    png = "png"
    tiff = "tiff"
    npy = "npy"


SegmentsOption = Annotated[
    int | None,
    typer.Option("--segments", "-k", min=1, help="Number of object segments (default: automatic)."),
]
SeedOption = Annotated[int, typer.Option(help="Seed of the initial phases and of k-means.")]
EngineOption = Annotated[Engine, typer.Option(help="How the network is evolved.")]
PresetOption = Annotated[
    Preset, typer.Option(help="Parameter set: natural (default) or published (the paper's).")
]
ImageArgument = Annotated[
    Path, typer.Argument(help="PNG, JPEG or TIFF image, grayscale or colour.")
]
OutputDirOption = Annotated[
    Path | None,
    typer.Option(
        "--output-dir", "-o", help="Folder for the outputs (default: the image's folder)."
    ),
]
FormatOption = Annotated[
    LabelFormat,
    typer.Option("--format", help="File format of the 16-bit label map (0 = background)."),
]
MasksOption = Annotated[
    bool, typer.Option("--masks", help="Also write one binary PNG mask per segment.")
]
MaxPixelsOption = Annotated[
    int,
    typer.Option(
        min=0,
        help="Refuse larger images, from their header, before decoding; 0 = no limit. "
        "Segmenting takes about 0.9 kB per pixel.",
    ),
]


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """Print a one-line error and leave with ``code``, without a traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@app.callback()
def main_callback() -> None:
    """Segment images with traveling waves in a complex-valued recurrent network."""


@app.command()
def run(
    image: ImageArgument,
    output_dir: OutputDirOption = None,
    segments: SegmentsOption = None,
    seed: SeedOption = 0,
    engine: EngineOption = Engine.auto,
    preset: PresetOption = Preset.natural,
    label_format: FormatOption = LabelFormat.png,
    masks: MasksOption = False,
    max_pixels: MaxPixelsOption = DEFAULT_MAX_PIXELS,
    animate: Annotated[
        Path | None,
        typer.Option(help="Write a GIF movie of the phase waves of both layers to this path."),
    ] = None,
    plot_projection: Annotated[
        Path | None,
        typer.Option(help="Write a PNG of the units in the similarity projection, by segment."),
    ] = None,
) -> None:
    """Segment IMAGE; write IMAGE_labels.png (16-bit, 0 = background), IMAGE_overlay.png and
    IMAGE_segments.json (parameters, seed, version, size, segment areas, timings)."""
    from ..io.batch import segment_file
    from ..io.export import output_names

    trace_every = 0
    if animate is not None:
        from ..io.images import ImageError, read_image
        from ..parameters import preset_parameters
        from ..pictures.pictures import trace_every_for

        last_step = preset_parameters(preset.value)["readout_steps"][1]
        try:  # the movie's step interval depends on the image size and the run's length
            shape = read_image(image, max_pixels=max_pixels or None).shape
        except ImageError as error:
            fail(str(error))
        trace_every = trace_every_for(shape, n_steps=last_step)
    request = _request(segments, seed, engine, preset, label_format, masks, max_pixels)
    folder = output_dir if output_dir is not None else image.parent
    outcome = segment_file(
        image, folder=folder, stem=image.stem, request=request, trace_every=trace_every
    )
    record = outcome.record
    for warning in record.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if record.status != "done":
        fail(record.error)
    pictures = _write_pictures(outcome.result, animate, plot_projection)
    labels_path = folder / output_names(image.stem, label_format=label_format.value)["labels"]
    typer.echo(
        f"{image.name}: {record.width}x{record.height} px, {record.segments} segments, "
        f"{record.seconds:.2f} s -> {labels_path}{pictures}"
    )


def _request(segments, seed, engine, preset, label_format, masks, max_pixels):
    from ..io.batch import Request

    return Request(
        segments=segments,
        seed=seed,
        engine=engine.value,
        preset=preset.value,
        label_format=label_format.value,
        masks=masks,
        max_pixels=max_pixels or None,  # 0 on the command line means no limit
    )


def _write_pictures(result, animate: Path | None, plot_projection: Path | None) -> str:
    from ..pictures.pictures import write_projection_plot, write_wave_movie

    written = ""
    try:
        if animate is not None:
            write_wave_movie(animate, result)
            written += f", {animate}"
        if plot_projection is not None:
            write_projection_plot(plot_projection, result)
            written += f", {plot_projection}"
    except OSError as error:
        fail(f"cannot write a picture: {error.strerror or error}")
    return written


@app.command()
def batch(
    source: Annotated[
        str, typer.Argument(help="A folder (searched recursively) or a quoted glob pattern.")
    ],
    output_dir: Annotated[
        Path, typer.Option("--output-dir", "-o", help="Folder for the outputs; mirrors SOURCE.")
    ],
    segments: SegmentsOption = None,
    seed: SeedOption = 0,
    engine: EngineOption = Engine.auto,
    preset: PresetOption = Preset.natural,
    label_format: FormatOption = LabelFormat.png,
    masks: MasksOption = False,
    max_pixels: MaxPixelsOption = DEFAULT_MAX_PIXELS,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Worker processes (default: number of cores)."),
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

    Writes summary.csv and summary.json. Exit code 0 if every image was processed, 1 if any
    failed, 2 for a usage error, 130 if interrupted.
    """
    import os

    from ..io.batch import completed_record, find_images, plan_tasks, write_summary

    if scheduler is not None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            fail("--scheduler needs Dask: pip install 'wavesegment[distributed]'")
    try:
        root, images = find_images(source, exclude=output_dir)
    except FileNotFoundError as error:
        fail(str(error))
    if output_dir.resolve() == root.resolve():
        fail("the output folder must differ from the input folder (its outputs are images too)")
    if not images:
        fail(f"{source}: no image files found")
    request = _request(segments, seed, engine, preset, label_format, masks, max_pixels)
    tasks = plan_tasks(root, images, output_dir)
    records = {}
    if not overwrite:
        for task in tasks:
            if (record := completed_record(task, request)) is not None:
                records[task.name] = record
    pending = [task for task in tasks if task.name not in records]
    try:
        _run_with_progress(pending, request, records, jobs or os.cpu_count() or 1, scheduler, quiet)
    except ConnectionError as error:
        fail(str(error))
    except KeyboardInterrupt:
        fail(
            f"interrupted: {len(records)} of {len(tasks)} images complete; "
            "run the same command again to do the rest",
            EXIT_INTERRUPTED,
        )
    ordered = [records[task.name] for task in tasks]
    try:
        write_summary(output_dir, ordered)
    except OSError as error:
        fail(f"cannot write the summary to {output_dir}: {error.strerror or error}")
    failed = [record for record in ordered if record.status == "failed"]
    counts = {status: sum(r.status == status for r in ordered) for status in ("done", "skipped")}
    typer.echo(
        f"{counts['done']} done, {counts['skipped']} skipped (complete before), "
        f"{len(failed)} failed -> {output_dir / 'summary.csv'}"
    )
    for record in failed:
        typer.echo(f"failed: {record.error}", err=True)
    if failed:
        raise typer.Exit(EXIT_SOME_FAILED)


def _run_with_progress(tasks, request, records, jobs, scheduler, quiet) -> None:
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

    from ..io.batch import run_tasks

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
    started = time.perf_counter()
    with progress:
        bar = progress.add_task("segmenting", total=len(tasks), rate="")
        for count, record in enumerate(run_tasks(tasks, request, jobs=jobs, scheduler=scheduler)):
            records[record.path] = record
            rate = (count + 1) / (time.perf_counter() - started)
            progress.update(bar, advance=1, rate=f"{rate:.2f} img/s")


@app.command()
def show(
    output_dir: Annotated[Path, typer.Argument(help="Output folder of a batch or of run.")],
    sheet: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write the PNG (default: OUTPUT_DIR)."),
    ] = None,
    max_images: Annotated[int, typer.Option(min=1, help="At most this many images.")] = 60,
) -> None:
    """Write a contact sheet PNG: per image, input, overlay and labels side by side."""
    from ..pictures.pictures import write_contact_sheet

    if not output_dir.is_dir():
        fail(f"{output_dir}: no such folder")
    path = sheet if sheet is not None else output_dir / "contact_sheet.png"
    try:
        written = write_contact_sheet(path, output_dir, max_images=max_images)
    except OSError as error:
        fail(f"cannot write {path}: {error.strerror or error}")
    if not written:
        fail(f"{output_dir}: no results found (no *_segments.json)")
    typer.echo(f"contact sheet -> {path}")


class Eigensolver(str, Enum):
    auto = "auto"
    dense = "dense"
    sparse = "sparse"


@app.command()
def explain(
    image: ImageArgument,
    output_dir: OutputDirOption = None,
    modes: Annotated[
        int | None,
        typer.Option(
            "--modes",
            "-r",
            min=1,
            help="Leading modes R to show and reconstruct with (default: the number of segments).",
        ),
    ] = None,
    segments: Annotated[
        int | None,
        typer.Option(
            "--segments", "-k", min=1, help="Number of object segments (default: automatic)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the initial phases and of k-means.")] = 0,
    samples: Annotated[
        int, typer.Option(min=0, help="Noisy runs for the per-pixel agreement map (0: none).")
    ] = 0,
    noise: Annotated[
        float,
        typer.Option(
            min=0.0, help="Noise of those runs, relative to the peak unit magnitude per step."
        ),
    ] = 1e-5,
    method: Annotated[
        Eigensolver, typer.Option(help="Eigensolver: dense for small layers, else ARPACK.")
    ] = Eigensolver.auto,
) -> None:
    """Explain the segmentation of IMAGE with the eigenmodes of both layers.

    Prints a report; writes IMAGE_explain.json and IMAGE_explain.png (modes beside the image).

    With --samples, also IMAGE_agreement.png (white: all runs agree).
    """
    import json

    from ..analysis.explain import explain as explain_image
    from ..io.files import atomic_path
    from ..io.images import ImageError, read_image
    from ..pictures.modes import explanation_figure, write_picture

    try:
        pixels = read_image(image)
        explanation = explain_image(
            pixels,
            n_modes=modes,
            method=method.value,
            samples=samples,
            noise=noise,
            segments=segments,
            seed=seed,
        )
    except (ImageError, ValueError) as error:
        fail(str(error))
    folder = output_dir if output_dir is not None else image.parent
    stem = folder / f"{image.stem}"
    try:
        with atomic_path(f"{stem}_explain.json") as temporary:
            temporary.write_text(json.dumps(explanation.report, indent=2))
        write_picture(f"{stem}_explain.png", explanation_figure(pixels, explanation))
        if explanation.agreement is not None:
            write_picture(f"{stem}_agreement.png", explanation.agreement)
    except OSError as error:
        fail(f"cannot write to {folder}: {error.strerror or error}")
    _print_explanation(image.name, explanation.report)
    typer.echo(f"-> {stem}_explain.json, {stem}_explain.png")


def _print_explanation(name: str, report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"[bold]{name}[/bold]: {report['image']['cols']}x{report['image']['rows']} px, "
        f"{report['n_segments']} segments, R = {report['n_modes']} modes"
    )
    for key in ("layer1", "layer2"):
        if key not in report:
            continue
        layer = report[key]
        table = Table(title=f"{key}: {layer['n_units']} units, {layer['method']} eigensolver")
        for column in ("mode", "growth |lambda|", "rotation arg(lambda)"):
            table.add_column(column, justify="right")
        for mode in layer["modes"]:
            table.add_row(str(mode["mode"]), f"{mode['growth']:.6g}", f"{mode['rotation']:.6f}")
        console.print(table)
        console.print(
            f"  gap |l1|/|l2| {layer['gap_1_2']:.4g}, condition number of the eigenvectors "
            f"{layer['condition_number']:.3g}"
        )
    layer1 = report["layer1"]
    console.print(
        f"  layer 1 phases vs top mode alone: max {layer1['top_mode_phase_error']:.2e} rad; "
        f"top-R mask = full mask on {100 * layer1['top_r_mask_agreement']:.2f}% of pixels; "
        f"mask = intensity split on {100 * layer1['mask_vs_intensity_agreement']:.2f}%"
    )
    if "layer2" not in report:
        return
    console.print(f"  top-R labels vs full run: ARI {report['layer2']['top_r_ari']:.4f}")
    table = Table(title="segments")
    columns = ["segment", "pixels", "dominant mode", "share", "rotation", "margin"]
    if "confidence" in report:
        columns.append("agreement")
    for column in columns:
        table.add_column(column, justify="right")
    for entry in report["segments"]:
        margin = "-" if entry["margin"] is None else f"{entry['margin']:.2f}"
        cells = [
            str(entry["label"]),
            str(entry["n_pixels"]),
            str(entry["dominant_mode"]),
            f"{entry['dominant_share']:.2f}",
            f"{entry['rotation']:.6f}",
            f"[red]{margin} small[/red]" if entry["flagged"] else margin,
        ]
        if "confidence" in report:
            cells.append(f"{entry['mean_agreement']:.3f}")
        table.add_row(*cells)
    console.print(table)
    for pair in report["drift"]:
        first, second = pair["segments"]
        console.print(
            f"  predicted drift {first}-{second} over the readout window: "
            f"{pair['over_window']:+.4f} rad"
        )
    if "confidence" in report:
        confidence = report["confidence"]
        console.print(
            f"  {confidence['samples']} noisy runs (noise {confidence['noise']}): mean agreement "
            f"{confidence['mean_agreement']:.3f}, {100 * confidence['uncertain_fraction']:.1f}% "
            f"of pixels below {confidence['uncertain_below']}"
        )


@app.command("eval")
def eval_command(
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
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write one row per image, method and seed.")
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write parameters, summary and rows.")
    ] = None,
    per_image: Annotated[bool, typer.Option(help="Print a line per image too.")] = False,
    segments: SegmentsOption = None,
    engine: EngineOption = Engine.auto,
    preset: PresetOption = Preset.natural,
) -> None:
    """Score wavesegment against ground truth, side by side with skimage baselines."""
    from rich.console import Console
    from rich.progress import Progress

    from ..evaluation.datasets import open_dataset, shapes_dataset
    from ..evaluation.evaluate import (
        evaluate,
        felzenszwalb_method,
        slic_method,
        summarise,
        wavesegment_method,
    )
    from ..evaluation.report import rows_table, summary_table, write_csv, write_json
    from ..io.images import ImageError

    if (dataset is None) == (shapes is None):
        fail("give either DATASET or --shapes 2|3")
    if shapes is not None and shapes not in (2, 3):
        fail(f"--shapes must be 2 or 3, got {shapes}")
    try:
        data = (
            open_dataset(dataset)
            if dataset is not None
            else shapes_dataset(shapes, count=count, overlap=overlap)
        )
    except ImageError as error:
        fail(str(error))
    methods = [wavesegment_method(segments=segments, engine=engine.value, preset=preset.value)]
    if baselines:
        methods += [felzenszwalb_method(), slic_method()]
    seed_list = list(range(seed, seed + seeds))
    n_images = len(data) if limit is None else min(limit, len(data))
    rows = []
    try:
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task(f"{data.name}", total=n_images * len(methods))
            for row in evaluate(data, methods, seeds=seed_list, limit=limit):
                rows.append(row)
                if row["seed"] is None or row["seed"] == seed_list[-1]:
                    progress.advance(task)
    except (ImageError, ValueError) as error:
        fail(str(error))
    summary = summarise(rows, data.kind)
    console = Console()
    if not console.is_terminal:  # a pipe or file gets the wide per-image table unwrapped
        console.width = 160
    if per_image:
        console.print(rows_table(rows, data.kind))
    title = f"{data.name}: {n_images} images, {len(seed_list)} seed(s) of wavesegment"
    console.print(summary_table(summary, data.kind, title=title))
    report = {
        "dataset": str(dataset) if dataset is not None else data.name,
        "kind": data.kind,
        "images": n_images,
        "seeds": seed_list,
        "methods": {method.name: method.parameters for method in methods},
        "summary": summary,
        "rows": rows,
    }
    try:
        if csv_path is not None:
            write_csv(csv_path, rows)
        if json_path is not None:
            write_json(json_path, report)
    except OSError as error:
        fail(f"cannot write the results: {error.strerror or error}")


def main() -> None:
    """Entry point of the ``wavesegment`` console script."""
    app()
