"""What the commands share: option types, exit codes, and errors told in one line.

The choices of ``--preset``, ``--engine``, ``--format``, ``--stack`` and ``--method`` are the
library's own lists (``wavesegment.parameters.PRESETS``; ``ENGINES`` and ``EIGENSOLVERS`` of
``wavesegment.limits``; ``wavesegment.io.export.LABEL_FORMATS``;
``wavesegment.io.stacks.STACK_MODES``), and the ``--max-pixels`` help quotes
``wavesegment.io.images.BYTES_PER_PIXEL``. Some of those modules import numpy and scipy, so the
option types that need them are made by this module's ``__getattr__`` when Typer first reads a
command's signature (the commands name them as ``_common.PresetOption`` in their annotations),
not when ``wavesegment.cli`` is imported.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from enum import Enum
from importlib import import_module
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from ..io.single import Request, describe_internal_error

#: Exit code of a batch in which at least one image failed (the others were processed).
EXIT_SOME_FAILED = 1
#: Exit code of an internal error: a bug in wavesegment, not something the user did.
EXIT_INTERNAL_ERROR = 1
#: Exit code for inputs that cannot be processed (missing file, not an image, bad option value).
EXIT_BAD_INPUT = 2
#: Exit code of a command stopped by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130
#: Set this environment variable to 1 to see the traceback of an internal error.
DEBUG_VARIABLE = "WAVESEGMENT_DEBUG"

SegmentsOption = Annotated[
    int | None,
    typer.Option(
        "--segments",
        "-k",
        min=1,
        help="Number of segments: where the merge tree is cut (natural), or of phase clusters "
        "beside the background (published). Default: automatic.",
    ),
]
SeedOption = Annotated[int, typer.Option(help="Seed of the initial phases and of k-means.")]
ImageArgument = Annotated[
    Path,
    typer.Argument(help="Image file: PNG, JPEG, TIFF, GIF, BMP, WebP or PNM; gray or colour."),
]
OutputDirOption = Annotated[
    Path | None,
    typer.Option(
        "--output-dir", "-o", help="Folder for the outputs (default: the image's folder)."
    ),
]
RingOption = Annotated[
    bool,
    typer.Option(
        "--ring/--line", help="Signals: oscillators on a ring (ends coupled) or an open line."
    ),
]
SpacingOption = Annotated[
    str | None,
    typer.Option(
        "--spacing", help="TIFF stacks: sample size dz,dy,dx (overrides the file's spacing)."
    ),
]


def parse_spacing(text: str | None) -> tuple[float, float, float] | None:
    """``"2,0.5,0.5"`` as (2.0, 0.5, 0.5); None stays None. Leaves with exit 2 unless three
    positive numbers.

    Examples
    --------
    >>> parse_spacing("2,0.5,0.5")
    (2.0, 0.5, 0.5)
    """
    if text is None:
        return None
    try:
        spacing = tuple(float(part) for part in text.split(","))
    except ValueError:
        spacing = ()
    if len(spacing) != 3 or not all(0 < size < float("inf") for size in spacing):
        fail(f"--spacing must be three positive numbers dz,dy,dx (e.g. 2,0.5,0.5), not {text!r}")
    return spacing


SplitNecksOption = Annotated[
    float | None,
    typer.Option(
        "--split-necks",
        min=0.0,
        help="Cut touching objects of a segment's foreground at necks at least this deep "
        "(in samples of the distance transform; e.g. 1.5 for nuclei); 0: off (the default).",
    ),
]
MasksOption = Annotated[
    bool,
    typer.Option(
        "--masks", help="Also write one binary mask per segment: PNG (a 3-D TIFF for a stack)."
    ),
]
HierarchyOption = Annotated[
    bool,
    typer.Option(
        "--hierarchy",
        help="Also write the merge tree: IMAGE_ucm (16-bit ultrametric contour map, the merge "
        "at which each boundary disappears), IMAGE_leaves and the tree in the JSON.",
    ),
]


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print ``error: message`` on stderr and leave with ``code``, without a traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def refuse_unused(path, why: str, given: dict[str, bool]) -> None:
    """One ``error:`` line for the options given that do not apply to this kind of input, so
    that none is silently ignored."""
    unused = [option for option, is_given in given.items() if is_given]
    if unused:
        verb = "does" if len(unused) == 1 else "do"
        fail(f"{path}: {', '.join(unused)} {verb} not apply here ({why}): leave them out")


def internal_error(error: BaseException) -> NoReturn:
    """Report a bug in one line and exit 1; with WAVESEGMENT_DEBUG=1, raise it (traceback)."""
    if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
        raise error
    fail(describe_internal_error(error), EXIT_INTERNAL_ERROR)


def guarded(command: Callable) -> Callable:
    """The command, with whatever it does not handle itself told in one line.

    Ctrl-C exits 130, running out of memory 2, and any other exception is a bug: exit 1, see
    :func:`internal_error`. Typer's own errors (bad options) are raised before the command
    runs and keep their usage message.
    """

    @functools.wraps(command)
    def run_command(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            fail("interrupted", EXIT_INTERRUPTED)
        except MemoryError:
            fail("out of memory (try a smaller image)")
        except Exception as error:
            internal_error(error)

    return run_command


def make_request(
    segments: int | None,
    seed: int,
    engine: Enum,
    preset: Enum,
    label_format: Enum | None,
    masks: bool,
    max_pixels: int,
    dynamics: Enum | None = None,
    hierarchy: bool = False,
    stack: Enum | None = None,
    spacing: str | None = None,
    split_necks: float | None = None,
) -> Request:
    """The library's request from the options of ``run`` and ``batch``; leaves with exit 2
    for a bad ``--spacing``."""
    return Request(
        segments=segments,
        seed=seed,
        engine=engine.value,
        preset=preset.value,
        label_format=label_format.value if label_format is not None else None,
        masks=masks,
        max_pixels=max_pixels or None,  # 0 on the command line means no limit
        dynamics=dynamics.value if dynamics is not None else None,
        hierarchy=hierarchy,
        stack=stack.value if stack is not None else "auto",
        spacing=parse_spacing(spacing),
        split_necks=split_necks,
    )


def _choices(name: str, module: str, attribute: str) -> type[Enum]:
    names = getattr(import_module(module), attribute)
    return Enum(name, {value: value for value in names}, type=str)


def _max_pixels_help() -> str:
    from ..io.images import BYTES_PER_PIXEL, NATURAL_BYTES_PER_LARGE_PIXEL

    per_preset = ", ".join(f"{size} with {name}" for name, size in BYTES_PER_PIXEL.items())
    return (
        "Refuse larger images (stacks: more voxels), from their header, before decoding; "
        "0 = no limit. "
        f"Segmenting takes about this many bytes per pixel: {per_preset} (natural: "
        f"{NATURAL_BYTES_PER_LARGE_PIXEL} for each pixel of an image beyond its first 0.5 MP)."
    )


_LAZY = {
    "Preset": lambda: _choices("Preset", "wavesegment.parameters", "PRESETS"),
    "Engine": lambda: _choices("Engine", "wavesegment.limits", "ENGINES"),
    "LabelFormat": lambda: _choices("LabelFormat", "wavesegment.io.export", "LABEL_FORMATS"),
    "Eigensolver": lambda: _choices("Eigensolver", "wavesegment.limits", "EIGENSOLVERS"),
    "Dynamics": lambda: _choices("Dynamics", "wavesegment.limits", "DYNAMICS"),
    "DynamicsOption": lambda: Annotated[
        __getattr__("Dynamics"),
        typer.Option(help="linear (the paper's network) or critical (unit-circle, saturating)."),
    ],
    "PresetOption": lambda: Annotated[
        __getattr__("Preset"),
        typer.Option(help="Parameter set: natural for real images, published for the paper's."),
    ],
    "EngineOption": lambda: Annotated[
        __getattr__("Engine"), typer.Option(help="How the network is evolved.")
    ],
    "FormatOption": lambda: Annotated[
        __getattr__("LabelFormat") | None,
        typer.Option(
            "--format",
            help="File format of the 16-bit label map (0 = background). Default: png, and "
            "tiff for a stack (3-D ImageJ TIFF; npy also holds 3-D labels, png does not).",
            show_default=False,
        ),
    ],
    "StackMode": lambda: _choices("StackMode", "wavesegment.io.stacks", "STACK_MODES"),
    "StackOption": lambda: Annotated[
        __getattr__("StackMode"),
        typer.Option(
            "--stack",
            help="Multi-page TIFF: auto (a volume where the file says so; the default), volume "
            "or frames (each page segmented on its own).",
        ),
    ],
    "MaxPixelsOption": lambda: Annotated[int, typer.Option(min=0, help=_max_pixels_help())],
}


def __getattr__(name: str):
    """Make the option types of :data:`_LAZY` on first use (PEP 562), once."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = _LAZY[name]()
    return value
