"""Why the network segments the way it does, from the exact solution of each layer.

:func:`explain` runs :func:`wavesegment.segment`, decomposes both layers
(:mod:`wavesegment.spectral`) and relates the result to the leading modes: their growth and
rotation, which mode dominates each segment, the phase drift between segments that the
rotations predict over the readout window, how much of the segmentation the top R modes
already give, and how close each segment was to being split or merged. Everything lands in one
JSON-ready dict; the arrays for pictures stay on the returned :class:`Explanation`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..dynamics.spectral import LayerSpectrum, layer_spectrum
from ..evaluation.metrics import adjusted_rand_index
from ..network.coupling import GaussianCoupling
from ..network.units import frequencies, random_initial_state
from ..preparation.intensity import to_grayscale
from ..readout.clustering import SEPARATION, cluster_units, separations, split_separation
from ..readout.phases import phase_readout
from ..segmentation import SegmentationResult, background_mask, segment
from .confidence import label_agreement, sample_labels

# A segment is flagged when its margin (see _segment_margins) is below this: it was less than
# 1.5 times away from the point where the automatic count would merge or split it.
_MARGIN_FLAG = 1.5
# The split test runs 2-means on at most this many units of a segment (as cluster_units does).
_SPLIT_SAMPLE = 20_000
# Pixels whose agreement across noisy samples is below this are counted as uncertain.
_UNCERTAIN = 0.9


@dataclass(frozen=True)
class Explanation:
    """What :func:`explain` returns.

    Attributes
    ----------
    report : dict
        All numbers, JSON-serialisable (see :func:`explain`).
    result : SegmentationResult
        The segmentation explained.
    layers : tuple of LayerSpectrum
        Leading modes of layer 1 (whole image) and layer 2 (foreground).
    agreement : (rows, cols) ndarray or None
        Per-pixel agreement across noisy samples, if any were run.
    """

    report: dict
    result: SegmentationResult
    layers: tuple[LayerSpectrum, LayerSpectrum]
    agreement: np.ndarray | None = None


def explain(
    image: np.ndarray,
    *,
    n_modes: int | None = None,
    method: str = "auto",
    samples: int = 0,
    noise: float = 0.0,
    **segment_options,
) -> Explanation:
    """Segment ``image`` and explain the result with the eigenmodes of both layers.

    The run explained is the published network (preset ``"published"``): one initial state,
    two linear layers at native resolution, whose whole run the eigenmodes describe. The
    ``"natural"`` preset's seed consensus, working grid and region steps are not one linear run.

    Parameters
    ----------
    image : (rows, cols) or (rows, cols, 3|4) array
    n_modes : int, optional
        R, the leading modes described and used for the top-R reconstruction. By default the
        number of object segments found (at least 1).
    method : {"auto", "dense", "sparse"}
        Eigensolver (see :func:`wavesegment.dynamics.layer_spectrum`).
    samples : int
        Noisy runs for the per-pixel agreement map (0: none).
    noise : float
        Relative noise of those runs (see :func:`wavesegment.dynamics.evolve`); the run that is
        explained is noiseless.
    **segment_options
        Passed on to :func:`wavesegment.segment` with ``preset="published"`` (seed, segments,
        layer parameters, ...).

    Returns
    -------
    Explanation
        ``report`` holds ``"layer1"`` and ``"layer2"`` (leading eigenvalues with growth and
        rotation, spectral gap, condition number, agreement of the top-R reconstruction with
        the full run), ``"layer1"["top_mode_phase_error"]`` (how far the mask phases are from
        those of the top mode alone), ``"segments"`` (size, dominant mode, rotation, margin),
        ``"drift"`` (predicted phase drift between segments over the readout window) and, with
        samples, ``"confidence"``.

    Examples
    --------
    >>> from wavesegment.evaluation.shapes import shapes_image
    >>> image, truth = shapes_image(2, seed=1)
    >>> explanation = explain(image, seed=1, n_modes=4)  # two modes per object
    >>> explanation.report["layer2"]["top_r_ari"]
    1.0
    """
    segment_options = {**segment_options, "preset": "published"}
    result = segment(image, **segment_options)
    timings = {"segment": result.timings["total"]}
    clock = [time.perf_counter()]

    def lap(stage: str) -> None:
        now = time.perf_counter()
        timings[stage], clock[0] = now - clock[0], now

    parameters = result.parameters
    gray = to_grayscale(image)
    omega = frequencies(gray, mode=parameters["frequency_mode"])
    x0 = segment_options.get("initial_state")
    if x0 is None:
        x0 = random_initial_state(gray.shape, parameters["seed"])
    n_modes = n_modes or max(result.n_segments, 1)
    mask_step = parameters["layer1_steps"] - 1
    first, last = (step - parameters["layer1_steps"] for step in parameters["readout_steps"])
    foreground = ~result.background

    # One more mode than described, to report the gap that the top-R reconstruction relies on.
    layer1 = layer_spectrum(
        GaussianCoupling(
            gray.shape, alpha=parameters["layer1_alpha"], sigma=parameters["layer1_sigma"]
        ),
        omega,
        n_modes=n_modes + 1,
        method=method,
    )
    report = {
        "image": {"rows": gray.shape[0], "cols": gray.shape[1]},
        "parameters": parameters,
        "n_modes": n_modes,
        "n_segments": result.n_segments,
        "layer1": _layer_report(layer1, n_modes, mask_step),
        "timings": timings,
    }
    report["layer1"].update(_mask_checks(layer1, x0, omega, result, n_modes, mask_step))
    lap("layer1")
    if not foreground.any():
        return Explanation(report, result, (layer1, layer1))

    layer2 = layer_spectrum(
        GaussianCoupling(
            gray.shape, alpha=parameters["layer2_alpha"], sigma=parameters["layer2_sigma"]
        ),
        np.where(foreground, omega, 0.0),
        foreground=foreground,
        n_modes=min(n_modes + 1, int(foreground.sum())),
        method=method,
    )
    report["layer2"] = _layer_report(layer2, n_modes, last)
    lap("layer2_modes")
    window = _top_r_phasors(layer2, x0, range(first, last + 1), n_modes)
    report["layer2"]["top_r_ari"] = adjusted_rand_index(
        _top_r_labels(window, result), result.labels
    )
    lap("top_r_labels")
    report["segments"] = _segment_report(layer2, x0, result, n_modes, last)
    report["drift"] = _drift_report(report["segments"], last - first)
    lap("segments")
    agreement = None
    if samples:
        agreement = _confidence_report(image, report, result, samples, noise, segment_options)
        lap("samples")
    return Explanation(report, result, (layer1, layer2), agreement)


def _mode_list(spectrum: LayerSpectrum, n_modes: int) -> list[dict]:
    return [
        {
            "mode": k + 1,
            "real": float(value.real),
            "imag": float(value.imag),
            "growth": float(abs(value)),
            "rotation": float(np.angle(value)),
        }
        for k, value in enumerate(spectrum.eigenvalues[:n_modes])
    ]


def _layer_report(spectrum: LayerSpectrum, n_modes: int, steps: int) -> dict:
    magnitudes = np.abs(spectrum.eigenvalues)
    kept = min(n_modes, magnitudes.size)
    report = {
        "n_units": int(spectrum.units.size),
        "method": spectrum.method,
        "modes": _mode_list(spectrum, kept),
        "gap_1_2": float(magnitudes[0] / magnitudes[1]) if magnitudes.size > 1 else None,
        "condition_number": spectrum.condition_number,
        "condition_scope": f"the {magnitudes.size} leading modes",
    }
    if magnitudes.size > kept:
        # Relative weight of the first mode left out of the top-R reconstruction at ``steps``.
        report["next_mode_weight"] = float((magnitudes[kept] / magnitudes[0]) ** steps)
    return report


def _mask_checks(layer1, x0, omega, result, n_modes, mask_step) -> dict:
    """Layer 1 as power iteration: mask phases against the top mode and the intensity split."""
    top = layer1.states(x0, [mask_step], n_modes=1)[0]
    deviation = np.angle(np.exp(1j * result.mask_phases) * np.exp(-1j * np.angle(top)))
    top_r_mask = background_mask(np.angle(layer1.states(x0, [mask_step], n_modes=n_modes)[0]))
    return {
        "top_mode_phase_error": float(np.abs(deviation).max()),
        "top_r_mask_agreement": float((top_r_mask == result.background).mean()),
        "mask_vs_intensity_agreement": float((background_mask(omega) == result.background).mean()),
    }


def _top_r_phasors(spectrum: LayerSpectrum, x0, steps, n_modes: int) -> np.ndarray:
    states = spectrum.states(x0, steps, n_modes=n_modes)
    states = states.reshape(len(states), -1)[:, spectrum.units]
    magnitudes = np.abs(states)
    return np.divide(states, magnitudes, out=np.zeros_like(states), where=magnitudes > 0)


def _top_r_labels(window: np.ndarray, result: SegmentationResult) -> np.ndarray:
    """Labels read out from the top-R phases by the run's readout, segment count and seed."""
    parameters = result.parameters
    projection = phase_readout(window, n_modes=parameters["n_modes"]).projection
    labels = np.zeros_like(result.labels)
    labels.ravel()[np.flatnonzero(~result.background)] = 1 + cluster_units(
        projection, n_segments=result.n_segments, seed=parameters["seed"]
    )
    return labels


