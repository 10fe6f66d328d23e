"""``wavesegment match``: name each segment by the reference shape of nearest shape spectrum."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..io.single import DEFAULT_MAX_PIXELS
from . import _common


def match(
    image: Annotated[
        Path | None,
        typer.Argument(help="Image file whose segments are named (omit with --tetrominoes)."),
    ] = None,
    references: Annotated[
        Path | None,
        typer.Option(
            help="Folder of reference shapes, one image each (nonzero = shape), named by file "
            "name; default: the 5 tetromino classes at 7-pixel cells."
        ),
    ] = None,
    tetrominoes: Annotated[
        int,
        typer.Option(
            min=0, help="Score the naming on N tetromino test images of Jacobs et al. instead."
        ),
    ] = 0,
    seed: _common.SeedOption = 0,
    preset: _common.PresetOption = "natural",
    split_regions: Annotated[
        bool | None,
        typer.Option(
            "--split-regions/--no-split-regions",
            help="Cut each phase cluster into its connected parts (default: the preset's).",
        ),
    ] = None,
    max_pixels: _common.MaxPixelsOption = DEFAULT_MAX_PIXELS,
) -> None:
    """Segment IMAGE and print, per segment, the nearest reference shape by its spectrum.

    A segment is named when its spectrum lies within half the smallest distance between two
    references; '-' otherwise, or when it is too large to be a shape (a background).
    """
    if tetrominoes:
        from ..evaluation.tetrominoes import evaluate_tetrominoes

        scores = evaluate_tetrominoes(
            tetrominoes, seed=seed, preset=preset.value, split_regions=split_regions
        )
        _print_scores(scores)
        return
    if image is None:
        _common.fail("give an IMAGE to match, or --tetrominoes N to score the naming")
    from ..io.images import ImageError
    from ..io.matching import match_file

    try:
        result, named = match_file(
            image,
            references=references,
            max_pixels=max_pixels or None,
            seed=seed,
            preset=preset.value,
            split_regions=split_regions,
        )
    except (ImageError, ValueError) as error:
        _common.fail(str(error))
    areas = {label: int((result.labels == label).sum()) for label in named}
    typer.echo(f"{image.name}: {result.n_segments} segments")
    for label, entry in named.items():
        spectrum = entry["spectrum"]
        leading = "" if spectrum is None else " ".join(f"{v:.3f}" for v in spectrum[:4])
        distance = "" if spectrum is None else f"{entry['distance']:.3f}"
        name = entry["name"] or "-"
        typer.echo(f"  {label:>3}  {areas[label]:>7} px  {name:<8} {distance:>7}  {leading}")


def _print_scores(scores: dict) -> None:
    typer.echo(
        f"{scores['images']} tetromino images from {scores['start']}, {scores['shapes']} shapes; "
        f"{scores['seconds']:.2f} s per image (median)"
    )
    typer.echo(
        f"  shape accuracy {scores['shape_accuracy']:.3f} "
        f"(on the true shapes: {scores['oracle_shape_accuracy']:.3f})"
    )
    typer.echo(
        f"  foreground accuracy {scores['fg_accuracy']:.3f}, foreground IoU {scores['fg_iou']:.3f}"
        " (as Jacobs et al. score them)"
    )
    cells = ", ".join(
        f"{name} {'-' if iou is None else f'{iou:.3f}'}"
        for name, iou in scores["class_iou"].items()
    )
    typer.echo(f"  IoU per class: {cells}; mean {scores['mean_class_iou']:.3f}")
