"""``wavesegment show``: a contact sheet of a run's or a batch's outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import _common


def show(
    output_dir: Annotated[Path, typer.Argument(help="Output folder of a batch or of run.")],
    sheet: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write the PNG (default: OUTPUT_DIR)."),
    ] = None,
    max_images: Annotated[int, typer.Option(min=1, help="At most this many images.")] = 60,
    segments: Annotated[
        int | None,
        typer.Option(
            "--segments",
            "-k",
            min=1,
            help="Draw each image's merge tree cut at this many regions (needs --hierarchy).",
        ),
    ] = None,
    level: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            help="Draw each image's merge tree cut under this level (needs --hierarchy).",
        ),
    ] = None,
) -> None:
    """Write a contact sheet PNG: per image, input, overlay and labels side by side."""
    from ..io.contact_sheet import write_contact_sheet

    if not output_dir.is_dir():
        _common.fail(f"{output_dir}: no such folder")
    if segments is not None and level is not None:
        _common.fail("give one of --segments and --level, not both")
    cut = {"n_regions": segments} if segments is not None else None
    cut = {"threshold": level} if level is not None else cut
    path = sheet if sheet is not None else output_dir / "contact_sheet.png"
    try:
        written = write_contact_sheet(path, output_dir, max_images=max_images, cut=cut)
    except OSError as error:
        _common.fail(f"cannot write {path}: {error.strerror or error}")
    except ValueError as error:  # a damaged sidecar, label map or summary, named
        _common.fail(str(error))
    if not written:
        _common.fail(f"{output_dir}: no results found (no *_segments.json)")
    typer.echo(f"contact sheet -> {path}")
