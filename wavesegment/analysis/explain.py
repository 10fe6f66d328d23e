"""Why a run segmented as it did: the exact modes of its network, then every step after it.

:func:`explain` runs :func:`wavesegment.segment` with the options given (the same run that
``wavesegment run`` makes with them) and explains that run, on the working grid it used, with
the very :class:`~wavesegment.network.Network` that ran:

- each layer-1 run (luminance, and a*, b* for colour): its leading modes, their gap, and the
  side it cut (:mod:`.layers`);
- layer 2, one linear network for all initial states: its modes, the pooled readout, the
  clusters, which mode carries each, and their margins against the ``cluster_separation`` in
  force (:mod:`.clusters`);
- every step after the network, as what it is: which candidate regions came from which cluster
  and side, which small regions were absorbed, each merge in order with its cost, and how much
  of the final boundary the network drew and how much the later steps drew (:mod:`.steps`).

Everything lands in one JSON-ready dict whose layout is :data:`SCHEMA` (documented in the
README); the arrays for pictures stay on the returned :class:`Explanation`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..dynamics import LayerSpectrum
from ..dynamics.engines import one_blas_thread
from ..segmentation import SegmentationResult, segment
from .clusters import cluster_report, drift_report
from .layers import (
    channel_spectrum,
    foreground_spectrum,
    modes_report,
    reconstruction_error,
    side_report,
    top_r_agreement,
)

#: Name and version of the report's layout.
SCHEMA = "wavesegment.explain/2"
# Pixels whose agreement across noisy samples is below this are counted as uncertain.
_UNCERTAIN = 0.9


@dataclass(frozen=True, eq=False)
class Explanation:
    """What :func:`explain` returns.

    Attributes
    ----------
    report : dict
        All numbers, JSON-serialisable (see :func:`explain`).
    result : SegmentationResult
        The run explained.
    layer1 : mapping of str to LayerSpectrum
        Leading modes of layer 1, per channel (luminance first).
    layer2 : LayerSpectrum or None
        Leading modes of layer 2 on the foreground (None when there is no foreground).
    agreement : (rows, cols) ndarray or None
        Per-pixel agreement across noisy samples, at the image's size, if any were run.
    """

    report: dict
    result: SegmentationResult = field(repr=False)
    layer1: Mapping[str, LayerSpectrum] = field(repr=False)
    layer2: LayerSpectrum | None = field(repr=False)
    agreement: np.ndarray | None = field(default=None, repr=False)


def explain(
    image: np.ndarray,
    *,
    n_modes: int | None = None,
    method: str = "auto",
    samples: int = 0,
    noise: float = 1e-5,
    **segment_options,
) -> Explanation:
    """Segment ``image`` as :func:`wavesegment.segment` does and explain that run.

    Parameters
    ----------
    image : (rows, cols) or (rows, cols, 3|4) array
    n_modes : int, optional
        R, the leading modes described and used for the top-R reconstructions. By default the
        number of phase clusters found (at least 1).
    method : {"auto", "dense", "sparse"}
        Eigensolver (see :func:`wavesegment.dynamics.layer_spectrum`): dense gives every mode
        of a small grid, so that the reconstruction of the run is exact.
    samples : int
        Noisy runs for the per-pixel agreement map (0: none).
    noise : float
        Relative noise of those runs (see :func:`wavesegment.dynamics.evolve`); the run that is
        explained is noiseless.
    **segment_options
        Passed on to :func:`wavesegment.segment` (preset, seed, segments, any parameter).

    Returns
    -------
    Explanation
        ``report`` holds ``"schema"``, ``"image"`` and ``"grid"`` (shapes), ``"parameters"``,
        ``"layer1"`` (per channel: modes, gap, the side cut and how the top modes cut it),
        ``"layer2"`` (modes, gap, the top-R clusters' agreement with the run's),
        ``"readout"`` (pooled similarity's eigenvalues, window, clusters), ``"clusters"``
        (units, dominant mode, rotation, margins), ``"drift"``, ``"steps"`` (candidates,
        absorbed regions, merges with their costs, boundary attribution), ``"shape_spectra"``
        (per segment, the leading eigenvalues of its layer-2 coupling block; see
        :mod:`wavesegment.analysis.shape_spectra`), ``"timings"`` and, with samples,
        ``"confidence"``.

    Examples
    --------
    >>> from wavesegment.evaluation.shapes import shapes_image
    >>> image, truth = shapes_image(2, seed=1)
    >>> explanation = explain(image, preset="published", seed=1, n_modes=4)
    >>> explanation.report["layer2"]["top_r_ari"]
    1.0
    """
    with one_blas_thread():
        result = segment(image, **segment_options)
        explanation = explain_result(result, n_modes=n_modes, method=method)
        if samples:
            agreement = _confidence(image, explanation.report, result, samples, noise)
            explanation = Explanation(
                explanation.report, result, explanation.layer1, explanation.layer2, agreement
            )
    return explanation


def explain_result(
    result: SegmentationResult, *, n_modes: int | None = None, method: str = "auto"
) -> Explanation:
    """Explain a run already made (see :func:`explain`), with the network it carries."""
    from .shape_spectra import shape_spectra, spectra_record
    from .steps import steps_report

    network, grid = result.network, result.grid
    p = network.parameters
    clock = _Laps()
    n_modes = n_modes or max(int(grid.clusters.max()), 1)
    report = {
        "schema": SCHEMA,
        "image": dict(zip(("rows", "cols"), map(int, result.labels.shape), strict=True)),
        "grid": dict(zip(("rows", "cols"), network.shape, strict=True)),
        "parameters": result.parameters,
        "n_modes": n_modes,
        "n_segments": result.n_segments,
    }
    layer1 = _layer1(result, n_modes, method, report)
    clock.lap("layer1")
    layer2 = None
    foreground = ~grid.background
    if foreground.any():
        # One more mode than described, to report the gap that the top-R reconstruction uses.
        layer2 = foreground_spectrum(network, foreground, n_modes + 1, method)
        last = p.readout_steps[1] - p.layer1_steps
        report["layer2"] = modes_report(layer2, n_modes, last)
        report["layer2"]["n_initial_states"] = p.n_seeds
        report["layer2"]["top_r_ari"] = top_r_agreement(layer2, result, n_modes)
        report["layer2"]["reconstruction_phase_error"] = reconstruction_error(
            layer2, network.initial_states[0], last, grid.final_phases
        )
        clock.lap("layer2")
        report["readout"] = _readout_report(result)
        report["clusters"] = cluster_report(layer2, result, n_modes)
        report["drift"] = drift_report(report["clusters"], p.readout_steps[1] - p.readout_steps[0])
        clock.lap("clusters")
    if p.dynamics == "critical":
        from .linearisation import linearisation_report

        report["linearisation"] = linearisation_report(network, foreground, n_modes, method)
        clock.lap("linearisation")
    report["steps"] = steps_report(result)
    clock.lap("steps")
    report["shape_spectra"] = spectra_record(shape_spectra(result))
    clock.lap("shape_spectra")
    report["timings"] = {"segment": result.timings["total"], **clock.seconds}
    return Explanation(report, result, layer1, layer2)


def _layer1(result, n_modes: int, method: str, report: dict) -> dict[str, LayerSpectrum]:
    network, grid = result.network, result.grid
    step = network.parameters.layer1_steps - 1
    spectra, report["layer1"] = {}, {}
    for channel in network.channels:
        spectrum = channel_spectrum(network, channel, n_modes + 1, method)
        entry = modes_report(spectrum, n_modes, step)
        phases = grid.layer1_phases[channel]
        entry["side"] = side_report(spectrum, network, channel, phases, n_modes)
        spectra[channel], report["layer1"][channel] = spectrum, entry
    return spectra


def _readout_report(result) -> dict:
    grid, p = result.grid, result.network.parameters
    return {
        "window": list(p.readout_steps),
        "n_initial_states": p.n_seeds,
        "n_units": int((~grid.background).sum()),
        "eigenvalues": [float(value) for value in grid.readout.eigenvalues],
        "n_clusters": int(grid.clusters.max()),
        "clusters_asked": None if p.segments_cut_tree else p.segments,  # else: a tree cut
        "cluster_separation": p.cluster_separation,
    }


class _Laps:
    def __init__(self):
        self.last, self.seconds = time.perf_counter(), {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage], self.last = now - self.last, now


def _confidence(image, report: dict, result, samples: int, noise: float) -> np.ndarray:
    """Agreement of ``samples`` noisy runs of the same parameters, per pixel."""
    from ..labels import adjusted_rand_index
    from .confidence import label_agreement, sample_labels

    p = result.network.parameters
    labels = sample_labels(image, samples=samples, noise=noise, seed=p.seed, parameters=p)
    consensus, agreement = label_agreement(labels)
    report["confidence"] = {
        "samples": samples,
        "noise": noise,
        "mean_agreement": float(agreement.mean()),
        "uncertain_fraction": float((agreement < _UNCERTAIN).mean()),
        "uncertain_below": _UNCERTAIN,
        "consensus_vs_run_ari": adjusted_rand_index(consensus, result.labels),
        "segments": [
            {"label": label, "mean_agreement": float(agreement[result.labels == label].mean())}
            for label in range(1, result.n_segments + 1)
        ],
    }
    return agreement
