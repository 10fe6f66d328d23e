"""``wavesegment explain``: why the network segmented IMAGE as it did, printed and drawn."""

from __future__ import annotations

import warnings
from typing import Annotated

import typer

from ..io.single import DEFAULT_MAX_PIXELS
from . import _common

NOISE = 1e-5  # of the noisy runs of --samples, relative to the peak unit magnitude per step
PROBES = 8  # random directions of --sensitivity


def explain(
    image: _common.ImageArgument,
    output_dir: _common.OutputDirOption = None,
    segments: _common.SegmentsOption = None,
    seed: _common.SeedOption = 0,
    engine: _common.EngineOption = "auto",
    preset: _common.PresetOption = "natural",
    dynamics: _common.DynamicsOption = None,
    max_pixels: _common.MaxPixelsOption = DEFAULT_MAX_PIXELS,
    modes: Annotated[
        int | None,
        typer.Option(
            "--modes",
            "-r",
            min=1,
            help="Leading modes R to show and reconstruct with (default: the phase clusters).",
        ),
    ] = None,
    samples: Annotated[
        int, typer.Option(min=0, help="Noisy runs for the per-pixel agreement map (0: none).")
    ] = 0,
    noise: Annotated[
        float,
        typer.Option(
            min=0.0, help="Noise of those runs, relative to the peak unit magnitude per step."
        ),
    ] = NOISE,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity",
            help="Map each pixel's margin over its exact linear response to pixel noise.",
        ),
    ] = False,
    probes: Annotated[
        int, typer.Option(min=1, help="Random directions for --sensitivity (each ~ one run).")
    ] = PROBES,
    method: Annotated[
        _common.Eigensolver,
        typer.Option(help="Eigensolver: dense (every mode) up to 400 units, else ARPACK."),
    ] = "auto",
    ring: _common.RingOption = False,
) -> None:
    """Explain the run that `wavesegment run IMAGE` makes with the same options.

    Prints each layer's leading modes, the clusters and their margins, and every step after the
    network; writes IMAGE_explain.json and IMAGE_explain.png (and, with --samples,
    IMAGE_agreement.png: white where all runs agree; with --sensitivity,
    IMAGE_sensitivity.png: dark where a small change of the pixels would flip the pixel). For a
    signal (.csv, .npy): the exact operator of both layers as diagonal state-space models,
    IMAGE_operator.npz.
    """
    from ..io.explanation import explain_file
    from ..io.images import ImageError
    from ..io.signals import is_signal_file

    folder = output_dir if output_dir is not None else image.parent
    if is_signal_file(image):
        given = {
            "--dynamics critical": dynamics is not None and dynamics.value == "critical",
            "--max-pixels": max_pixels != DEFAULT_MAX_PIXELS,
            "--modes": modes is not None,
            "--samples": samples > 0,
            "--noise": noise != NOISE,
            "--sensitivity": sensitivity,
            "--probes": probes != PROBES,
            "--method": method.value != "auto",
        }
        why = "a signal's explanation is the exact operator of its linear network"
        _common.refuse_unused(image, why, given)
        options = dict(segments=segments, seed=seed, engine=engine.value, preset=preset.value)
        _explain_signal(image, folder, ring, options)
        return
    _common.refuse_unused(image, "--ring is for signals", {"--ring": ring})
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            explained = explain_file(
                image,
                folder=folder,
                stem=image.stem,
                max_pixels=max_pixels or None,
                n_modes=modes,
                method=method.value,
                samples=samples,
                noise=noise,
                sensitivity=probes if sensitivity else 0,
                segments=segments,
                seed=seed,
                engine=engine.value,
                preset=preset.value,
                dynamics=dynamics.value if dynamics is not None else None,
            )
    except (ImageError, ValueError) as error:
        _common.fail(str(error))
    except OSError as error:
        _common.fail(f"cannot write to {folder}: {error.strerror or error}")
    for message in sorted({(str(warning.message).splitlines() or [""])[0] for warning in caught}):
        typer.echo(f"warning: {message}", err=True)
    from ._explain_tables import print_explanation

    print_explanation(image.name, explained.explanation.report)
    typer.echo(f"-> {', '.join(map(str, explained.paths))}")


def _explain_signal(signal, folder, ring: bool, options: dict) -> None:
    from ..io.images import ImageError
    from ..io.signals import explain_signal_file

    try:
        summary, path = explain_signal_file(
            signal, folder=folder, stem=signal.stem, periodic=ring, **options
        )
    except (ImageError, ValueError) as error:
        _common.fail(str(error))
    except OSError as error:
        _common.fail(f"cannot write to {folder}: {error.strerror or error}")
    typer.echo(
        f"{signal.name}: {summary['samples']} samples on a grid of {summary['grid']} units; "
        "each layer as a diagonal state-space model s_(t+1) = Lambda s_t, x_t = C s_t:"
    )
    for layer in ("layer1", "layer2"):
        leading = ", ".join(f"{re:.4g}{im:+.4g}i" for re, im in summary[layer]["leading"])
        typer.echo(f"  {layer}: {summary[layer]['modes']} modes; largest lambda: {leading}")
    typer.echo(f"-> {path} (Lambda, B = V^-1 and C = V of each layer)")
