"""Exact linear response of a run's readout to the image's intensities.

The network is linear, so the first-order change of every phase of a run along a change of
the frequencies is exact: :func:`wavesegment.dynamics.tangent.tangent_run` steps it beside the
run (forward mode), for many directions at once, without re-running anything per pixel.

The directions are random +-1 changes of every unit's intensity on the working grid, in units
of the image's standard deviation, carried through the z-scoring exactly (its mean and
standard deviation depend on every pixel). For each direction the change of each unit's two
decisions follows in closed form:

- layer 1's mask: the unit's phase at the mask step against the mean phase (luminance channel;
  the a*, b* sides are held, a luminance change being a change of gray);
- the phase clusters: the margin ``|f_j - c_other| - |f_j - c_own|`` of the unit's readout
  features ``f = Re(rho) Re(V)`` to the nearest other cluster centre, with the similarity rho
  and the centres recomputed and the similarity's eigenvectors V held at the run's.

The root mean square over directions of a margin's change is the norm of its gradient: the
standard deviation of its first-order change under independent pixel noise of one standard
deviation of the image. A margin over that response (``flip``) is the noise, in standard
deviations of the image, at which the unit's decision would flip at one sigma of the linear
response. Low values mark fragile pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..dynamics.tangent import tangent_run

if TYPE_CHECKING:
    from ..segmentation import SegmentationResult

# A unit whose flip value is below this counts as fragile in the report: pixel noise of a
# quarter of the image's standard deviation would flip it at one sigma (on the bundled
# two-shapes image most units lie near 0.5).
FRAGILE = 0.25


def frequency_changes(omega: np.ndarray, intensity_changes: np.ndarray, mode: str) -> np.ndarray:
    """``d omega`` for changes of the intensities, through the z-scoring exactly.

    With ``omega = (I - mean I) / std I`` and changes given in units of ``std I``:
    ``d omega = dI - mean(dI) - omega mean(omega dI)``. With ``mode="raw"`` omega is the
    intensity itself and the changes pass unchanged.

    Examples
    --------
    >>> omega = np.array([-1.0, 1.0])
    >>> frequency_changes(omega, np.array([[1.0, 1.0], [1.0, -1.0]]), "zscore").tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    if mode == "raw":
        return np.asarray(intensity_changes, dtype=np.float64)
    axes = tuple(range(1, intensity_changes.ndim))
    centred = intensity_changes - intensity_changes.mean(axis=axes, keepdims=True)
    spread = np.mean(omega * intensity_changes, axis=axes, keepdims=True)
    return centred - omega * spread


