"""Gradient-boosted decision trees in numpy: the learned linkage's model of "different segments".

:func:`fit_trees` fits them to weighted, soft labels (the logistic loss, second-order steps on
quantile bins of each cue; ``benchmarks/linkage_ablation.py`` calls it), and :class:`Trees`
evaluates them on one vector of cues and splits the log-odds into each cue's part along the
path it takes (Saabas' attribution), so that a merge's log can explain its cost exactly.
Each tree is complete, ``depth`` levels deep, its nodes in heap order (the children of node
``k`` are ``2k + 1`` and ``2k + 2``; the last ``2**depth`` nodes are its leaves).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Trees:
    """An ensemble of complete binary trees; the log-odds is ``base`` plus each tree's leaf.

    ``feature`` and ``threshold`` (trees x inner nodes): an inner node sends a vector right
    where its cue ``x[feature]`` is above ``threshold``; ``value`` (trees x nodes): each node's
    log-odds, that of a leaf its output, those of inner nodes for the attribution.

    Examples
    --------
    >>> stump = Trees(feature=np.array([[1]]), threshold=np.array([[0.5]]),
    ...               value=np.array([[0.0, -1.0, 2.0]]), base=0.25)
    >>> stump.log_odds(np.array([0.0, 1.0])), stump.log_odds(np.array([9.0, 0.0]))
    (2.25, -0.75)
    >>> bias, parts = stump.attribution(np.array([0.0, 1.0]), 2)
    >>> bias, parts.tolist()
    (0.25, [0.0, 2.0])
    """

    feature: np.ndarray
    threshold: np.ndarray
    value: np.ndarray
    base: float

    @property
    def depth(self) -> int:
        return int(np.log2(self.feature.shape[1] + 1))

    def path(self, x: np.ndarray) -> np.ndarray:
        """The nodes of each tree that ``x`` goes through, root to leaf (trees x depth + 1)."""
        trees = np.arange(self.feature.shape[0])
        nodes = np.zeros((trees.size, self.depth + 1), dtype=np.intp)
        for level in range(self.depth):
            node = nodes[:, level]
            right = x[self.feature[trees, node]] > self.threshold[trees, node]
            nodes[:, level + 1] = 2 * node + 1 + right
        return nodes

    def log_odds(self, x: np.ndarray) -> float:
        # The path's leaves only, on the flattened arrays: a merge tree asks this of every pair.
        n_trees, n_inner = self.feature.shape
        start = np.arange(n_trees) * n_inner
        node = np.zeros(n_trees, dtype=np.intp)
        for _ in range(self.depth):
            at = start + node
            node = 2 * node + 1 + (x.take(self.feature.take(at)) > self.threshold.take(at))
        leaves = np.arange(n_trees) * self.value.shape[1] + node
        return float(self.base + self.value.take(leaves).sum())

    def attribution(self, x: np.ndarray, n_cues: int) -> tuple[float, np.ndarray]:
        """The log-odds as a constant (``base`` and every root's value) plus each cue's part:
        the changes of value along the path, each given to the cue its node splits on."""
        nodes = self.path(x)
        trees = np.arange(nodes.shape[0])[:, None]
        values = self.value[trees, nodes]
        cues = self.feature[trees, nodes[:, :-1]]
        parts = np.bincount(cues.ravel(), np.diff(values, axis=1).ravel(), n_cues)
        return float(self.base + self.value[:, 0].sum()), parts

    def to_dict(self) -> dict:
        return {
            "base": self.base,
            "feature": self.feature.tolist(),
            "threshold": self.threshold.tolist(),
            "value": self.value.tolist(),
        }

    @classmethod
    def from_dict(cls, stored: dict) -> Trees:
        return cls(
            feature=np.array(stored["feature"], dtype=np.intp),
            threshold=np.array(stored["threshold"], dtype=np.float64),
            value=np.array(stored["value"], dtype=np.float64),
            base=float(stored["base"]),
        )


def fit_trees(
    cues: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    *,
    n_trees: int = 150,
    depth: int = 3,
    rate: float = 0.1,
    n_bins: int = 32,
    ridge: float = 1.0,
    min_hessian: float = 5.0,
) -> Trees:
    """Boosted trees fitted to ``labels`` (0..1, the share of annotators who say "different")
    of ``cues`` (pairs x cues), each pair weighted by ``weights``: ``n_trees`` trees of
    ``depth`` levels, each a Newton step of the weighted logistic loss shrunk by ``rate``,
    splits at the ``n_bins``-quantiles of each cue; ``ridge`` (L2 on the leaf values) and
    ``min_hessian`` (the least weight of a child) keep the leaves from fitting a few pairs.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(400, 2))
    >>> y = (x[:, 0] * x[:, 1] > 0).astype(float)  # no linear model separates it
    >>> trees = fit_trees(x, y, np.ones(400), n_trees=40, depth=2, rate=0.3)
    >>> right = [(trees.log_odds(v) > 0) == bool(t) for v, t in zip(x, y)]
    >>> bool(np.mean(right) > 0.9)
    True
    """
    weights = weights / weights.mean()
    n_inner = 2**depth - 1
    edges = [np.unique(np.quantile(c, np.linspace(0, 1, n_bins + 1)[1:-1])) for c in cues.T]
    bins = np.stack(
        [np.searchsorted(e, c, side="right") for e, c in zip(edges, cues.T, strict=True)], 1
    )
    mean = np.clip(np.sum(weights * labels) / weights.sum(), 1e-3, 1 - 1e-3)
    base = float(np.log(mean / (1 - mean)))
    log_odds = np.full(labels.size, base)
    feature = np.zeros((n_trees, n_inner), dtype=np.intp)
    threshold = np.full((n_trees, n_inner), np.inf)
    value = np.zeros((n_trees, 2 * n_inner + 1))
    for t in range(n_trees):
        p = 1 / (1 + np.exp(-log_odds))
        gradient, hessian = weights * (p - labels), weights * p * (1 - p)
        node = np.zeros(labels.size, dtype=np.intp)
        for k in range(n_inner):  # heap order: a level's nodes after the level above
            inside = node == k
            split = _best_split(
                bins[inside], gradient[inside], hessian[inside], edges, ridge, min_hessian
            )
            if split is not None:  # none: all go left, the node's children repeat it
                feature[t, k], threshold[t, k] = split[0], edges[split[0]][split[1]]
            right = cues[:, feature[t, k]] > threshold[t, k]
            node = np.where(inside, 2 * node + 1 + right, node)
        for k in range(2 * n_inner, -1, -1):  # every node's Newton step, leaves first
            inside = _below(node, k, depth)
            value[t, k] = -rate * gradient[inside].sum() / (hessian[inside].sum() + ridge)
        log_odds += value[t, node]
    return Trees(feature=feature, threshold=threshold, value=value, base=base)


def _below(leaf: np.ndarray, node: int, depth: int) -> np.ndarray:
    """Whether each leaf (heap numbers) lies under ``node``."""
    level = int(np.log2(node + 1))
    ancestor = (leaf + 1) >> (depth - level)
    return ancestor == node + 1


def _best_split(bins, gradient, hessian, edges, ridge, min_hessian):
    """``(cue, bin)`` of the split with the largest gain whose children both weigh more than
    ``min_hessian``, or None."""
    total_g, total_h = gradient.sum(), hessian.sum()
    best, best_gain = None, 0.0
    for j, e in enumerate(edges):
        g = np.bincount(bins[:, j], gradient, e.size + 1).cumsum()[:-1]
        h = np.bincount(bins[:, j], hessian, e.size + 1).cumsum()[:-1]
        lesser = np.minimum(h, total_h - h)
        gain = g**2 / (h + ridge) + (total_g - g) ** 2 / (total_h - h + ridge)
        gain = np.where(lesser > min_hessian, gain - total_g**2 / (total_h + ridge), 0.0)
        if gain.size and gain.max() > best_gain:
            i = int(gain.argmax())
            best, best_gain = (j, i), float(gain[i])
    return best
