"""Score wavesegment and scikit-image baselines on a dataset, image by image, side by side.

Baselines, one fixed parameter set each: the setting with the highest mean of covering and PRI
on the first 20 BSDS500 train photos (``benchmarks/tune_baselines.py``), Felzenszwalb's sizes
expressed relative to the image size so that they mean the same at any resolution:

- ``felzenszwalb``: ``skimage.segmentation.felzenszwalb`` with ``scale`` = 0.004 x pixel
  count, ``min_size`` = 0.002 x pixel count and ``sigma`` = 0.002 x sqrt(pixel count): 617,
  309 and 0.79 on a 481 x 321 photo, and no smoothing to speak of on 32 x 32 shapes, whose
  3-pixel strokes a 0.8-pixel blur breaks into dozens of segments.
- ``slic``: ``skimage.segmentation.slic`` with 8 segments and compactness 20, on the image
  as RGB (a grayscale image is repeated over three channels so
  that one compactness serves both).

Both see the image rescaled to 0..1 (minimum to maximum), so that their parameters do not
depend on the bit depth.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from skimage.segmentation import felzenszwalb, slic

from ..preparation.intensity import rescale_unit
from ..segmentation import segment
from .benchmark import dataset_scores, f_measure, level_scores, truth_boundaries
from .datasets import Dataset, Sample
from .levels import Hierarchy, Levels, segmentation_levels
from .metrics import (
    adjusted_rand_index,
    mask_iou,
    probabilistic_rand_index,
    segmentation_covering,
    variation_of_information_bits,
)

FELZENSZWALB_SCALE = 0.004
FELZENSZWALB_SIGMA = 0.002
FELZENSZWALB_MIN_SIZE = 0.002
# Scales of the multi-scale Felzenszwalb baseline, relative to the pixel count, finest first.
FELZENSZWALB_LEVELS = tuple(0.0005 * 2**k for k in range(7))
SLIC_SEGMENTS = 8
SLIC_COMPACTNESS = 20.0
# A foreground ARI at least this high counts as the objects separated (issue 3).
SEPARATED_ARI = 0.95
# Where the benchmark cuts wavesegment's merge tree: with the learned linkage, whose levels are
# probabilities, under 0.05 .. 0.95; with the colour cost, under these multiples of
# merge_threshold (1/8 .. 4, a third of an octave apart); tree_levels adds
# the default cut to either.
PROBABILITY_CUTS = tuple(k / 20 for k in range(1, 20))
TREE_CUTS = tuple(2 ** (k / 3) for k in range(-9, 7))

# Scores per dataset kind, in table order; lower is better only for VoI.
METRICS = {
    "regions": ("covering", "pri", "voi", "ari"),
    "objects": ("covering", "pri", "voi", "ari", "fg_ari"),
    "figure_ground": ("iou_best", "iou_union", "covering", "pri", "voi", "ari"),
}


@dataclass(frozen=True)
class Method:
    """A segmentation method under evaluation.

    ``segment(image, seed)`` returns a label map, a hierarchy as a sequence of label maps
    or a ``ucm2`` (see :mod:`wavesegment.evaluation.levels`), or a
    :class:`~wavesegment.evaluation.levels.Hierarchy` (a label map and the hierarchy it was
    cut from); ``seeded`` says whether the seed changes the answer (only seeded methods run
    once per seed).
    """

    name: str
    parameters: dict
    segment: Callable[[np.ndarray, int], np.ndarray]
    seeded: bool


def wavesegment_method(**options) -> Method:
    """wavesegment's :func:`~wavesegment.segment`, with ``options`` passed on unchanged.

    With a merge tree (the natural preset) it answers a :class:`~.levels.Hierarchy`: its
    label map, and the tree cut for the benchmark under ``PROBABILITY_CUTS`` (the learned
    linkage) or ``TREE_CUTS`` times ``merge_threshold`` (the colour cost); otherwise its
    label map.

    Examples
    --------
    >>> method = wavesegment_method(segments=2, engine="exact")
    >>> method.parameters
    {'segments': 2, 'engine': 'exact'}
    """

    def run(image: np.ndarray, seed: int) -> np.ndarray | Hierarchy:
        result = segment(image, seed=seed, **options)
        if result.tree is None:
            return result.labels
        return Hierarchy(result.labels, [result.tree.cut(threshold=t) for t in tree_levels(result)])

    return Method("wavesegment", dict(options), run, seeded=True)


def tree_levels(result) -> list[float]:
    """The levels under which the benchmark cuts ``result.tree`` (see ``PROBABILITY_CUTS``).

    Examples
    --------
    >>> result = segment(np.kron(np.eye(2), np.ones((8, 8))), engine="exact")
    >>> tree_levels(result)[:3]
    [0.05, 0.1, 0.15]
    >>> 0.47 in tree_levels(segment(np.eye(16), engine="exact", merge_probability=0.47))
    True
    """
    p = result.network.parameters
    if p.learned_linkage(result.labels.ndim):
        # The default cut is among them whatever merge_probability is.
        return sorted({*PROBABILITY_CUTS, p.merge_probability})
    return [p.merge_threshold * factor for factor in TREE_CUTS]


def felzenszwalb_method(
    *,
    scale: float = FELZENSZWALB_SCALE,
    sigma: float = FELZENSZWALB_SIGMA,
    min_size: float = FELZENSZWALB_MIN_SIZE,
) -> Method:
    """scikit-image's Felzenszwalb graph segmentation, its sizes relative to the image's.

    ``scale`` and ``min_size`` are multiplied by the pixel count, ``sigma`` by its square root.
    """

    def run(image: np.ndarray, seed: int) -> np.ndarray:
        pixels = image.shape[0] * image.shape[1]
        return felzenszwalb(
            rescale_unit(image),
            scale=scale * pixels,
            sigma=sigma * np.sqrt(pixels),
            min_size=max(1, round(min_size * pixels)),
            channel_axis=-1 if image.ndim == 3 else None,
        )

    parameters = {
        "scale_per_pixel": scale,
        "min_size_per_pixel": min_size,
        "sigma_per_side": sigma,
    }
    return Method("felzenszwalb", parameters, run, seeded=False)


def felzenszwalb_levels_method(*, scales: tuple[float, ...] = FELZENSZWALB_LEVELS) -> Method:
    """Felzenszwalb at several scales, one segmentation per scale, as its boundary F-measure
    is usually reported: ``min_size`` half the scale, ``sigma`` as :func:`felzenszwalb_method`.

    Examples
    --------
    >>> maps = felzenszwalb_levels_method(scales=(0.001, 0.01)).segment(np.eye(8), 0)
    >>> len(maps), maps[0].shape
    (2, (8, 8))
    """
    methods = [felzenszwalb_method(scale=scale, min_size=scale / 2) for scale in scales]
    return Method(
        "felzenszwalb-levels",
        {"scales_per_pixel": list(scales), "min_size_per_pixel": "scale / 2"},
        lambda image, seed: [method.segment(image, seed) for method in methods],
        seeded=False,
    )


def slic_method(
    *, n_segments: int = SLIC_SEGMENTS, compactness: float = SLIC_COMPACTNESS
) -> Method:
    """scikit-image's SLIC superpixels, on the image as RGB."""

    def run(image: np.ndarray, seed: int) -> np.ndarray:
        rgb = rescale_unit(image)
        if rgb.ndim == 2:
            rgb = np.repeat(rgb[..., None], 3, axis=2)
        return slic(
            rgb[..., :3],
            n_segments=n_segments,
            compactness=compactness,
            start_label=0,
            channel_axis=-1,
        )

    parameters = {"n_segments": n_segments, "compactness": compactness}
    return Method("slic", parameters, run, seeded=False)