def cluster_margins(
    features: np.ndarray, clusters: np.ndarray, feature_changes: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Each unit's margin ``|f - c_other| - |f - c_own|`` and, optionally, its changes.

    Parameters
    ----------
    features : (n_units, n_features) ndarray
    clusters : (n_units,) int ndarray
        Cluster of each unit, 0..k-1.
    feature_changes : (n_directions, n_units, n_features) ndarray, optional
        Changes of the features; the centres (cluster means) change with them.

    Returns
    -------
    margins : (n_units,) ndarray
        Distance to the nearest other centre minus distance to the unit's own; infinite with
        one cluster.
    changes : (n_directions, n_units) ndarray or None
        The first-order changes of the margins.

    Examples
    --------
    >>> features = np.array([[0.0], [1.0], [5.0], [6.0]])
    >>> cluster_margins(features, np.array([0, 0, 1, 1]))[0].tolist()
    [5.0, 4.0, 4.0, 5.0]
    """
    k = int(clusters.max()) + 1
    counts = np.bincount(clusters, minlength=k)
    centres = np.stack([features[clusters == c].mean(axis=0) for c in range(k)])
    if k < 2:
        changes = None if feature_changes is None else np.zeros(feature_changes.shape[:2])
        return np.full(len(features), np.inf), changes
    offsets = features[:, None, :] - centres[None]  # (units, k, features)
    distances = np.linalg.norm(offsets, axis=2)
    own = np.arange(len(features)), clusters
    others = distances.copy()
    others[own] = np.inf
    other = others.argmin(axis=1)
    nearest = np.arange(len(features)), other
    margins = others[nearest] - distances[own]
    if feature_changes is None:
        return margins, None
    one_hot = np.eye(k)[clusters] / counts  # (units, k): mean over each cluster
    centre_changes = np.einsum("uk,dur->dkr", one_hot, feature_changes)
    directions = offsets / np.maximum(distances, 1e-300)[:, :, None]
    changes = np.zeros(feature_changes.shape[:2])
    for sign, index in ((1.0, other), (-1.0, clusters)):
        unit = directions[np.arange(len(features)), index]  # (units, features)
        relative = feature_changes - centre_changes[:, index]
        changes += sign * np.einsum("ur,dur->du", unit, relative)
    return margins, changes


def readout_features(
    phasors: np.ndarray, real_modes: np.ndarray, phase_changes: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Features ``Re(rho) Re(V)`` of a window of phasors, V held, and their changes.

    Parameters
    ----------
    phasors : (L, n_units) complex ndarray
        Unit phasors of the pooled readout window.
    real_modes : (n_units, n_modes) ndarray
        ``Re(V)``, the similarity's eigenvectors (held fixed).
    phase_changes : (n_directions, L, n_units) ndarray, optional
        Changes of the phases.

    Returns
    -------
    features : (n_units, n_modes) ndarray
    changes : (n_directions, n_units, n_modes) ndarray or None

    Examples
    --------
    >>> from wavesegment.readout import phase_readout
    >>> t = np.arange(41)[:, None]
    >>> phasors = np.exp(1j * np.hstack([0.1 * t.repeat(5, 1), 0.3 * t.repeat(5, 1)]))
    >>> readout = phase_readout(phasors)
    >>> features, _ = readout_features(phasors, readout.modes.real)
    >>> bool(np.allclose(features, readout.projection))
    True
    """
    length = len(phasors)
    back = phasors.conj() @ real_modes  # (L, n_modes): X^H Re(V)
    features = (phasors.T @ back).real / length
    if phase_changes is None:
        return features, None
    changes = np.empty((len(phase_changes), *features.shape))
    for direction, phase_change in enumerate(phase_changes):
        moved = 1j * phasors * phase_change  # d exp(i theta)
        changes[direction] = (moved.T @ back + phasors.T @ (moved.conj() @ real_modes)).real
    return features, changes / length


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """What :func:`sensitivity` returns; maps on the working grid unless said otherwise.

    Responses are root mean squares over the probe directions: the standard deviation of the
    first-order change under independent pixel noise of one standard deviation of the image.

    Attributes
    ----------
    flip : (rows, cols) ndarray
        At the image's size: the smaller of the unit's margins over their responses (mask, and
        phase cluster on the foreground). Low: fragile; negative: on the wrong side already.
    mask_margin, mask_response : (grid rows, grid cols) ndarray
        Distance of the layer-1 phase from the mean it is split at (rad), and its response.
    cluster_margin, cluster_response : (grid rows, grid cols) ndarray
        The readout-feature margin to the nearest other cluster and its response (NaN off the
        foreground; the margin is infinite with one cluster).
    phase_response : (grid rows, grid cols) ndarray
        Response of the unit's layer-2 readout phases, relative to the foreground's mean
        phase at each step (rad; NaN off the foreground).
    probes : int
        Number of random directions.
    """

    flip: np.ndarray
    mask_margin: np.ndarray = field(repr=False)
    mask_response: np.ndarray = field(repr=False)
    cluster_margin: np.ndarray = field(repr=False)
    cluster_response: np.ndarray = field(repr=False)
    phase_response: np.ndarray = field(repr=False)
    probes: int = 0

    @property
    def grid_flip(self) -> np.ndarray:
        """``flip`` on the working grid."""
        return _flip(
            self.mask_margin, self.mask_response, self.cluster_margin, self.cluster_response
        )


def sensitivity(
    result: SegmentationResult, *, probes: int = 8, seed: int | None = None
) -> Sensitivity:
    """The exact linear response of a run's mask and phase clusters to its pixels.

    Parameters
    ----------
    result : SegmentationResult
        The run, with the network that ran it.
    probes : int
        Random +-1 directions of the grid intensities (each costs about one more run of both
        layers); the responses are estimated from them, each one exactly.
    seed : int, optional
        Seed of the directions (default: the run's seed).

    Returns
    -------
    Sensitivity

    Examples
    --------
    >>> from wavesegment import segment
    >>> from wavesegment.evaluation.shapes import shapes_image
    >>> image, _ = shapes_image(2, seed=1)
    >>> result = segment(image, preset="published", seed=1)
    >>> found = sensitivity(result, probes=2)
    >>> found.flip.shape, bool(np.nanmedian(found.cluster_response) > 0)
    ((32, 32), True)
    """
    from ..dynamics.engines import one_blas_thread
    from ..preparation.grid import to_native

    if not isinstance(probes, int | np.integer) or probes < 1:
        raise ValueError(f"probes must be an integer of at least 1, not {probes!r}")
    network, grid = result.network, result.grid
    p = network.parameters
    rng = np.random.default_rng(p.seed if seed is None else seed)
    signs = rng.choice([-1.0, 1.0], size=(probes, *network.shape))
    foreground = ~grid.background
    cluster_margin = np.full(network.shape, np.nan)
    cluster_response = np.full(network.shape, np.nan)
    phase_response = np.full(network.shape, np.nan)
    with one_blas_thread():
        mask_margin, mask_response = _mask_response(network, signs)
        if foreground.any():
            margins, changes, phases = _cluster_response(network, grid, signs)
            cluster_margin[foreground] = margins
            cluster_response[foreground] = _rms(changes)
            phase_response[foreground] = phases
    flip = _flip(mask_margin, mask_response, cluster_margin, cluster_response)
    return Sensitivity(
        flip=to_native(flip, result.labels.shape),
        mask_margin=mask_margin,
        mask_response=mask_response,
        cluster_margin=cluster_margin,
        cluster_response=cluster_response,
        phase_response=phase_response,
        probes=probes,
    )


def _flip(mask_margin, mask_response, cluster_margin, cluster_response) -> np.ndarray:
    """The smaller of the margins over their responses (the mask's alone off the foreground)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.fmin(mask_margin / mask_response, cluster_margin / cluster_response)


def _rms(changes: np.ndarray) -> np.ndarray:
    return np.sqrt(np.mean(changes**2, axis=0))


def _mask_response(network, signs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Layer 1 (luminance): each unit's phase distance from the mean, and its response."""
    from ..network import LUMINANCE

    p = network.parameters
    omega = network.channels[LUMINANCE]
    run = tangent_run(
        network.layer1,
        omega,
        network.initial_states[0],
        frequency_changes(omega, signs, p.frequency_mode),
        n_steps=p.layer1_steps - 1,
        record_from=p.layer1_steps - 1,
    )
    phases, changes = np.angle(run.phasors[0]), run.phase_changes[:, 0]
    offset = phases - phases.mean()
    moved = np.sign(offset) * (changes - changes.mean(axis=(1, 2), keepdims=True))
    return np.abs(offset), _rms(moved)


def _cluster_response(network, grid, signs: np.ndarray):
    """Layer 2 on the foreground, every initial state: margins, their changes per direction,
    and the response of the readout phases."""
    p = network.parameters
    foreground = ~grid.background
    first, last = p.readout_steps
    changes = frequency_changes(network.omega, signs, p.frequency_mode)
    phasors, phase_changes = [], []
    for x0 in network.initial_states:
        run = tangent_run(
            network.layer2,
            network.omega,
            x0,
            changes,
            n_steps=last - p.layer1_steps,
            record_from=first - p.layer1_steps,
            foreground=foreground,
        )
        phasors.append(run.phasors[:, foreground])
        phase_changes.append(run.phase_changes[:, :, foreground].astype(np.float32))
    phasors, phase_changes = np.concatenate(phasors), np.concatenate(phase_changes, axis=1)
    features, feature_changes = readout_features(phasors, grid.readout.modes.real, phase_changes)
    margins, margin_changes = cluster_margins(
        features, grid.clusters[foreground] - 1, feature_changes
    )
    # Relative to the foreground's mean phase at each step, to which the readout is blind.
    relative = phase_changes - phase_changes.mean(axis=2, keepdims=True)
    phases = _rms(relative.reshape(-1, len(margins))) if len(signs) else np.nan
    return margins, margin_changes, phases


def sensitivity_report(found: Sensitivity, result: SegmentationResult) -> dict:
    """The JSON-ready summary of ``found`` for the explanation report (``"sensitivity"``).

    Medians over units; a value that is not finite (one cluster: no margin) is None.
    """
    flip = found.flip
    clusters = result.grid.clusters
    grid_flip = found.grid_flip
    return {
        "probes": found.probes,
        "units": "responses per pixel noise of one standard deviation of the image, margins "
        "in rad (mask) and feature units (clusters); flip = margin / response",
        "fragile_below": FRAGILE,
        "fragile_fraction": float(np.mean(flip < FRAGILE)),
        "median_flip": _number(np.median(flip)),
        "mask": {
            "median_margin": _number(np.median(found.mask_margin)),
            "median_response": _number(np.median(found.mask_response)),
        },
        "phase_response": _number(np.median(found.phase_response[clusters > 0]))
        if clusters.any()
        else None,
        "clusters": [
            {
                "cluster": label,
                "units": int(np.sum(clusters == label)),
                "median_margin": _number(np.median(found.cluster_margin[clusters == label])),
                "median_response": _number(np.median(found.cluster_response[clusters == label])),
                "median_flip": _number(np.median(grid_flip[clusters == label])),
            }
            for label in range(1, int(clusters.max()) + 1)
        ],
    }


def flip_picture(flip: np.ndarray) -> np.ndarray:
    """``flip`` as a [0, 1] gray picture: black where a unit is on the wrong side or at the
    threshold, mid-gray at :data:`FRAGILE`, white towards robust.

    Examples
    --------
    >>> flip_picture(np.array([-1.0, 0.0, 0.25, np.inf])).tolist()
    [0.0, 0.0, 0.5, 1.0]
    """
    positive = np.clip(np.nan_to_num(flip, nan=np.inf), 0, None)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(positive), 1.0, positive / (positive + FRAGILE))


def _number(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None
