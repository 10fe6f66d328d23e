"""Each layer of a run, from its exact solution: leading modes, gap, and what they decide.

The network is linear, so ``x_t = sum_k lambda_k^t c_k v_k`` for every unit and step. For layer
1 (one run per channel) the leading modes show why its phases split where they did; for layer 2
(one linear network, one run per initial state) they show which modes carry each cluster and
whether the top R of them alone already give the run's clusters.
"""

from __future__ import annotations

import numpy as np

from ..dynamics import LayerSpectrum, layer_spectrum
from ..dynamics.spectral import resolve_method
from ..labels import adjusted_rand_index
from ..readout import background_mask, cluster_units, phase_readout


def channel_spectrum(network, channel: str, n_modes: int, method: str) -> LayerSpectrum:
    """Leading modes of layer 1 driven by ``channel``, on all units of the working grid (every
    mode where the method is dense)."""
    units = network.shape[0] * network.shape[1]
    method = resolve_method(method, units)
    return layer_spectrum(
        network.layer1,
        network.channels[channel],
        n_modes=None if method == "dense" else n_modes,
        method=method,
    )


def foreground_spectrum(network, foreground: np.ndarray, n_modes: int, method: str):
    """Leading modes of layer 2 on the ``foreground`` units (every mode where the method is
    dense)."""
    units = int(foreground.sum())
    method = resolve_method(method, units)
    return layer_spectrum(
        network.layer2,
        np.where(foreground, network.omega, 0.0),
        foreground=foreground,
        n_modes=None if method == "dense" else min(n_modes, units),
        method=method,
    )


def reconstruction_error(
    spectrum: LayerSpectrum, x0: np.ndarray, step: int, run, n_modes: int | None = None
) -> float:
    """Largest phase difference between the run's state at ``step`` and its reconstruction
    from the first ``n_modes`` modes held (all by default), over the units above 1e-8 of the
    largest (the others carry no phase). ``run`` is the run's state or its phases (NaN where a
    unit is out of the layer)."""
    rebuilt = spectrum.states(x0, [step], n_modes=n_modes)[0]
    run = np.asarray(run)
    phasors = np.exp(1j * np.nan_to_num(run)) if np.isrealobj(run) else run
    magnitude = np.abs(rebuilt)
    visible = magnitude > 1e-8 * magnitude.max(initial=0.0)
    visible &= ~np.isnan(run) if np.isrealobj(run) else True
    if not visible.any():
        return 0.0
    return float(np.abs(np.angle(rebuilt * np.conj(phasors)))[visible].max())


def modes_report(spectrum: LayerSpectrum, n_modes: int, steps: int) -> dict:
    """Leading eigenvalues (growth and rotation per step), gap and conditioning of a layer."""
    magnitudes = np.abs(spectrum.eigenvalues)
    kept = min(n_modes, magnitudes.size)
    report = {
        "n_units": int(spectrum.units.size),
        "method": spectrum.method,
        "modes": [
            {
                "mode": k + 1,
                "real": float(value.real),
                "imag": float(value.imag),
                "growth": float(abs(value)),
                "rotation": float(np.angle(value)),
            }
            for k, value in enumerate(spectrum.eigenvalues[:kept])
        ],
        "gap_1_2": float(magnitudes[0] / magnitudes[1]) if magnitudes.size > 1 else None,
        "condition_number": spectrum.condition_number,
        "condition_scope": f"the {magnitudes.size} leading modes",
    }
    if magnitudes.size > kept:
        # Relative weight, at ``steps``, of the first mode left out of the top-R reconstruction.
        report["next_mode_weight"] = float((magnitudes[kept] / magnitudes[0]) ** steps)
    return report


def side_report(spectrum, network, channel: str, phases: np.ndarray, n_modes: int) -> dict:
    """Layer 1 of one channel as power iteration: the side it cut against its top modes.

    ``phases`` are the run's phases at the mask step; the side they put in the background is
    the run's side. ``top_mode_phase_error`` is how far they are from those of the top mode;
    ``top_r_side_agreement`` the fraction of units on which the top R modes cut the same side;
    ``side_vs_channel_agreement`` the fraction on which the side is the channel's own split at
    its mean (the network as a threshold).
    """
    step = network.parameters.layer1_steps - 1
    x0 = network.initial_states[0]
    run_side = background_mask(phases)
    top = spectrum.states(x0, [step], n_modes=1)[0]
    top_r = spectrum.states(x0, [step], n_modes=n_modes)[0]
    return {
        "background_units": int(run_side.sum()),
        "foreground_units": int((~run_side).sum()),
        "top_mode_phase_error": reconstruction_error(spectrum, x0, step, phases, n_modes=1),
        "reconstruction_phase_error": reconstruction_error(spectrum, x0, step, phases),
        "top_r_side_agreement": float((background_mask(np.angle(top_r)) == run_side).mean()),
        "top_mode_side_agreement": float((background_mask(np.angle(top)) == run_side).mean()),
        "side_vs_channel_agreement": float(
            (background_mask(network.channels[channel]) == run_side).mean()
        ),
    }


def top_r_clusters(spectrum: LayerSpectrum, result, n_modes: int) -> np.ndarray:
    """Clusters read out from the top-R modes of layer 2 alone, by the run's own readout.

    Every initial state's readout window is rebuilt from the top ``n_modes`` modes, the windows
    are pooled as the run pooled them, and the pooled phases are clustered into as many clusters
    as the run found, with the run's seed. Returns grid labels (0: background).
    """
    network, grid = result.network, result.grid
    p = network.parameters
    offset = p.layer1_steps
    steps = range(p.readout_steps[0] - offset, p.readout_steps[1] - offset + 1)
    windows = [_unit_phasors(spectrum, x0, steps, n_modes) for x0 in network.initial_states]
    readout = phase_readout(np.concatenate(windows), n_modes=p.n_modes)
    clusters = np.zeros_like(grid.clusters)
    clusters.ravel()[spectrum.units] = 1 + cluster_units(
        readout.projection,
        n_segments=int(grid.clusters.max()),
        max_segments=p.max_segments,
        seed=p.seed,
        separation=p.cluster_separation,
        restarts=p.cluster_restarts,
    )
    return clusters


def _unit_phasors(spectrum: LayerSpectrum, x0, steps, n_modes: int) -> np.ndarray:
    states = spectrum.states(x0, steps, n_modes=n_modes)
    states = states.reshape(len(states), -1)[:, spectrum.units]
    magnitudes = np.abs(states)
    return np.divide(states, magnitudes, out=np.zeros_like(states), where=magnitudes > 0)


def top_r_agreement(spectrum: LayerSpectrum, result, n_modes: int) -> float:
    """ARI of the top-R clusters against the run's clusters, over the foreground units."""
    top = top_r_clusters(spectrum, result, n_modes)
    units = spectrum.units
    return adjusted_rand_index(top.ravel()[units], result.grid.clusters.ravel()[units])