def score(labels: np.ndarray, sample: Sample, kind: str) -> dict[str, float]:
    """Every score of ``METRICS[kind]`` for one segmentation of ``sample``.

    ``ari`` is averaged over the annotators; ``fg_ari`` is the ARI on the pixels that the
    (first) ground truth labels as objects (label > 0), as in the published shapes experiments.

    Examples
    --------
    >>> truth = np.array([[0, 1], [0, 1]])
    >>> score(truth, Sample("tiny", truth, [truth]), "regions")
    {'covering': 1.0, 'pri': 1.0, 'voi': 0.0, 'ari': 1.0}
    """
    truths = sample.truths
    scores = {}
    if kind == "figure_ground":
        scores["iou_best"], scores["iou_union"] = mask_iou(labels, truths[0] > 0)
    scores["covering"] = segmentation_covering(labels, truths)
    scores["pri"] = probabilistic_rand_index(labels, truths)
    scores["voi"] = variation_of_information_bits(labels, truths)
    scores["ari"] = float(np.mean([adjusted_rand_index(truth, labels) for truth in truths]))
    if kind == "objects":
        objects = truths[0] > 0
        if not objects.any():
            raise ValueError(f"{sample.name}: the ground truth has no object (label > 0)")
        scores["fg_ari"] = adjusted_rand_index(truths[0], labels, mask=objects)
    return scores


