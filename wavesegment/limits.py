"""What each parameter of a run may be: the names of the choices (engines, couplings,
readouts...), the limits, and the checks that :class:`~wavesegment.parameters.Parameters`
runs once, when it is made (kept here, where importing them loads no numpy).
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .parameters import Parameters

#: Names of the ways intensities become frequencies, of the couplings, of the engines and of
#: the eigensolvers of ``explain`` (kept here, where importing them loads no numpy).
FREQUENCY_MODES = ("zscore", "raw")
COUPLINGS = ("published", "normalised")
ENGINES = ("auto", "numba", "exact")
DYNAMICS = ("linear", "critical")
EIGENSOLVERS = ("auto", "dense", "sparse")
#: Merge costs of the merge tree: mean-colour difference, edge and size (``"colour"``), or the
#: learned probability that two regions belong to different segments (``"learned"``, see
#: :mod:`wavesegment.grouping.linkage`).
LINKAGES = ("colour", "learned")
#: Readouts of layer 2: unit phases (published) or FFT magnitudes of the unit trajectories.
READOUTS = ("phase", "spectral")

#: Largest number of segments that can be asked for. k-means costs O(units x segments) per
#: iteration: on a 600 x 400 photo (published preset) 64 clusters take 4 s, 256 took 22 s, and
#: far more clusters than a photo has objects mean nothing to the phase readout.
MAX_SEGMENTS = 64
#: Largest number of segments of a merge tree's cut (``merge_threshold`` above 0), where
#: ``segments`` picks a cut, which costs nothing: as many as a 16-bit label map holds.
MAX_TREE_SEGMENTS = 65535
#: Longest run, in steps: the natural preset reads a volume out at step 840; a million steps
#: would run for hours without changing the phases' order.
MAX_STEPS = 100_000
#: Fewest units of a working grid (an 8 x 8 sheet): on fewer, the waves have nowhere to travel.
MIN_UNITS = 64
#: Most initial states pooled into one readout.
MAX_SEEDS = 1000


def step_pair(value, name: str = "readout_steps") -> tuple[int, int]:
    """A pair of steps (first, last) as a tuple; ValueError naming ``name`` if it is not two.

    Examples
    --------
    >>> step_pair([140, 180])
    (140, 180)
    """
    try:
        first, last = value
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (first, last), not {value!r}") from None
    return first, last


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _integer(name: str, low: int, high: int, *, optional: bool = False):
    def check(p: Parameters) -> None:
        value = getattr(p, name)
        if optional and value is None:
            return
        if not _is_int(value) or not low <= value <= high:
            allowed = f"an integer from {low} to {high}" + (" or None" if optional else "")
            raise ValueError(f"{name} must be {allowed}, not {value!r}")

    return check


def _number(name: str, *, low: float, strict: bool = True, high: float = math.inf):
    def check(p: Parameters) -> None:
        value = getattr(p, name)
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if ok:
            number = float(value)
            ok = math.isfinite(number) and (number > low if strict else number >= low)
            ok = ok and number <= high
        if not ok:
            bound = f"above {low:g}" if strict else f"at least {low:g}"
            upper = f" and at most {high:g}" if math.isfinite(high) else ""
            raise ValueError(f"{name} must be a finite number {bound}{upper}, not {value!r}")

    return check


def _choice(name: str, choices: tuple[str, ...]):
    def check(p: Parameters) -> None:
        value = getattr(p, name)
        if value not in choices:
            raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")

    return check


def _flag(name: str):
    def check(p: Parameters) -> None:
        if not isinstance(getattr(p, name), bool):
            raise ValueError(f"{name} must be True or False, not {getattr(p, name)!r}")

    return check


def _check_readout_steps(p: Parameters) -> None:
    for name in ("readout_steps", "volume_readout_steps"):
        steps = getattr(p, name)
        if steps is None:
            continue
        first, last = steps
        if not (_is_int(first) and _is_int(last) and p.layer1_steps < first <= last <= MAX_STEPS):
            raise ValueError(
                f"{name} must be two integers with layer1_steps ({p.layer1_steps}) < first "
                f"<= last <= {MAX_STEPS}, not {steps!r}"
            )


def _check_critical_engine(p: Parameters) -> None:
    if p.dynamics == "critical" and p.engine == "exact":
        raise ValueError(
            "engine='exact' solves the linear dynamics only: use engine='auto' or 'numba' "
            "with dynamics='critical'"
        )


def _check_segments(p: Parameters) -> None:
    # Phase clusters (k-means) are capped far lower than a cut of the merge tree.
    high = MAX_TREE_SEGMENTS if p.segments_cut_tree else MAX_SEGMENTS
    _integer("segments", 1, high, optional=True)(p)


def _check_spacing(p: Parameters) -> None:
    """Physical size of a sample along each of 1 to 3 axes; it sets the normalised coupling's
    widths (the published coupling is per axis by definition)."""
    if p.spacing is None:
        return
    values = p.spacing if isinstance(p.spacing, tuple) else ()
    numbers_ok = all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) and v > 0
        for v in values
    )
    if not (1 <= len(values) <= 3 and numbers_ok):
        raise ValueError(
            f"spacing must be 1 to 3 finite numbers above 0 (one per axis), not {p.spacing!r}"
        )
    if p.coupling != "normalised":
        raise ValueError(
            "spacing sets the widths of the normalised coupling: use coupling='normalised' "
            f"(the {p.coupling!r} coupling is defined per axis)"
        )


def _check_preset_name(p: Parameters) -> None:
    if not isinstance(p.preset, str) or not p.preset:
        raise ValueError(f"preset must be a name, not {p.preset!r}")


#: Every check, in the order of the fields; each raises ValueError naming the field.
CHECKS = (
    _check_preset_name,
    _choice("frequency_mode", FREQUENCY_MODES),
    _integer("max_units", MIN_UNITS, 10**9, optional=True),
    _flag("colour"),
    _choice("coupling", COUPLINGS),
    _check_spacing,
    _flag("periodic"),
    _number("layer1_alpha", low=0.0),
    _number("layer1_sigma", low=0.0),
    _integer("layer1_steps", 1, MAX_STEPS - 1),
    _number("layer2_alpha", low=0.0),
    _number("layer2_sigma", low=0.0),
    _check_readout_steps,
    _integer("n_seeds", 1, MAX_SEEDS),
    _integer("seed", 0, 2**32 - 1),
    _choice("engine", ENGINES),
    _number("noise", low=0.0, strict=False),
    _choice("readout", READOUTS),
    _choice("dynamics", DYNAMICS),
    _number("critical_input", low=0.0, high=1.0),
    _check_critical_engine,
    _integer("n_modes", 1, 64),
    _integer("max_segments", 1, MAX_SEGMENTS),
    _number("cluster_separation", low=0.0),
    _integer("cluster_restarts", 1, 100),
    _integer("count_restarts", 1, 100),
    _flag("split_regions"),
    _flag("segment_background"),
    _number("min_region", low=0.0, strict=False, high=0.5),
    _flag("refine_boundaries"),
    _number("refine_smoothness", low=0.0, strict=False),
    _number("merge_threshold", low=0.0, strict=False),
    _number("merge_size_exponent", low=-math.inf),
    _number("merge_texture_spread", low=0.0),
    _number("merge_edge_weight", low=0.0, strict=False),
    _number("merge_texture_edges", low=0.0),
    _choice("merge_linkage", LINKAGES),
    _number("merge_probability", low=0.0, high=1.0),
    _number("split_necks", low=0.0, strict=False),
    _check_segments,
)