def _segment_report(layer2, x0, result, n_modes, last) -> list[dict]:
    """Per segment: size, the mode that carries most of its energy at the last step, margin."""
    n_kept = min(n_modes, layer2.eigenvalues.size)
    weights = (
        layer2.coefficients(x0, n_kept)
        * (layer2.eigenvalues[:n_kept] / abs(layer2.eigenvalues[0])) ** last
    )
    segment_of_unit = result.labels.ravel()[layer2.units]
    margins = _segment_margins(result)
    segments = []
    for label in range(1, result.n_segments + 1):
        inside = segment_of_unit == label
        energy = np.abs(weights) ** 2 * np.sum(np.abs(layer2.vectors[inside, :n_kept]) ** 2, axis=0)
        dominant = int(np.argmax(energy))
        segments.append(
            {
                "label": label,
                "n_pixels": int(inside.sum()),
                "dominant_mode": dominant + 1,
                "dominant_share": float(energy[dominant] / energy.sum()),
                "rotation": float(np.angle(layer2.eigenvalues[dominant])),
                "growth": float(abs(layer2.eigenvalues[dominant])),
                **margins[label - 1],
            }
        )
    return segments


def _segment_margins(result: SegmentationResult) -> list[dict]:
    """How close each segment was to merging with another or splitting in two.

    Both use the clustering's own criterion on the readout features: centre distance over the
    sum of RMS radii, which the automatic count requires to be at least 2.5 between clusters.
    ``merge`` is that score against the nearest other segment, ``split`` the score of the best
    2-means cut of the segment itself. ``margin = min(merge, 2.5^2 / split) / 2.5`` is below 1
    when the segment, taken on its own, fails the criterion against its nearest neighbour or
    its two halves pass it, i.e. when the features alone argue for merging or splitting it.
    """
    features = result.readout.projection
    labels = result.labels[~result.background] - 1
    count = result.n_segments
    apart = separations(features, labels, count)
    rng = np.random.default_rng(result.parameters["seed"])
    margins = []
    for k in range(count):
        merge = apart[k].min()
        members = features[labels == k]
        split = split_separation(members[rng.permutation(len(members))[:_SPLIT_SAMPLE]], rng)
        margin = min(merge, SEPARATION**2 / split if split else np.inf) / SEPARATION
        margins.append(
            {
                "merge_score": float(merge) if np.isfinite(merge) else None,
                "split_score": float(split),
                "margin": float(margin) if np.isfinite(margin) else None,
                "flagged": bool(margin < _MARGIN_FLAG),
            }
        )
    return margins