def evaluate(
    dataset: Dataset,
    methods: list[Method],
    *,
    seeds: list[int] | tuple[int, ...] = (0,),
    limit: int | None = None,
    boundaries: bool = False,
) -> Iterator[dict]:
    """Segment and score each image with each method; yield one row per (image, method, seed).

    Seeded methods run once per seed, the others once per image (their row has seed None).
    A row holds ``image``, ``method``, ``seed``, ``segments`` (label count), ``seconds`` (of
    the segmentation alone) and the scores of :func:`score`: of a label map, of a
    :class:`~.levels.Hierarchy`'s label map, or of a sequence of maps the one with the best
    covering.

    With ``boundaries``, a row also holds ``levels``, the image's scores at every threshold
    (:func:`~wavesegment.evaluation.benchmark.level_scores`: of a Hierarchy, its hierarchy),
    ``levels_of`` (``"labels"``, ``"maps"`` or ``"tree cuts"``), and ``boundary_recall``,
    ``boundary_precision`` and ``boundary_f`` at the image's best threshold.

    Examples
    --------
    >>> from wavesegment.evaluation.datasets import shapes_dataset
    >>> rows = list(evaluate(shapes_dataset(2, count=1), [felzenszwalb_method()]))
    >>> rows[0]["method"], rows[0]["fg_ari"]
    ('felzenszwalb', 1.0)
    """
    count = len(dataset) if limit is None else min(limit, len(dataset))
    for index in range(count):
        sample = dataset[index]
        truth_maps = truth_boundaries(sample.truths) if boundaries else None
        for method in methods:
            for seed in seeds if method.seeded else [None]:
                started = time.perf_counter()
                output = method.segment(sample.image, 0 if seed is None else seed)
                seconds = time.perf_counter() - started
                labels, levels, levels_of = _labels_and_levels(output, sample)
                row = {
                    "image": sample.name,
                    "method": method.name,
                    "seed": seed,
                    "segments": int(np.unique(labels).size),
                    "seconds": seconds,
                    **score(labels, sample, dataset.kind),
                }
                if boundaries:
                    row["levels_of"] = levels_of
                    row |= _boundary_row(level_scores(levels, sample.truths, boundaries=truth_maps))
                yield row


def _labels_and_levels(output, sample: Sample) -> tuple[np.ndarray, Levels, str]:
    """The segmentation scored as flat, the segmentations at each threshold, and what the
    thresholds are: ``"labels"`` (one), ``"maps"`` (several; flat: the best covering) or
    ``"tree cuts"`` (a :class:`~.levels.Hierarchy`; flat: its label map)."""
    shape = sample.image.shape[:2]
    if isinstance(output, Hierarchy):
        return np.asarray(output.labels), segmentation_levels(output.levels, shape), "tree cuts"
    levels = segmentation_levels(output, shape)
    if len(levels.labels) == 1:
        return levels.labels[0], levels, "labels" if len(levels.stage) == 1 else "maps"
    flat = max(levels.labels, key=lambda labels: segmentation_covering(labels, sample.truths))
    return flat, levels, "maps"


def _boundary_row(levels: dict) -> dict:
    counts = np.asarray(levels["counts"], dtype=np.float64)
    recall = counts[:, 0] / np.maximum(counts[:, 1], 1)
    precision = counts[:, 2] / np.maximum(counts[:, 3], 1)
    f = f_measure(recall, precision)
    best = int(np.argmax(f))
    return {
        "boundary_recall": float(recall[best]),
        "boundary_precision": float(precision[best]),
        "boundary_f": float(f[best]),
        "levels": levels,
    }


def summarise(rows: list[dict], kind: str) -> dict[str, dict]:
    """Per method: mean and median of each score and of the seconds, over its rows.

    For ``"objects"`` datasets also ``separated``: the fraction of rows with foreground ARI of
    at least 0.95. Where the rows hold ``levels`` (see :func:`evaluate`), ``benchmark``: the
    boundary and region scores at ODS and OIS
    (:func:`~wavesegment.evaluation.benchmark.dataset_scores`) and ``levels_of``, what its
    thresholds cut (see :func:`evaluate`).

    Examples
    --------
    >>> rows = [{"method": "m", "seconds": 1.0, "segments": 2, "covering": 0.5, "pri": 0.5,
    ...          "voi": 1.0, "ari": 0.0}]
    >>> summarise(rows, "regions")["m"]["covering"]
    {'mean': 0.5, 'median': 0.5}
    """
    summary = {}
    for name in dict.fromkeys(row["method"] for row in rows):
        own = [row for row in rows if row["method"] == name]
        entry = {"rows": len(own)}
        for key in (*METRICS[kind], "segments", "seconds"):
            values = np.array([row[key] for row in own], dtype=np.float64)
            entry[key] = {"mean": float(values.mean()), "median": float(np.median(values))}
        if kind == "objects":
            entry["separated"] = float(np.mean([row["fg_ari"] >= SEPARATED_ARI for row in own]))
        if "levels" in own[0]:
            entry["benchmark"] = dataset_scores([row["levels"] for row in own])
            entry["benchmark"]["levels_of"] = own[0].get("levels_of", "maps")
        summary[name] = entry
    return summary
