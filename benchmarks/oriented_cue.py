"""The oriented colour contrast along a border as two more cues of the learned linkage, for
``linkage_ablation.py --oriented`` (measured, not shipped: see README, "Grouping cues").

``oriented_colour`` and ``oriented_colour_coarse`` are the means, over the 4-neighbour pixel
pairs of two regions' common border, of :func:`wavesegment.grouping.contours.oriented_contrast`
of the soft CIELAB histograms at a grid cell and at twice it (the larger of the two pixels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from wavesegment.grouping.adjacency import neighbour_pairs
from wavesegment.grouping.contours import colour_codes, oriented_contrast
from wavesegment.grouping.linkage import CUES, CueGraph, Linkage

ORIENTED_CUES = ("oriented_colour", "oriented_colour_coarse")


def oriented_maps(lab: np.ndarray, cell: float) -> dict[str, np.ndarray]:
    """The two per-pixel maps, to add to a photo's cue maps (:func:`.linkage.cue_maps`)."""
    maps = oriented_contrast(colour_codes(lab), lab.shape[:2], scales=(cell, 2 * cell))
    return dict(zip(ORIENTED_CUES, maps, strict=True))


@dataclass(frozen=True)
class OrientedLinkage(Linkage):
    """The learned linkage's logistic model over the 12 cues and the two oriented ones."""

    names: ClassVar[tuple[str, ...]] = (*CUES, *ORIENTED_CUES)

    def parts(self, cues: np.ndarray) -> dict[str, float]:
        """:meth:`Linkage.parts` of the 12 cues, the oriented ones counted as "edge"."""
        known = len(CUES)
        base = Linkage(
            self.weights[:known], self.bias, self.centre[:known], self.scale[:known]
        ).parts(cues[:known])
        base["edge"] += float(self.terms(cues)[known:].sum())
        return base

    def graph(self, labels: np.ndarray, lab: np.ndarray, maps: dict) -> CueGraph:
        return OrientedGraph(labels, lab, maps, self)


class OrientedGraph(CueGraph):
    """:class:`CueGraph` with, per common border, the sums of the two oriented maps."""

    def __init__(self, labels: np.ndarray, lab: np.ndarray, maps: dict, linkage: Linkage):
        super().__init__(labels, lab, maps, linkage)
        n_regions = self.sizes.size
        first, second, _ = neighbour_pairs(labels)
        values = [neighbour_pairs(labels, maps[name])[2] for name in ORIENTED_CUES]
        key = np.minimum(first, second) * n_regions + np.maximum(first, second)
        keys, inverse = np.unique(key, return_inverse=True)
        sums = np.stack([np.bincount(inverse, v, keys.size) for v in values], axis=1)
        self.oriented = [{} for _ in range(n_regions)]
        for pair, total in zip(keys, sums, strict=True):
            a, b = divmod(int(pair), n_regions)
            self.oriented[a][b] = self.oriented[b][a] = total

    def pair_cues(self, first, second) -> np.ndarray:
        """The 12 cues of :meth:`CueGraph.pair_cues`, then the oriented maps' border means."""
        pairs = list(zip(np.asarray(first).tolist(), np.asarray(second).tolist(), strict=True))
        oriented = np.array([self.oriented[a][b] / self.borders[a][b][0] for a, b in pairs])
        return np.column_stack([super().pair_cues(first, second), oriented])

    def merge(self, a: int, b: int) -> None:
        oriented = self.oriented
        del oriented[a][b], oriented[b][a]
        for other, total in oriented[b].items():
            del oriented[other][b]
            oriented[a][other] = oriented[other][a] = oriented[a].get(other, 0.0) + total
        oriented[b] = {}
        super().merge(a, b)
