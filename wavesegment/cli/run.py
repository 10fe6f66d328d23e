"""``wavesegment run``: segment one image file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from ..io.single import DEFAULT_MAX_PIXELS, INTERNAL_ERROR
from . import _common


def run(
    image: _common.ImageArgument,
    output_dir: _common.OutputDirOption = None,
    segments: _common.SegmentsOption = None,
    seed: _common.SeedOption = 0,
    engine: _common.EngineOption = "auto",
    preset: _common.PresetOption = "natural",
    dynamics: _common.DynamicsOption = None,
    label_format: _common.FormatOption = "png",
    masks: _common.MasksOption = False,
    max_pixels: _common.MaxPixelsOption = DEFAULT_MAX_PIXELS,
    hierarchy: _common.HierarchyOption = False,
    animate: Annotated[
        Path | None,
        typer.Option(help="Write a GIF movie of the phase waves of both layers to this path."),
    ] = None,
    plot_projection: Annotated[
        Path | None,
        typer.Option(help="Write a PNG of the units in the similarity projection, by segment."),
    ] = None,
    shape_spectra: Annotated[
        bool,
        typer.Option(
            "--shape-spectra", help="Add each segment's shape spectrum to the JSON sidecar."
        ),
    ] = False,
) -> None:
    """Segment IMAGE and write its label map, overlay and record.

    IMAGE_labels.png (16-bit, 0 = background), IMAGE_overlay.png and IMAGE_segments.json
    (parameters, seed, version, size, segment areas, timings).
    """
    from ..io.single import segment_file

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
    )
    request = replace(request, shape_spectra=shape_spectra)
    outcome = segment_file(
        image,
        folder=output_dir if output_dir is not None else image.parent,
        stem=image.stem,
        request=request,
        movie=animate,
        projection=plot_projection,
    )
    record = outcome.record
    for warning in record.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if record.failure == INTERNAL_ERROR:
        _common.internal_error(outcome.exception)
    if record.failure:
        _common.fail(record.error)
    written = "".join(f", {path}" for path in [outcome.labels, *outcome.pictures])
    typer.echo(
        f"{image.name}: {record.width}x{record.height} px, {record.segments} segments, "
        f"{record.seconds:.2f} s -> {written[2:]}"
    )
