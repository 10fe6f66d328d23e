"""One image file, read, segmented and written: what ``wavesegment run`` does, and each image of
a batch (:mod:`wavesegment.io.batch`).

:func:`segment_file` never raises for a bad input: the failure, and what kind it is, are in the
returned record. Only numpy-free modules are imported here at start-up; the command line
imports this module to build its commands.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: Default limit of the image size: 4000 x 4000 pixels (see
#: :data:`wavesegment.io.images.BYTES_PER_PIXEL` for the memory it takes).
DEFAULT_MAX_PIXELS = 16_000_000

#: Why an image failed (``ImageRecord.failure``). The user can act on each but the last, which
#: is a bug in wavesegment.
BAD_INPUT, CANNOT_WRITE, OUT_OF_MEMORY, WORKER_LOST, INTERNAL_ERROR = FAILURES = (
    "bad input",
    "cannot write",
    "out of memory",
    "worker lost",
    "internal error",
)


@dataclass(frozen=True)
class Request:
    """What the user asks of every image: segmentation and export options."""

    segments: int | None = None
    seed: int = 0
    engine: str = "auto"
    preset: str = "natural"
    label_format: str | None = None  # None: png for images, tiff for stacks
    masks: bool = False
    max_pixels: int | None = DEFAULT_MAX_PIXELS
    shape_spectra: bool = False
    dynamics: str | None = None  # None: the preset's
    hierarchy: bool = False
    stack: str = "auto"  # multi-page TIFFs: auto, volume or frames
    spacing: tuple[float, float, float] | None = None  # stacks: dz, dy, dx; None: the file's
    split_necks: float | None = None  # None: the preset's


@dataclass
class ImageRecord:
    """One row of a batch's summary.

    ``status`` is "done", "skipped" (complete before) or "failed"; a failed image has one of
    :data:`FAILURES` in ``failure`` and a one-line ``error``.
    """

    path: str
    width: int | None = None
    height: int | None = None
    segments: int | None = None
    seconds: float = 0.0
    status: str = "failed"
    failure: str = ""
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    pages: int | None = None  # of a stack: its planes or frames


@dataclass
class Outcome:
    """What :func:`segment_file` returns.

    ``record`` always; on success also the result (a :class:`~wavesegment.SegmentationResult`),
    the label map's path and the pictures written; on an internal error the exception, so that
    a command can show its traceback when asked to. ``mode`` is "volume" or "frames" for a stack.
    """

    record: ImageRecord
    result: object = None
    mode: str = ""
    labels: Path | None = None
    pictures: list[Path] = field(default_factory=list)
    exception: BaseException | None = None


def describe_internal_error(error: BaseException) -> str:
    """One line for an unexpected exception: a bug, which the user should report.

    Examples
    --------
    >>> describe_internal_error(ZeroDivisionError("division by zero"))
    'internal error (a bug in wavesegment, please report it): ZeroDivisionError: division by zero'
    """
    return f"{INTERNAL_ERROR} (a bug in wavesegment, please report it): {_describe(error)}"


def _describe(error: BaseException) -> str:
    """The exception's type and the first line of its message."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def label_format_of(request: Request, *, stack: bool = False) -> str:
    """The label format of an image's outputs: the one asked for, else png (tiff for a stack).

    Examples
    --------
    >>> label_format_of(Request()), label_format_of(Request(), stack=True)
    ('png', 'tiff')
    """
    return request.label_format or ("tiff" if stack else "png")


def segment_options(request: Request) -> dict:
    """The keyword arguments of :func:`wavesegment.segment` that ``request`` sets (those left
    at None keep the preset's value).

    Examples
    --------
    >>> segment_options(Request(split_necks=1.5))["split_necks"]
    1.5
    """
    options = dict(
        segments=request.segments,
        seed=request.seed,
        engine=request.engine,
        preset=request.preset,
        dynamics=request.dynamics,
    )
    if request.split_necks is not None:
        options["split_necks"] = request.split_necks
    return options


def request_fields(request: Request, *, stack: bool = False) -> dict:
    """The options that decide an image's outputs, as its sidecar records them.

    ``max_pixels`` decides whether to run, not what comes out: it is not part of a finished set.
    The stack options are recorded for stacks only (an image's sidecar is as before them).

    Examples
    --------
    >>> request_fields(Request(spacing=(2.0, 1.0, 1.0)), stack=True)["spacing"]
    [2.0, 1.0, 1.0]
    """
    fields = asdict(request)
    del fields["max_pixels"]
    fields["label_format"] = label_format_of(request, stack=stack)
    for option in ("shape_spectra", "split_necks"):  # sidecars written before them still match
        if not fields[option]:
            del fields[option]
    if stack:  # as JSON reads it back
        fields["spacing"] = None if request.spacing is None else list(request.spacing)
    else:
        del fields["stack"], fields["spacing"]
    return fields


