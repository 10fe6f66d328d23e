"""The colour cost of the merge tree (``merge_linkage="colour"``, and signals and volumes).

A :class:`RegionGraph` holds the regions' sizes and feature statistics and their common
borders, updated as regions merge; :func:`merge_greedily` merges the cheapest adjacent pair
first from a heap of pair costs. :mod:`.tree` builds the tree with them (or with the learned
linkage's graph, :mod:`.linkage`); the cost is described in
:func:`~wavesegment.grouping.merge_similar_regions`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .adjacency import neighbour_pairs


@dataclass(frozen=True)
class CostConstants:
    """The constants of the merging cost (see :func:`merge_similar_regions`)."""

    size_exponent: float
    texture_spread: float
    edge_weight: float
    texture_edges: float


def check_constants(constants: CostConstants) -> None:
    if not constants.texture_spread > 0:
        raise ValueError(f"texture_spread must be positive, got {constants.texture_spread}")
    if not constants.texture_edges > 0:
        raise ValueError(f"texture_edges must be positive, got {constants.texture_edges}")
    if not constants.edge_weight >= 0:
        raise ValueError(f"edge_weight must be at least 0, got {constants.edge_weight}")


class RegionGraph:
    """Regions 0..n-1 of a label image: their sizes and feature statistics, and their common
    borders (``borders[a][b] = [edge sum, pixel pairs]``), kept up to date as they merge.

    A merged region keeps the number of the first of the two; ``into[b]`` is the region ``b``
    went into, and ``version[a]`` counts the merges into ``a`` (to spot stale heap entries).
    """

    def __init__(self, labels, features, edges, constants: CostConstants):
        n_regions = int(labels.max()) + 1
        flat = [np.asarray(f, dtype=np.float64).ravel() for f in features]
        edges = np.zeros(labels.shape) if edges is None else np.asarray(edges, dtype=np.float64)
        sizes = np.bincount(labels.ravel(), minlength=n_regions).astype(float)

        def region_means(values: np.ndarray) -> np.ndarray:
            return np.bincount(labels.ravel(), values, n_regions) / sizes

        self.sizes = sizes
        self.means = np.stack([region_means(f) for f in flat], axis=1)
        self.squares = np.stack([region_means(f**2) for f in flat], axis=1)
        self.texture = region_means(edges.ravel())
        self.borders = _borders(labels, edges, n_regions)
        self.n_pixels = float(labels.size)
        self.constants = constants
        self.into = np.arange(n_regions)
        self.version = np.zeros(n_regions, dtype=np.intp)

    def cost_parts(self, a: int, b: int) -> tuple[float, float, float]:
        """The difference and edge terms of the cost of merging a and b, and its size factor."""
        c, sizes, means, texture = self.constants, self.sizes, self.means, self.texture
        variances = np.maximum(self.squares[[a, b]] - means[[a, b]] ** 2, 0).sum(axis=1)
        difference = np.linalg.norm(means[a] - means[b])
        difference /= np.sqrt(1 + variances.mean() / c.texture_spread**2)
        edge_sum, count = self.borders[a][b]
        inside = (sizes[a] * texture[a] + sizes[b] * texture[b]) / (sizes[a] + sizes[b])
        edge = c.edge_weight * edge_sum / count / (1 + inside / c.texture_edges)
        harmonic = sizes[a] * sizes[b] / (sizes[a] + sizes[b]) / self.n_pixels
        return difference, edge, (4 * harmonic) ** c.size_exponent

    def cost(self, a: int, b: int) -> float:
        difference, edge, size_factor = self.cost_parts(a, b)
        return float(difference + edge) * size_factor

    def costs(self, first, second) -> np.ndarray:
        """The costs of merging ``first[i]`` and ``second[i]``, pair by pair."""
        return np.array([self.cost(a, b) for a, b in zip(first, second, strict=True)])

    def cost_terms(self, a: int, b: int) -> dict[str, float]:
        """The parts of the cost that a merge's log entry reports."""
        difference, edge, size_factor = self.cost_parts(a, b)
        return {"difference": difference, "edge": edge, "size_factor": size_factor}

    @staticmethod
    def apart_terms() -> dict[str, float]:
        """The parts of the infinite cost of joining regions that never touch."""
        return {"difference": np.inf, "edge": 0.0, "size_factor": 1.0}

    def border_pixels(self, a: int, b: int) -> float:
        """The 4-neighbour pixel pairs of the common border of a and b (0: none)."""
        return self.borders[a].get(b, [0.0, 0.0])[1]

    def merge(self, a: int, b: int) -> None:
        """Region b joins region a: statistics pooled, borders joined."""
        sizes, borders = self.sizes, self.borders
        weights = sizes[[a, b]] / (sizes[a] + sizes[b])
        for statistic in (self.means, self.squares, self.texture):
            statistic[a] = weights[0] * statistic[a] + weights[1] * statistic[b]
        sizes[a] += sizes[b]
        self.into[b] = a
        self.version[a] += 1
        del borders[a][b], borders[b][a]
        for other, border in borders[b].items():
            del borders[other][b]
            joined = [x + y for x, y in zip(borders[a].get(other, [0.0, 0.0]), border, strict=True)]
            borders[a][other] = borders[other][a] = joined
        borders[b] = {}


def _borders(labels: np.ndarray, edges: np.ndarray, n_regions: int) -> list[dict]:
    """``borders[a][b] = [sum of edges, number]`` over the 4-neighbour pixel pairs of a and b,
    the edge of a pair being the larger of its two pixels'."""
    first, second, strength = neighbour_pairs(labels, edges)
    key = np.minimum(first, second) * n_regions + np.maximum(first, second)
    pair_keys, inverse = np.unique(key, return_inverse=True)
    border_sums, border_counts = np.bincount(inverse, strength), np.bincount(inverse)
    borders = [{} for _ in range(n_regions)]
    for pair, total_edge, count in zip(pair_keys, border_sums, border_counts, strict=True):
        a, b = divmod(int(pair), n_regions)
        borders[a][b] = borders[b][a] = [float(total_edge), float(count)]
    return borders


def merge_greedily(
    graph: RegionGraph,
    threshold: float,
    on_merge: Callable[[int, int, float], None] | None = None,
) -> None:
    """Merge the cheapest adjacent pair while it costs less than ``threshold``, calling
    ``on_merge(a, b, cost)`` just before b joins a.

    The heap holds ``(cost, a, b, version of a, version of b)``, so that ties go to the lower
    region numbers; an entry is stale once a or b has merged since it was pushed."""
    version, into = graph.version, graph.into
    n_regions = graph.sizes.size
    pairs = [(a, b) for a in range(n_regions) for b in graph.borders[a] if a < b]
    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    costs = graph.costs(first, second).tolist() if pairs else []
    heap = [(cost, a, b, 0, 0) for cost, (a, b) in zip(costs, pairs, strict=True)]
    heapq.heapify(heap)
    while heap:
        pair_cost, a, b, version_a, version_b = heapq.heappop(heap)
        if (version_a, version_b) != (version[a], version[b]) or into[a] != a or into[b] != b:
            continue  # a stale entry: one of the two has merged since
        if pair_cost >= threshold:
            break
        if on_merge is not None:
            on_merge(a, b, pair_cost)
        graph.merge(a, b)
        others = list(graph.borders[a])
        if others:  # all of a's neighbours re-costed at once
            costs = graph.costs([a] * len(others), others).tolist()
            for cost, other in zip(costs, others, strict=True):
                heapq.heappush(heap, (cost, a, other, version[a], version[other]))
