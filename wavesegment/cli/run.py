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
    label_format: _common.FormatOption = None,
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
    ring: _common.RingOption = False,
    stack: _common.StackOption = None,
    spacing: _common.SpacingOption = None,
    split_necks: _common.SplitNecksOption = None,
) -> None:
    """Segment IMAGE and write its label map, overlay and record.

    IMAGE_labels.png (16-bit, 0 = background), IMAGE_overlay.png and IMAGE_segments.json
    (parameters, seed, version, size, segment areas, timings). A signal (.csv, .npy) is cut
    into pieces: IMAGE_labels.csv (sample, value, label) and IMAGE_segments.json. A multi-page
    or 3-D TIFF gives IMAGE_labels.tiff (3-D, 16-bit ImageJ, spacing kept) and a montage of
    slices as the overlay.
    """
    from ..io.signals import is_signal_file
    from ..io.single import segment_file
    from ..io.stacks import is_stack_file

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
    request = replace(request, shape_spectra=shape_spectra)
    if is_signal_file(image):
        pictures = {"--animate": animate, "--plot-projection": plot_projection}
        _run_signal(image, output_dir, ring, request, pictures)
        return
    given = {"--ring": ring}
    if not is_stack_file(image):
        given |= {"--stack": stack is not None, "--spacing": spacing is not None}
    why = "--ring is for signals, --stack and --spacing are for multi-page TIFFs"
    _common.refuse_unused(image, why, given)
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
    if outcome.mode == "frames":
        what = f"{record.width}x{record.height} px, {record.pages} frames, up to"
    elif outcome.mode == "volume":
        what = f"{record.width}x{record.height}x{record.pages} voxels, a volume,"
    else:
        what = f"{record.width}x{record.height} px,"
    typer.echo(
        f"{image.name}: {what} {record.segments} segments, {record.seconds:.2f} s -> {written[2:]}"
    )


def _run_signal(signal: Path, output_dir, ring: bool, request, pictures: dict) -> None:
    """Segment a signal file; the image options given (``request``'s and ``pictures``) are
    refused in one line."""
    from ..io.images import ImageError
    from ..io.signals import change_points, segment_signal_file
    from ..io.single import segment_options

    given = {
        "--format": request.label_format is not None,
        "--masks": request.masks,
        "--max-pixels": request.max_pixels != DEFAULT_MAX_PIXELS,
        "--hierarchy": request.hierarchy,
        "--shape-spectra": request.shape_spectra,
        "--stack": request.stack != "auto",
        "--spacing": request.spacing is not None,
    }
    given |= {option: value is not None for option, value in pictures.items()}
    _common.refuse_unused(signal, "a signal's pieces are written as a CSV table", given)
    try:
        result, paths = segment_signal_file(
            signal,
            folder=output_dir if output_dir is not None else signal.parent,
            stem=signal.stem,
            periodic=ring,
            **segment_options(request),
        )
    except (ImageError, ValueError) as error:
        _common.fail(str(error))
    except OSError as error:
        _common.fail(f"cannot write to {output_dir or signal.parent}: {error.strerror or error}")
    cuts = change_points(result.labels).tolist()
    typer.echo(
        f"{signal.name}: {result.labels.size} samples, {result.n_segments} segments, "
        f"change points {cuts}, {result.timings['total']:.2f} s -> "
        f"{paths['labels']}, {paths['sidecar']}"
    )
