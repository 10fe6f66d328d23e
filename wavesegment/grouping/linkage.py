"""A learned linkage for the merge tree: the probability that two adjacent regions belong to
different segments, from cues an annotator sees.

:func:`cue_maps` computes the per-pixel cues of a photo once (colour gradients at two scales,
local-binary-pattern codes of L*, quantised colours); :class:`CueGraph` keeps, for every region
and every common border, the sums those cues need, pooled as regions merge, so that
:func:`pair_cues` of any two adjacent regions costs a few vector operations. The cost of a merge
is a logistic model of those cues (:class:`Linkage`), its weights fitted on BSDS500 train
(``benchmarks/linkage_ablation.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import ndimage

from .adjacency import border_side_sums, neighbour_pairs
from .edges import edge_strength
from .texture import uniform_lbp

#: Names of the pair cues, in the order of :func:`pair_cues` and of a :class:`Linkage`'s weights.
CUES = (
    "colour",  # distance of the mean CIELAB colours (Delta E)
    "lightness",  # |difference| of the mean L*
    "spread",  # the two regions' colour spread (root mean total variance, Delta E)
    "edge_fine",  # mean colour gradient along the common border, at half a grid cell
    "edge_coarse",  # the same at twice a grid cell
    "edge_inside",  # mean fine gradient inside the two regions (texture strength)
    "contrast",  # colour distance across the border, half a cell to each side
    "texture",  # chi-square distance of the LBP histograms of L*
    "colour_histogram",  # chi-square distance of the quantised-colour histograms
    "small",  # log of the smaller region's share of the image
    "large",  # log of the larger region's share of the image
    "border",  # the common border over the smaller region's perimeter
)
#: Which part of a merge's explanation each cue adds to (see :meth:`Linkage.parts`).
CUE_PARTS = {
    "colour": "difference",
    "lightness": "difference",
    "spread": "difference",
    "contrast": "edge",
    "texture": "difference",
    "colour_histogram": "difference",
    "edge_fine": "edge",
    "edge_coarse": "edge",
    "edge_inside": "edge",
    "small": "size",
    "large": "size",
    "border": "size",
}
#: Uniform LBP codes of 8 neighbours at radius 1: 10 of them.
LBP_BINS = 10
#: Quantisation of L*, a*, b* for the colour histograms (bins per channel).
COLOUR_BINS = 4
_COLOUR_RANGES = ((0.0, 100.0), (-60.0, 60.0), (-60.0, 60.0))


@dataclass(frozen=True)
class Linkage:
    """A logistic model of "different segments": ``cost = 1 / (1 + exp(-(bias + w . x)))``
    with ``x = (cues - centre) / scale``, the cues of :data:`CUES`.

    Examples
    --------
    >>> model = Linkage(weights=(1.0,) + (0.0,) * (len(CUES) - 1), bias=-2.0)
    >>> x = np.zeros(len(CUES)); x[0] = 2.0
    >>> float(model.cost(x))
    0.5
    """

    #: The cues it weighs, in order; a subclass that weighs more cues computes them in the
    #: graph that :meth:`graph` gives (``benchmarks/phase_coherence_cue.py`` is one).
    names: ClassVar[tuple[str, ...]] = CUES

    weights: tuple[float, ...]
    bias: float
    centre: tuple[float, ...] = (0.0,) * len(CUES)
    scale: tuple[float, ...] = (1.0,) * len(CUES)

    def __post_init__(self) -> None:
        for name in ("weights", "centre", "scale"):
            if len(getattr(self, name)) != len(self.names):
                raise ValueError(f"{name} must have one value per cue ({len(self.names)})")

    def graph(self, labels: np.ndarray, lab: np.ndarray, maps: dict) -> CueGraph:
        """The regions of ``labels`` with the sums of this model's cues, costed by it (what
        :func:`~wavesegment.grouping.tree.merge_tree` merges).

        Examples
        --------
        >>> lab = np.zeros((4, 4, 3)); lab[:, 2:, 0] = 50.0
        >>> model = Linkage(weights=(0.0,) * len(CUES), bias=0.0)
        >>> graph = model.graph(np.repeat([[0, 0, 1, 1]], 4, axis=0), lab, cue_maps(lab, cell=2))
        >>> graph.cues(0, 1)[:2].tolist(), graph.cost(0, 1)
        ([50.0, 50.0], 0.5)
        """
        return CueGraph(labels, lab, maps, self)

    def terms(self, cues: np.ndarray) -> np.ndarray:
        """Each cue's contribution to the log-odds of "different"."""
        return np.asarray(self.weights) * (cues - np.asarray(self.centre)) / np.asarray(self.scale)

    def cost(self, cues: np.ndarray) -> float | np.ndarray:
        """The cost of one pair's cues, or (cues of ``(n_pairs, n_cues)``) of each pair."""
        cost = 1 / (1 + np.exp(-(self.bias + self.terms(cues).sum(axis=-1))))
        return float(cost) if np.ndim(cost) == 0 else cost

    def parts(self, cues: np.ndarray) -> dict[str, float]:
        """The log-odds of "different" split into ``difference`` (colour and texture),
        ``edge`` (gradients and contrast at the border, gradients inside), ``size`` (sizes,
        border length) and ``bias``; the cost is the logistic function of their sum."""
        parts = dict.fromkeys(("difference", "edge", "size"), 0.0)
        for name, term in zip(CUES, self.terms(cues), strict=True):
            parts[CUE_PARTS[name]] += float(term)
        return parts | {"bias": float(self.bias)}


