"""Command-line interface: a thin layer over :func:`wavesegment.segment`.

Only typer is imported at start-up; numpy, scipy and numba load when a command runs.
"""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Segment images with traveling waves in a complex-valued recurrent network.",
)

# Exit code for inputs that cannot be processed (missing file, not an image, bad option value).
EXIT_BAD_INPUT = 2


class Preset(str, Enum):
    natural = "natural"
    published = "published"


class Engine(str, Enum):
    auto = "auto"
    numba = "numba"
    exact = "exact"


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """Print a one-line error and leave with ``code``, without a traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@app.callback()
def main_callback() -> None:
    """Segment images with traveling waves in a complex-valued recurrent network."""


@app.command()
def run(
    image: Annotated[Path, typer.Argument(help="PNG, JPEG or TIFF image, grayscale or colour.")],
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir", "-o", help="Folder for the outputs (default: the image's folder)."
        ),
    ] = None,
    segments: Annotated[
        int | None,
        typer.Option(
            "--segments", "-k", min=1, help="Number of object segments (default: automatic)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the initial phases and of k-means.")] = 0,
    engine: Annotated[Engine, typer.Option(help="How the network is evolved.")] = Engine.auto,
    preset: Annotated[
        Preset,
        typer.Option(help="Parameter set: natural (default) or published (the paper's)."),
    ] = Preset.natural,
) -> None:
    """Segment IMAGE; write IMAGE_labels.png (16-bit, 0 = background) and IMAGE_overlay.png."""
    started = time.perf_counter()
    from .io import ImageError, read_image, write_labels, write_overlay
    from .segmentation import segment

    try:
        pixels = read_image(image)
        result = segment(
            pixels, segments=segments, seed=seed, engine=engine.value, preset=preset.value
        )
    except (ImageError, ValueError) as error:
        fail(str(error))
    folder = output_dir if output_dir is not None else image.parent
    labels_path = folder / f"{image.stem}_labels.png"
    try:
        write_labels(labels_path, result.labels)
        write_overlay(folder / f"{image.stem}_overlay.png", pixels, result.labels)
    except OSError as error:
        fail(f"cannot write to {folder}: {error.strerror or error}")
    rows, cols = result.labels.shape
    typer.echo(
        f"{image.name}: {cols}x{rows} px, {result.n_segments} segments, "
        f"{time.perf_counter() - started:.2f} s -> {labels_path}"
    )


def main() -> None:
    """Entry point of the ``wavesegment`` console script."""
    app()
