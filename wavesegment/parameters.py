"""Named parameter sets of :func:`wavesegment.segment`.

``"published"`` holds the constants of Liboni et al. (PNAS 2025) and reproduces their pipeline
exactly. ``"natural"`` keeps the same two-layer network and readout, and changes what real
images and a robust answer need: a coupling that does not depend on the resolution, a consensus
of several initial states, connected regions, a segmented background, adjacent regions of
similar colour merged, a working grid of bounded size and boundaries refined at full resolution.
"""

from __future__ import annotations

PRESETS: dict[str, dict] = {
    "published": {
        "frequency_mode": "zscore",
        "layer1_alpha": 0.5,
        "layer1_sigma": 0.9,
        "layer1_steps": 60,
        "layer2_alpha": 0.5,
        "layer2_sigma": 0.0313,
        "readout_steps": (140, 180),
        "n_modes": 3,
        "max_segments": 8,
        "cluster_separation": 2.5,
        "coupling": "published",
        "n_seeds": 1,
        "max_units": None,
        "split_regions": False,
        "segment_background": False,
        "min_region": 0.0,
        "colour": False,
        "merge_threshold": 0.0,
        "merge_size_exponent": 0.25,
        "refine_boundaries": False,
    },
}

PRESETS["natural"] = {
    **PRESETS["published"],
    # Row sums of the published couplings on the 32 x 32 images the paper used, so that the
    # two presets couple alike there; normalised, they stay so at any size.
    "coupling": "normalised",
    "layer1_alpha": 463.0,
    "layer2_alpha": 3.15,
    "n_seeds": 8,
    "readout_steps": (800, 840),
    "max_units": 96 * 64,
    "split_regions": True,
    "segment_background": True,
    "min_region": 0.005,
    "colour": True,
    # Pooled over seeds, objects stand further apart than one run's; 4 leaves out the
    # over-splits of an object whose phase has not yet settled (up to 2.7 in one run).
    "cluster_separation": 4.0,
    # Tuned on the first 30 BSDS500 train photos; the phase clusters, cut by the connected
    # parts and the colour sides, are the candidate regions that this merging groups.
    "merge_threshold": 16.0,
    "merge_size_exponent": 0.15,
    "refine_boundaries": True,
}


def preset_parameters(preset: str, **given) -> dict:
    """The parameters of ``preset``, with every value in ``given`` that is not None on top.

    Examples
    --------
    >>> preset_parameters("published", n_seeds=4)["n_seeds"]
    4
    >>> preset_parameters("published", n_seeds=None)["n_seeds"]
    1
    """
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}, not {preset!r}")
    unknown = set(given) - set(PRESETS[preset])
    if unknown:
        raise TypeError(f"not a preset parameter: {', '.join(sorted(unknown))}")
    return {**PRESETS[preset], **{k: v for k, v in given.items() if v is not None}}