def cue_maps(lab: np.ndarray, *, cell: float) -> dict[str, np.ndarray]:
    """The per-pixel cues of a CIELAB image (one or three channels) whose working grid cells
    are ``cell`` pixels wide: ``edge_fine``, ``edge_coarse`` (colour gradient at ``cell / 2``
    and ``2 * cell``), ``lbp`` (uniform LBP code of L*, 0..9), ``colour`` (bin of the
    quantised colour) and ``sides``: for the contrast across a border, the image blurred by a
    quarter cell and the offset (pixels) at which each side's colour is sampled from it.

    Examples
    --------
    >>> maps = cue_maps(np.full((16, 16, 3), 50.0), cell=4.0)
    >>> sorted(maps), bool(maps["lbp"].max() < LBP_BINS), [offset for _, offset in maps["sides"]]
    (['colour', 'edge_coarse', 'edge_fine', 'lbp', 'sides'], True, [2])
    """
    lab = np.asarray(lab, dtype=np.float64)
    lightness = np.clip(lab[..., 0] * 2.55, 0, 255).astype(np.uint8)
    codes = np.zeros(lab.shape[:2], dtype=np.int64)
    for channel, (low, high) in zip(np.moveaxis(lab, -1, 0), _COLOUR_RANGES, strict=False):
        quantised = np.clip((channel - low) / (high - low) * COLOUR_BINS, 0, COLOUR_BINS - 1)
        codes = codes * COLOUR_BINS + quantised.astype(np.int64)
    return {
        "edge_fine": edge_strength(lab, scale=cell / 2),
        "edge_coarse": edge_strength(lab, scale=2 * cell),
        "lbp": uniform_lbp(lightness),
        "colour": codes,
        "sides": [
            (ndimage.gaussian_filter(lab, (sigma, sigma, 0)), max(1, round(offset)))
            for sigma, offset in ((cell / 4, cell / 2),)  # two cells away added nothing
        ],
    }