def _shape_spectra(result) -> dict:
    from ..analysis.shape_spectra import shape_spectra, spectra_record

    return spectra_record(shape_spectra(result))


def segment_file(
    image: str | os.PathLike,
    *,
    folder: str | os.PathLike,
    stem: str,
    request: Request = Request(),
    name: str | None = None,
    movie: str | os.PathLike | None = None,
    projection: str | os.PathLike | None = None,
    tidy: bool = True,
) -> Outcome:
    """Read, segment and write the outputs of one image file, or of a multi-page or 3-D TIFF
    (:mod:`wavesegment.io.stacks`: ``request.stack`` and ``request.spacing`` say how).

    Parameters
    ----------
    image : path-like
        The input file.
    folder, stem : path-like, str
        The outputs are ``folder / (stem + "_labels.png")`` etc.
        (see :func:`wavesegment.io.export.write_outputs`).
    request : Request
        Segmentation and export options.
    name : str, optional
        How the image is named in the record (default: its path).
    movie, projection : path-like, optional
        Also write a GIF of the phase waves of both layers, and a PNG of the units in the
        similarity projection (:mod:`wavesegment.pictures.pictures`), to these paths.
    tidy : bool
        First remove the temporary files that killed runs left in ``folder``
        (:func:`wavesegment.files.remove_stale_temporaries`; a batch does it once per folder).

    Returns
    -------
    Outcome
        Never raises for a bad file, an unwritable folder or a bug: the record says "failed",
        why (``failure``) and holds a one-line error. Ctrl-C is not caught.

    Examples
    --------
    >>> outcome = segment_file("coins.png", folder="out", stem="coins")  # doctest: +SKIP
    >>> outcome.record.status  # doctest: +SKIP
    'done'
    """
    started = time.perf_counter()
    outcome = Outcome(ImageRecord(path=name or str(image)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if tidy:
                from ..files import remove_stale_temporaries

                remove_stale_temporaries(folder)
            from .stacks import is_stack_file

            if is_stack_file(image):  # multi-page or 3-D TIFF: a volume or frames
                pictures = {"--animate": movie, "--plot-projection": projection}
                _segment_stack_and_write(
                    Path(image), Path(folder), stem, request, outcome, pictures
                )
            else:
                _segment_and_write(Path(image), Path(folder), stem, request, outcome, movie)
        except Exception as error:  # one bad image must not end a batch of thousands
            _fail(outcome, error, image, f"cannot write to {folder}")
        if not outcome.record.failure and (movie is not None or projection is not None):
            try:
                outcome.pictures = _write_pictures(outcome.result, movie, projection)
            except Exception as error:
                _fail(outcome, error, image, "cannot write a picture")
    record = outcome.record
    record.status = "failed" if record.failure else "done"
    record.warnings = sorted({_first_line(warning.message) for warning in caught})
    record.seconds = round(time.perf_counter() - started, 4)
    return outcome


def _segment_and_write(
    image: Path, folder: Path, stem: str, request: Request, outcome: Outcome, movie
) -> None:
    from ..segmentation import segment
    from .export import output_names, write_outputs
    from .images import read_image

    if request.hierarchy:
        _check_tree_preset(request.preset)
    started = time.perf_counter()
    # As integers where the file holds them: the same values, and no float copy of a large
    # photo (segment() and the outputs read it a band or a block at a time).
    pixels = read_image(
        image, max_pixels=request.max_pixels, preset=request.preset, keep_integers=True
    )
    outcome.record.height, outcome.record.width = pixels.shape[:2]
    read_seconds = time.perf_counter() - started
    trace_every = _movie_interval(pixels.shape[:2], request.preset) if movie is not None else 0
    label_format = label_format_of(request)
    result = segment(pixels, trace_every=trace_every, **segment_options(request))
    began, spectra, spectra_timing = time.perf_counter(), None, {}
    if request.shape_spectra:
        spectra = _shape_spectra(result)
        spectra_timing = {"shape_spectra": time.perf_counter() - began}
    write_outputs(
        folder,
        stem,
        pixels,
        result,
        request=request_fields(request),
        label_format=label_format,
        masks=request.masks,
        timings={"read": read_seconds, **spectra_timing},
        source=image,
        shape_spectra=spectra,
        hierarchy=request.hierarchy,
    )
    outcome.result, outcome.record.segments = result, result.n_segments
    outcome.labels = folder / output_names(stem, label_format=label_format)["labels"]


def _segment_stack_and_write(
    image: Path, folder: Path, stem: str, request: Request, outcome: Outcome, pictures: dict
) -> None:
    from .export import output_names
    from .stacks import check_stack_format, read_stack, segment_stack, write_stack_outputs

    _check_stack_request(image, request, pictures)
    label_format = label_format_of(request, stack=True)
    check_stack_format(image, label_format)  # before the work, not after it
    started = time.perf_counter()
    read = read_stack(image, max_pixels=request.max_pixels, preset=request.preset)
    read_seconds = time.perf_counter() - started
    result = segment_stack(
        read, stack=request.stack, spacing=request.spacing, **segment_options(request)
    )
    write_stack_outputs(
        folder,
        stem,
        read,
        result,
        request=request_fields(request, stack=True),
        label_format=label_format,
        masks=request.masks,
        timings={"read": read_seconds},
        source=image,
    )
    record = outcome.record
    record.pages, record.height, record.width = result.labels.shape
    record.segments = int(result.labels.max(initial=0))
    outcome.result, outcome.mode = result, "volume" if result.as_volume else "frames"
    outcome.labels = folder / output_names(stem, label_format=label_format)["labels"]


def _check_stack_request(image: Path, request: Request, pictures: dict) -> None:
    # The options made for 2-D images only: refused, never ignored.
    asked = {"--hierarchy": request.hierarchy, "--shape-spectra": request.shape_spectra}
    refused = [option for option, given in {**asked, **pictures}.items() if given]
    if request.spacing is not None:
        from ..parameters import Parameters

        if Parameters.from_preset(request.preset).coupling != "normalised":
            raise ValueError(
                f"{image}: --spacing sets the widths of a normalised coupling; the "
                f"{request.preset} preset's coupling is per axis: leave --spacing out (the "
                "file's spacing is kept in the outputs) or use --preset natural"
            )
    if refused:
        raise ValueError(
            f"{image}: a multi-page TIFF: {', '.join(refused)} "
            f"{'is' if len(refused) == 1 else 'are'} for 2-D images only; leave "
            f"{'it' if len(refused) == 1 else 'them'} out for stacks"
        )


def _check_tree_preset(preset: str) -> None:
    # Before reading the image: a hierarchy needs a preset that builds a merge tree.
    from ..parameters import PRESETS

    if preset in PRESETS and not PRESETS[preset].segments_cut_tree:
        raise ValueError(
            f"--hierarchy needs a preset that merges regions into a tree (natural), not {preset!r}"
        )


def _movie_interval(shape: tuple[int, int], preset: str) -> int:
    # The movie keeps every few steps up to the end of the readout, fewer for large images.
    from ..parameters import PRESETS
    from ..pictures.pictures import trace_every_for

    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}, not {preset!r}")
    return trace_every_for(shape, n_steps=PRESETS[preset].readout_steps[1])


def _write_pictures(result, movie, projection) -> list[Path]:
    from ..pictures.pictures import write_projection_plot, write_wave_movie

    written = []
    if movie is not None:
        write_wave_movie(movie, result)
        written.append(Path(movie))
    if projection is not None:
        write_projection_plot(projection, result)
        written.append(Path(projection))
    return written


def _fail(outcome: Outcome, error: Exception, image, cannot_write: str) -> None:
    record = outcome.record
    if isinstance(error, ValueError):  # ImageError too: a bad file or a bad option value
        record.failure, record.error = BAD_INPUT, _first_line(error)
    elif isinstance(error, OSError):
        record.failure = CANNOT_WRITE
        record.error = f"{cannot_write}: {error.strerror or _first_line(error)}"
    elif isinstance(error, MemoryError):
        record.failure = OUT_OF_MEMORY
        record.error = f"{image}: out of memory (try a smaller image or a lower --max-pixels)"
    else:
        record.failure, record.error = INTERNAL_ERROR, f"{image}: {describe_internal_error(error)}"
        outcome.exception = error


def _first_line(message: object) -> str:
    lines = str(message).strip().splitlines()
    return lines[0] if lines else type(message).__name__
