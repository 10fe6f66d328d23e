"""Every step after the network, as what it is, from the log the run kept.

The network answers with phase clusters (layer 2) and with the sides that layer 1 cut on each
channel. Candidate regions are the connected parts of each (cluster, sides) combination; small
ones are absorbed by a neighbour; the labels are brought to the image's size, their boundaries
refined onto its colours, and similar neighbours merged, cheapest first. This module reads the
run's ``steps`` back into that story, and measures how much of the final boundary each stage
drew.
"""

from __future__ import annotations

import math

from ..grouping import boundary_sources
from ..network import LUMINANCE
from ..preparation.grid import to_native

#: Within this many pixels of an earlier boundary, a final boundary pixel counts as drawn by
#: that earlier stage (1: on it, or beside it).
BOUNDARY_TOLERANCE = 1.0


def steps_report(result) -> dict:
    """The steps after the network of ``result``, JSON-ready.

    ``"candidates"``: per phase cluster and side of each colour channel, the candidate regions
    it made (their numbers and sizes in grid units); ``"absorbed"``: each small region absorbed,
    into which candidate, in order (candidates' numbers); ``"candidate_to_region"``: the region
    each candidate became; ``"regions"``: how many regions came to the image's size;
    ``"refinement"``: pixels the boundary refinement moved; ``"merges"``: each merge in order,
    with its cost and the cost's parts (regions' numbers); ``"region_to_segment"``: the final
    segment of each region (before ``split_necks``); ``"necks"``: each segment that
    ``split_necks`` cut, into which final segments; ``"segments"``: the final count;
    ``"boundary"``: the fractions of the final boundary that each stage drew.
    """
    steps = list(result.steps)
    sides = list(result.grid.sides)
    report = {
        "candidates": [_candidate(entry, sides) for entry in _of(steps, "candidates", "split")],
        "absorbed": [_fields(entry) for entry in _of(steps, "absorb", "absorb")],
        "candidate_to_region": _mapping(steps, "absorb"),
        "regions": int(result.grid.labels.max()),
        "merges": [_fields(entry) for entry in _of(steps, "merge", "merge")],
        "region_to_segment": _mapping(steps, "merge"),
        "necks": [_fields(entry) for entry in _of(steps, "split", "split_necks")],
        "segments": result.n_segments,
        "boundary": boundary_report(result),
    }
    refine = _of(steps, "refine", "refine")
    if refine:
        moved = refine[0]["pixels_moved"]
        # A large photo is refined on its blocks (its "to_image_size" step says their shape).
        blocks = _of(steps, "upsample", "to_image_size")
        pixels = math.prod(blocks[0]["from"]) if blocks else result.labels.size
        report["refinement"] = {
            "pixels_moved": moved,
            "fraction_moved": moved / pixels,
            "iterations": refine[0]["iterations"],
        }
    return report


def _of(steps: list[dict], stage: str, step: str) -> list[dict]:
    return [entry for entry in steps if entry["stage"] == stage and entry["step"] == step]


def _mapping(steps: list[dict], stage: str) -> dict:
    """The ``"relabel"`` mapping that ``stage`` logged (JSON keys: strings), or {}."""
    found = _of(steps, stage, "relabel")
    return {str(k): v for k, v in found[-1]["mapping"].items()} if found else {}


def _fields(entry: dict) -> dict:
    return {key: value for key, value in entry.items() if key not in ("stage", "step")}


def _candidate(entry: dict, sides: list[str]) -> dict:
    """A split entry decoded: the run coded (cluster, side a*, side b*) as
    ``(cluster * 2 + side_a) * 2 + side_b`` before splitting into connected parts."""
    code, origin = entry["label"], {}
    for name in reversed(sides):
        origin[name] = "background" if code % 2 else "foreground"
        code //= 2
    return {
        "cluster": int(code),
        "sides": dict(reversed(origin.items())),
        "regions": entry["regions"],
        "units": entry["pixels"],
    }


def boundary_report(result) -> dict:
    """Fractions of the final boundary drawn by layer 1 (background and colour sides), by the
    phase clusters of layer 2, and by the refinement (within ``BOUNDARY_TOLERANCE`` pixels of
    no earlier boundary). Merging draws none: it only removes boundaries."""
    grid, shape = result.grid, result.labels.shape
    sources = {f"layer 1 background ({LUMINANCE})": to_native(grid.background, shape)}
    sources["layer 2 phase clusters"] = to_native(grid.clusters, shape)
    for name, side in grid.sides.items():
        sources[f"layer 1 side ({name})"] = to_native(side, shape)
    found = boundary_sources(result.labels, sources, tolerance=BOUNDARY_TOLERANCE)
    report = found.as_dict()
    network = sum(n for name, n in found.pixels.items() if name.startswith("layer"))
    report["drawn_by_network"] = network / found.total if found.total else 0.0
    return report