class CueGraph:
    """Regions 0..n-1 of a label image with the sums their cues need, and their common borders
    (``borders[a][b] = [pixel pairs, fine edge sum, coarse edge sum]``), kept up to date as
    they merge; the interface of :func:`~wavesegment.grouping.colour_cost.merge_greedily`.

    A merged region keeps the number of the first of the two; ``into[b]`` is the region ``b``
    went into, and ``version[a]`` counts the merges into ``a``.
    """

    def __init__(self, labels: np.ndarray, lab: np.ndarray, maps: dict, linkage: Linkage):
        n_regions = int(labels.max()) + 1
        flat = labels.ravel()
        sizes = np.bincount(flat, minlength=n_regions).astype(float)

        def sums(values: np.ndarray) -> np.ndarray:
            return np.bincount(flat, values.ravel(), n_regions)

        def histogram(codes: np.ndarray, n_bins: int) -> np.ndarray:
            counts = np.bincount(flat * n_bins + codes.ravel(), minlength=n_regions * n_bins)
            return counts.reshape(n_regions, n_bins).astype(float)

        self.sizes = sizes
        self.colour = np.stack([sums(c) for c in np.moveaxis(lab, -1, 0)], axis=1)
        self.squares = np.stack([sums(c**2) for c in np.moveaxis(lab, -1, 0)], axis=1)
        self.inside = sums(maps["edge_fine"])
        self.lbp = histogram(maps["lbp"], LBP_BINS)
        self.histogram = histogram(maps["colour"], int(maps["colour"].max()) + 1)
        self.borders, self.perimeter = _cue_borders(labels, maps, n_regions)
        self.sides = border_side_sums(labels, maps["sides"], n_regions)
        self.n_sides = len(maps["sides"])
        self.n_pixels = float(labels.size)
        self.linkage = linkage
        self.into = np.arange(n_regions)
        self.version = np.zeros(n_regions, dtype=np.intp)
        # The cues of each pair last costed by :meth:`costs`, with the versions of the two:
        # a merge's log entry reports those of the pair it takes, not computed again.
        self._costed: dict[tuple[int, int], tuple[tuple[int, int], np.ndarray]] = {}

    def cues(self, a: int, b: int) -> np.ndarray:
        """The cues of :data:`CUES` of regions a and b."""
        return self.pair_cues([a], [b])[0]

    def pair_cues(self, first, second) -> np.ndarray:
        """``(n_pairs, n_cues)``: the cues of :data:`CUES` of the adjacent regions
        ``first[i]`` and ``second[i]``, every pair at once (a merge re-costs all the merged
        region's neighbours). Each value is what the same operations on one pair give, bit
        for bit: sums run along contiguous rows and the norms of two regions' colours are dot
        products, as numpy takes them for one pair."""
        first, second = np.asarray(first, dtype=np.intp), np.asarray(second, dtype=np.intp)
        pairs = list(zip(first.tolist(), second.tolist(), strict=True))
        if not pairs:
            return np.empty((0, len(CUES)))
        n_a, n_b = self.sizes[first], self.sizes[second]
        together = n_a + n_b
        mean_a, mean_b = self.colour[first] / n_a[:, None], self.colour[second] / n_b[:, None]
        count, fine, coarse = np.array([self.borders[a][b] for a, b in pairs]).T
        shorter = np.minimum(self.perimeter[first], self.perimeter[second])
        variance = (self.squares[first] + self.squares[second]).sum(axis=1) / together
        pooled = (self.colour[first] + self.colour[second]) / together[:, None]
        variance -= (pooled**2).sum(axis=1)
        across = np.array([self.sides[a][b] - self.sides[b][a] for a, b in pairs])
        across = across.reshape(len(pairs), self.n_sides, -1) / count[:, None, None]
        difference = mean_a - mean_b
        return np.column_stack(
            [
                np.sqrt(np.vecdot(difference, difference)),
                np.abs(difference[:, 0]),
                np.sqrt(np.maximum(variance, 0.0)),
                fine / count,
                coarse / count,
                (self.inside[first] + self.inside[second]) / together,
                *np.moveaxis(np.linalg.norm(across, axis=2), 1, 0),
                _chi_squares(self.lbp[first], self.lbp[second]),
                _chi_squares(self.histogram[first], self.histogram[second]),
                np.log(np.minimum(n_a, n_b) / self.n_pixels),
                np.log(np.maximum(n_a, n_b) / self.n_pixels),
                count / np.maximum(shorter, 1.0),
            ]
        )

    def cost(self, a: int, b: int) -> float:
        return self.linkage.cost(self.cues(a, b))

    def costs(self, first, second) -> np.ndarray:
        """The costs of merging ``first[i]`` and ``second[i]``, every pair at once."""
        cues, version = self.pair_cues(first, second), self.version
        for a, b, row in zip(first, second, cues, strict=True):
            self._costed[a, b] = (version[a], version[b]), row
        return self.linkage.cost(cues)

    def cost_terms(self, a: int, b: int) -> dict[str, float]:
        """The parts of the cost's log-odds that a merge's log entry reports, and each cue's
        contribution (``term_<cue>``)."""
        versions, cues = self._costed.get((a, b), (None, None))
        if versions != (self.version[a], self.version[b]):
            cues = self.cues(a, b)
        terms = zip(self.linkage.names, self.linkage.terms(cues), strict=True)
        terms = {f"term_{name}": term for name, term in terms}
        return self.linkage.parts(cues) | terms

    @staticmethod
    def apart_terms() -> dict[str, float]:
        """The parts of the infinite cost of joining regions that never touch."""
        return {"difference": np.inf, "edge": 0.0, "size": 0.0, "bias": 0.0}

    def border_pixels(self, a: int, b: int) -> float:
        """The 4-neighbour pixel pairs of the common border of a and b (0: none)."""
        border = self.borders[a].get(b)
        return 0.0 if border is None else border[0]

    def merge(self, a: int, b: int) -> None:
        """Region b joins region a: sums pooled, borders joined."""
        borders = self.borders
        statistics = (self.sizes, self.colour, self.squares, self.inside, self.lbp, self.histogram)
        for statistic in statistics:
            statistic[a] += statistic[b]
        self.perimeter[a] += self.perimeter[b] - 2 * borders[a][b][0]
        self.into[b] = a
        self.version[a] += 1
        del borders[a][b], borders[b][a]
        sides = self.sides
        del sides[a][b], sides[b][a]
        for other, side in sides[b].items():
            sides[a][other] = sides[a].get(other, 0.0) + side
            sides[other][a] = sides[other].get(a, 0.0) + sides[other].pop(b)
        sides[b] = {}
        for other, border in borders[b].items():
            del borders[other][b]
            joined = borders[a].get(other, 0.0) + border
            borders[a][other] = borders[other][a] = joined
        borders[b] = {}


