"""The merge tree of a label image's regions: every merge, most alike first, down to one region.

:func:`merge_tree` merges the adjacent regions of a label image with the learned linkage of
:mod:`.linkage` or the colour cost of :mod:`.colour_cost` until one region is left, and keeps
the whole sequence as a binary partition tree (:class:`MergeTree`). A flat answer is a cut of
that tree: at a level (the merge cost) or at a number of regions (:meth:`MergeTree.cut`);
:func:`ultrametric_contour_map` draws every boundary with the merge at which it disappears.

The tree is stored as higra and scipy store one: leaves ``0..n-1`` are the regions, node
``n + i`` is the region merge ``i`` made (so a parent is always numbered after its children)
and the root is the last node, its own parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..labels import relabel_by_size
from .colour_cost import CostConstants, RegionGraph, check_constants, merge_greedily
from .linkage import Linkage


@dataclass(frozen=True, eq=False)
class MergeTree:
    """The binary partition tree of a label image's regions.

    Attributes
    ----------
    leaves : (rows, cols) int32 ndarray
        The leaf (0..n_leaves-1) of each pixel: the input's regions, largest first.
    parent : (2 n_leaves - 1,) int64 ndarray
        The parent of each node; the root (last) is its own parent.
    level : (2 n_leaves - 1,) float64 ndarray
        0 for a leaf; for node ``n_leaves + i``, the cost of merge ``i`` or of any merge
        before it, whichever is larger, so that levels never fall from a node to its parent
        nor from one merge to the next.
    area : (2 n_leaves - 1,) int64 ndarray
        Pixels of each node's region.
    merges : tuple of dict
        Each merge, in order, as :func:`~wavesegment.grouping.merge_similar_regions` logs it
        (regions named by the input's labels).
    pairs : (n_leaves - 1, 2) int64 ndarray
        The leaves ``(a, b)`` that name the two regions of each merge (b joins a).
    names : (n_leaves,) int64 ndarray
        The input's label of each leaf.
    """

    leaves: np.ndarray
    parent: np.ndarray
    level: np.ndarray
    area: np.ndarray
    merges: tuple[dict, ...] = field(repr=False)
    pairs: np.ndarray = field(repr=False)
    names: np.ndarray = field(repr=False)

    @property
    def n_leaves(self) -> int:
        return int(self.leaves.max()) + 1

    def n_merges(self, *, threshold: float | None = None, n_regions: int | None = None) -> int:
        """How many merges a cut keeps: those under ``threshold``, or enough to leave
        ``n_regions`` regions (all leaves if there are fewer)."""
        if (threshold is None) == (n_regions is None):
            raise ValueError("give exactly one of threshold and n_regions")
        merge_levels = self.level[self.n_leaves :]
        if threshold is not None:
            return int(np.count_nonzero(merge_levels < threshold))
        return int(np.clip(self.n_leaves - n_regions, 0, merge_levels.size))

    def cut(self, *, threshold: float | None = None, n_regions: int | None = None) -> np.ndarray:
        """Labels 1..k (largest first) of the cut under ``threshold`` or at ``n_regions``.

        Cutting under a threshold gives what merging while the cheapest pair costs less than
        it gives (:func:`~wavesegment.grouping.merge_similar_regions`).

        Examples
        --------
        >>> labels = np.repeat([[0, 1, 2]], 3, axis=0)
        >>> colour = np.repeat([[[10.0, 12.0, 50.0]]], 3, axis=1)
        >>> tree = merge_tree(labels, features=colour)
        >>> tree.cut(n_regions=2).tolist()[0], tree.cut(threshold=1.0).tolist()[0]
        ([1, 1, 2], [1, 2, 3])
        """
        return self.leaf_labels(self.n_merges(threshold=threshold, n_regions=n_regions))[
            self.leaves
        ]

    def leaf_labels(self, count: int) -> np.ndarray:
        """The label (1..k, largest first) of each leaf after the first ``count`` merges."""
        into = np.arange(self.n_leaves)
        for a, b in self.pairs[:count]:
            into[into == b] = a
        return relabel_by_size(into, weights=self.area[: self.n_leaves])

    def as_dict(self) -> dict:
        """The tree, JSON-ready: ``n_leaves`` and, per node, ``parent``, ``level``, ``area``."""
        return {
            "n_leaves": self.n_leaves,
            "parent": self.parent.tolist(),
            "level": [float(x) for x in self.level],
            "area": self.area.tolist(),
        }


def merge_tree(
    labels: np.ndarray,
    *,
    features: np.ndarray,
    size_exponent: float = 0.15,
    edges: np.ndarray | None = None,
    texture_spread: float = 10.0,
    edge_weight: float = 1.5,
    texture_edges: float = 15.0,
    linkage: Linkage | None = None,
    cues: dict | None = None,
) -> MergeTree:
    """The merge tree of the regions of ``labels``: adjacent regions merged, cheapest first,
    with the cost of :func:`~wavesegment.grouping.merge_similar_regions` (same parameters),
    until one is left (one per connected group of regions, joined last at an infinite level).

    With ``linkage`` (and ``cues``, the photo's :func:`~wavesegment.grouping.linkage.cue_maps`;
    ``features`` then CIELAB), the cost is instead that model's probability that the two
    regions belong to different segments (:class:`~wavesegment.grouping.linkage.CueGraph`),
    and the other cost parameters play no part.

    Returns
    -------
    MergeTree

    Examples
    --------
    >>> labels = np.repeat([[0, 1, 2]], 3, axis=0)
    >>> colour = np.repeat([[[10.0, 12.0, 50.0]]], 3, axis=1)
    >>> tree = merge_tree(labels, features=colour)
    >>> tree.parent.tolist(), tree.area.tolist()
    ([3, 3, 4, 4, 4], [3, 3, 3, 6, 9])
    """
    constants = CostConstants(size_exponent, texture_spread, edge_weight, texture_edges)
    check_constants(constants)
    leaves = (relabel_by_size(labels) - 1).astype(np.int32)
    if linkage is None:
        graph = RegionGraph(leaves, features, edges, constants)
    else:
        graph = linkage.graph(leaves, np.moveaxis(np.asarray(features), 0, -1), cues)
    n_leaves = graph.sizes.size
    names = np.zeros(n_leaves, dtype=np.int64)
    names[leaves] = labels
    merges: list[dict] = []
    pairs: list[tuple[int, int]] = []

    def record(a: int, b: int, cost: float) -> None:
        merges.append(_merge_entry(graph, names, a, b, cost, graph.cost_terms(a, b)))
        pairs.append((a, b))

    merge_greedily(graph, np.inf, record)
    for a, b in _join_rest(graph):  # regions that never touched: joined at an infinite cost
        pairs.append((a, b))
        merges.append(_merge_entry(graph, names, a, b, np.inf, graph.apart_terms()))
        graph.into[b] = a
    costs = np.array([entry["cost"] for entry in merges])
    parent, level, area = _nodes(np.array(pairs, dtype=np.int64).reshape(-1, 2), costs, leaves)
    return MergeTree(
        leaves=leaves,
        parent=parent,
        level=level,
        area=area,
        merges=tuple(merges),
        pairs=np.array(pairs, dtype=np.int64).reshape(-1, 2),
        names=names,
    )


def _merge_entry(graph, names, a, b, cost, terms: dict) -> dict:
    sizes = graph.sizes
    return {
        "step": "merge",
        "regions": [int(names[a]), int(names[b])],
        "cost": float(cost),
        "pixels": [int(sizes[a]), int(sizes[b])],
        "border": int(graph.border_pixels(a, b)),
        **{name: float(value) for name, value in terms.items()},
    }


def _join_rest(graph) -> list[tuple[int, int]]:
    roots = [int(r) for r in np.flatnonzero(graph.into == np.arange(graph.into.size))]
    return [(roots[0], other) for other in roots[1:]]


def _nodes(pairs: np.ndarray, costs: np.ndarray, leaves: np.ndarray):
    """Parent, level and area of every node of the tree the merges ``pairs`` make."""
    n_leaves = pairs.shape[0] + 1
    n_nodes = 2 * n_leaves - 1
    parent = np.arange(n_nodes, dtype=np.int64)
    level = np.zeros(n_nodes)
    area = np.zeros(n_nodes, dtype=np.int64)
    area[:n_leaves] = np.bincount(leaves.ravel(), minlength=n_leaves)
    node_of = np.arange(n_leaves)  # the node that holds each merged region (named by leaf a)
    level[n_leaves:] = np.maximum.accumulate(costs) if costs.size else costs
    for i, (a, b) in enumerate(pairs):
        node = n_leaves + i
        parent[[node_of[a], node_of[b]]] = node
        area[node] = area[node_of[a]] + area[node_of[b]]
        node_of[a] = node
    return parent, level, area


def cut_steps(tree: MergeTree, count: int) -> list[dict]:
    """The log of a cut that keeps ``count`` merges: those merges, then the ``"relabel"``
    step, the output label of each input label."""
    labels = tree.leaf_labels(count)
    order = np.argsort(tree.names)
    mapping = {int(tree.names[i]): int(labels[i]) for i in order}
    return [*tree.merges[:count], {"step": "relabel", "mapping": mapping}]


def join_levels(tree: MergeTree) -> np.ndarray:
    """``(n_leaves, n_leaves)`` int array: the merge (1, 2, ...) that first puts two leaves in
    one region; 0 on the diagonal."""
    n_leaves = tree.n_leaves
    joined = np.zeros((n_leaves, n_leaves), dtype=np.int64)
    members = [[leaf] for leaf in range(n_leaves)]
    for rank, (a, b) in enumerate(tree.pairs, start=1):
        joined[np.ix_(members[a], members[b])] = rank
        joined[np.ix_(members[b], members[a])] = rank
        members[a] += members[b]
    return joined


def ultrametric_contour_map(source, *, values: str = "level") -> np.ndarray:
    """Every boundary of the tree's leaves, valued by the merge at which it disappears.

    A pixel is on a boundary when its right or lower neighbour lies in another leaf; it takes
    the larger value of those two borders, 0 elsewhere. Thresholding the map gives the
    boundaries of a cut: ``ucm >= t`` (levels) those of ``tree.cut(threshold=t)``, ``ucm > m``
    (ranks) those of the cut after ``m`` merges.

    Parameters
    ----------
    source : SegmentationResult or MergeTree
        A result whose preset built a tree (``result.tree``), or the tree.
    values : {"level", "rank"}
        ``"level"``: the merge's level (float64); ``"rank"``: its number, 1 for the first
        merge to n_leaves - 1 for the last (int64; 16-bit PNG-ready up to 65536 leaves).

    Returns
    -------
    (rows, cols) ndarray

    Examples
    --------
    >>> labels = np.repeat([[0, 1, 2]], 3, axis=0)
    >>> colour = np.repeat([[[10.0, 12.0, 50.0]]], 3, axis=1)
    >>> ultrametric_contour_map(merge_tree(labels, features=colour), values="rank")[0].tolist()
    [1, 2, 0]
    """
    tree = getattr(source, "tree", source)
    if not isinstance(tree, MergeTree):
        raise ValueError("this result has no merge tree (its preset does not merge regions)")
    if values not in ("level", "rank"):
        raise ValueError(f"values must be 'level' or 'rank', not {values!r}")
    joined = join_levels(tree)
    leaves = tree.leaves
    ranks = np.zeros(leaves.shape, dtype=np.int64)
    ranks[:, :-1] = joined[leaves[:, :-1], leaves[:, 1:]]
    ranks[:-1] = np.maximum(ranks[:-1], joined[leaves[:-1], leaves[1:]])
    if values == "rank":
        return ranks
    merge_levels = np.concatenate([[0.0], tree.level[tree.n_leaves :]])
    return merge_levels[ranks]
