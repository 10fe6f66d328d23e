"""One image file explained: what ``wavesegment explain`` does, from reading to written files."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ExplainedFile:
    """What :func:`explain_file` returns: the explanation and the files written."""

    explanation: object = field(repr=False)  # wavesegment.analysis.explain.Explanation
    paths: tuple[Path, ...] = ()


def explain_file(
    image: str | os.PathLike,
    *,
    folder: str | os.PathLike,
    stem: str,
    max_pixels: int | None = None,
    n_modes: int | None = None,
    method: str = "auto",
    samples: int = 0,
    noise: float = 1e-5,
    sensitivity: int = 0,
    **segment_options,
) -> ExplainedFile:
    """Read ``image``, explain the run that ``wavesegment run`` makes of it with the same
    ``segment_options``, and write ``stem_explain.json``, ``stem_explain.png`` and, with
    samples, ``stem_agreement.png`` into ``folder`` (each atomically). With ``sensitivity``
    probes (0: none), the report gains a ``"sensitivity"`` section and ``stem_sensitivity.png``
    maps each pixel's margin over its linear response to pixel noise
    (:mod:`wavesegment.analysis.sensitivity`).

    Raises ImageError or ValueError for a bad file or option, OSError when the folder cannot be
    written (see :func:`wavesegment.analysis.explain.explain` for the other parameters).
    """
    from ..analysis.explain import explain
    from ..files import atomic_path
    from ..pictures.modes import explanation_figure, write_picture
    from .images import read_image

    preset = segment_options.get("preset", "natural")
    pixels = read_image(image, max_pixels=max_pixels, preset=preset)
    explanation = explain(
        pixels, n_modes=n_modes, method=method, samples=samples, noise=noise, **segment_options
    )
    base = Path(folder) / stem
    paths = [base.with_name(f"{stem}_explain.json"), base.with_name(f"{stem}_explain.png")]
    if sensitivity:
        picture = _add_sensitivity(explanation, sensitivity)
    with atomic_path(paths[0]) as temporary:
        temporary.write_text(json.dumps(explanation.report, indent=2) + "\n", encoding="utf-8")
    write_picture(paths[1], explanation_figure(pixels, explanation))
    if explanation.agreement is not None:
        paths.append(base.with_name(f"{stem}_agreement.png"))
        write_picture(paths[-1], explanation.agreement)
    if sensitivity:
        paths.append(base.with_name(f"{stem}_sensitivity.png"))
        write_picture(paths[-1], picture)
    return ExplainedFile(explanation, tuple(paths))


def _add_sensitivity(explanation, probes: int):
    """Add the ``"sensitivity"`` section to the report; return its picture."""
    import time

    from ..analysis.sensitivity import flip_picture, sensitivity, sensitivity_report

    started = time.perf_counter()
    found = sensitivity(explanation.result, probes=probes)
    explanation.report["sensitivity"] = sensitivity_report(found, explanation.result)
    explanation.report["timings"]["sensitivity"] = time.perf_counter() - started
    return flip_picture(found.flip)