def _chi_squares(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Chi-square distance (0..1) of two histograms per row, each normalised to sum 1; a
    row's terms are summed over its bins that are not empty in both, as for one pair."""
    p = first / first.sum(axis=1, keepdims=True)
    q = second / second.sum(axis=1, keepdims=True)
    total = p + q
    inside = total > 0
    terms = (p - q) ** 2 / np.where(inside, total, 1.0)
    if inside.all():
        return 0.5 * terms.sum(axis=1)
    return 0.5 * np.array([row[keep].sum() for row, keep in zip(terms, inside, strict=True)])


def _cue_borders(labels: np.ndarray, maps: dict, n_regions: int):
    """``borders[a][b] = array([pixel pairs, fine edge sum, coarse edge sum])`` over the
    4-neighbour pixel pairs of a and b (the larger edge of the two pixels), and each region's
    perimeter (its pixel pairs with other regions)."""
    first, second, fine = neighbour_pairs(labels, maps["edge_fine"])
    coarse = neighbour_pairs(labels, maps["edge_coarse"])[2]
    key = np.minimum(first, second) * n_regions + np.maximum(first, second)
    pair_keys, inverse = np.unique(key, return_inverse=True)
    columns = [np.bincount(inverse), np.bincount(inverse, fine), np.bincount(inverse, coarse)]
    borders = [{} for _ in range(n_regions)]
    perimeter = np.zeros(n_regions)
    for pair, values in zip(pair_keys, np.stack(columns, axis=1), strict=True):
        a, b = divmod(int(pair), n_regions)
        borders[a][b] = borders[b][a] = values.astype(float)
        perimeter[[a, b]] += values[0]
    return borders, perimeter


#: The natural preset's linkage: fitted on the adjacent pairs of the candidate regions of the
#: preset on 200 BSDS500 train photos (``python benchmarks/linkage_ablation.py
#: /work/shared/datasets/bsds500 --cache DIR --variants adopted --weights``); ``centre`` and
#: ``scale`` standardise the cues of :data:`CUES`. Fitted when photos were read out at steps
#: 800..840; refitted on the candidates of 140..180 (weights within 0.04, train cut 0.52) it
#: scored no better on val (covering / PRI / VoI 0.557 / 0.784 / 1.828 against 0.558 / 0.783
#: / 1.808) and worse on the horses (best-segment IoU 0.582 against 0.595), so it stays.
LEARNED = Linkage(
    weights=(
        0.357,
        -0.8626,
        0.4889,
        1.0706,
        0.1607,
        -0.4509,
        -0.3821,
        0.2144,
        0.6788,
        0.0924,
        0.5728,
        -0.2785,
    ),
    bias=-0.1819,
    centre=(
        25.2639,
        19.8724,
        15.85,
        20.9244,
        19.3858,
        10.4951,
        20.5986,
        0.0387,
        0.517,
        -5.0108,
        -3.3952,
        0.3218,
    ),
    scale=(
        17.1845,
        15.8154,
        6.8867,
        12.4639,
        11.5988,
        5.1069,
        15.0844,
        0.0604,
        0.3102,
        0.9977,
        1.3982,
        0.258,
    ),
)