def _drift_report(segments: list[dict], span: int) -> list[dict]:
    """Phase drift between two segments over the window, from their dominant modes' rotations."""
    drift = []
    for index, first in enumerate(segments):
        for second in segments[index + 1 :]:
            per_step = float(np.angle(np.exp(1j * (first["rotation"] - second["rotation"]))))
            drift.append(
                {
                    "segments": [first["label"], second["label"]],
                    "per_step": per_step,
                    "over_window": per_step * span,
                }
            )
    return drift


def _confidence_report(image, report, result, samples, noise, segment_options) -> np.ndarray:
    options = {key: value for key, value in segment_options.items() if key != "seed"}
    labels = sample_labels(
        image, samples=samples, noise=noise, seed=result.parameters["seed"], **options
    )
    consensus, agreement = label_agreement(labels)
    report["confidence"] = {
        "samples": samples,
        "noise": noise,
        "mean_agreement": float(agreement.mean()),
        "uncertain_fraction": float((agreement < _UNCERTAIN).mean()),
        "uncertain_below": _UNCERTAIN,
        "consensus_vs_run_ari": adjusted_rand_index(consensus, result.labels),
    }
    for entry in report["segments"]:
        entry["mean_agreement"] = float(agreement[result.labels == entry["label"]].mean())
    return agreement
