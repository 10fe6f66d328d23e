"""The phase clusters of a run: which layer-2 mode carries each, and how close each came to
being merged with another or split in two, by the clustering's own criterion."""

from __future__ import annotations

import numpy as np

from ..dynamics import LayerSpectrum
from ..readout.clustering import separations, split_separation

# A cluster is flagged when its margin (see cluster_margins) is below this: it was less than
# 1.5 times away from the point where the automatic count would merge or split it.
MARGIN_FLAG = 1.5
# The split test runs 2-means on at most this many units of a cluster (as cluster_units does).
_SPLIT_SAMPLE = 20_000


def cluster_report(spectrum: LayerSpectrum, result, n_modes: int) -> list[dict]:
    """Per phase cluster: units, the mode that carries most of its energy at the last step
    (summed over the initial states), that mode's rotation and growth, and its margins."""
    network, grid = result.network, result.grid
    p = network.parameters
    last = p.readout_steps[1] - p.layer1_steps
    kept = min(n_modes, spectrum.eigenvalues.size)
    growth = (spectrum.eigenvalues[:kept] / abs(spectrum.eigenvalues[0])) ** last
    weights = np.array([spectrum.coefficients(x0, kept) for x0 in network.initial_states])
    weight_energy = np.sum(np.abs(weights * growth) ** 2, axis=0)
    cluster_of_unit = grid.clusters.ravel()[spectrum.units]
    margins = cluster_margins(result)
    clusters = []
    for label in range(1, int(grid.clusters.max()) + 1):
        inside = cluster_of_unit == label
        energy = weight_energy * np.sum(np.abs(spectrum.vectors[inside, :kept]) ** 2, axis=0)
        dominant = int(np.argmax(energy))
        clusters.append(
            {
                "label": label,
                "n_units": int(inside.sum()),
                "dominant_mode": dominant + 1,
                "dominant_share": float(energy[dominant] / energy.sum()),
                "rotation": float(np.angle(spectrum.eigenvalues[dominant])),
                "growth": float(abs(spectrum.eigenvalues[dominant])),
                **margins[label - 1],
            }
        )
    return clusters


def cluster_margins(result) -> list[dict]:
    """How close each phase cluster was to merging with another or splitting in two.

    Both use the clustering's own criterion on the readout features: centre distance over the
    sum of RMS radii, which the automatic count requires to be at least ``cluster_separation``
    (S) between clusters. ``merge_score`` is that score against the nearest other cluster,
    ``split_score`` the score of the best 2-means cut of the cluster itself.
    ``margin = min(merge, S^2 / split) / S`` is below 1 when the cluster, taken on its own,
    fails the criterion against its nearest neighbour or its two halves pass it, i.e. when the
    features alone argue for merging or splitting it.
    """
    grid, p = result.grid, result.network.parameters
    separation = p.cluster_separation
    features = grid.readout.projection
    labels = grid.clusters[~grid.background] - 1
    count = int(grid.clusters.max())
    apart = separations(features, labels, count)
    rng = np.random.default_rng(p.seed)
    margins = []
    for k in range(count):
        merge = apart[k].min()
        members = features[labels == k]
        split = split_separation(members[rng.permutation(len(members))[:_SPLIT_SAMPLE]], rng)
        margin = min(merge, separation**2 / split if split else np.inf) / separation
        margins.append(
            {
                "merge_score": float(merge) if np.isfinite(merge) else None,
                "split_score": float(split),
                "margin": float(margin) if np.isfinite(margin) else None,
                "flagged": bool(margin < MARGIN_FLAG),
            }
        )
    return margins


def drift_report(clusters: list[dict], span: int) -> list[dict]:
    """Phase drift between two clusters over the readout window, from their dominant modes'
    rotations per step."""
    drift = []
    for index, first in enumerate(clusters):
        for second in clusters[index + 1 :]:
            per_step = float(np.angle(np.exp(1j * (first["rotation"] - second["rotation"]))))
            drift.append(
                {
                    "clusters": [first["label"], second["label"]],
                    "per_step": per_step,
                    "over_window": per_step * span,
                }
            )
    return drift
