"""The grouping steps of ``segment()``, in order: candidate regions on the working grid (colour
sides, connected parts, small regions absorbed), then at the image's size (boundaries refined,
the merge tree built and cut). Each appends what it does to the run's ``steps`` log, tagged
with its stage.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..parameters import Parameters
from ..preparation.grid import to_native
from ..preparation.image import PreparedImage
from ..preparation.intensity import rescale_unit
from .linkage import LEARNED, cue_maps
from .merging import edge_strength, merge_similar_regions
from .refinement import refine_boundaries
from .regions import merge_small_regions, split_disconnected
from .tree import cut_steps, merge_tree


def candidate_regions(
    clusters, background, sides, features, p: Parameters, steps: list
) -> np.ndarray:
    """Colour splits, connected parts and small-region merging (into the neighbour of closest
    mean frequencies), as the parameters ask; what they do is appended to ``steps``."""
    labels = clusters
    if not (p.split_regions or p.segment_background or p.min_region or sides):
        return labels
    for side in sides:  # label pairs (cluster, side); split_disconnected renumbers
        labels = labels * 2 + side
    ignore = None if p.segment_background else background
    if p.split_regions or p.segment_background:
        with _stage(steps, "candidates") as log:
            labels = split_disconnected(labels, ignore=ignore, steps=log)
    if p.min_region:
        min_size = int(np.ceil(p.min_region * labels.size))
        with _stage(steps, "absorb") as log:
            labels = merge_small_regions(
                labels, min_size=min_size, ignore=ignore, features=features, steps=log
            )
    return labels


@contextmanager
def _stage(steps: list, stage: str):
    """A fresh log for one grouping function, whose entries join ``steps`` tagged ``stage``."""
    log: list[dict] = []
    yield log
    steps.extend({"stage": stage, **entry} for entry in log)


def finish_at_native_size(
    prepared: PreparedImage, grid_labels, grid_background, p: Parameters, steps: list
):
    """Labels, background and merge tree (or None) at the image's size: brought up from the
    grid, boundaries refined onto the image's colours, and, with ``merge_threshold``, the
    merge tree of the regions and its cut; logged in ``steps``."""
    native = prepared.native_shape
    labels, background = to_native(grid_labels, native), to_native(grid_background, native)
    if prepared.on_grid:
        shapes = {"from": list(grid_labels.shape), "to": list(native)}
        steps.append({"stage": "upsample", "step": "upsample", **shapes})
    if prepared.spatial_dims != 2:
        return _merge_by_intensity(prepared.image, labels, p, steps), background, None
    refining = p.refine_boundaries and prepared.on_grid
    if not (refining or p.merge_threshold):
        return labels, background, None
    lab = prepared.native_lab
    cell = max(n / g for n, g in zip(native, prepared.grid_shape, strict=True))
    if refining:
        iterations = int(np.ceil(cell)) + 1
        refined = refine_boundaries(labels, lab, iterations=iterations)
        moved = int(np.count_nonzero(refined != labels))
        steps.append(
            {"stage": "refine", "step": "refine", "iterations": iterations, "pixels_moved": moved}
        )
        labels = refined
    if not p.merge_threshold:
        return labels, background, None
    learned = p.merge_linkage == "learned"
    tree = merge_tree(
        labels,
        features=np.moveaxis(lab, -1, 0),
        size_exponent=p.merge_size_exponent,
        edges=None if learned else edge_strength(lab, scale=cell / 2),
        texture_spread=p.merge_texture_spread,
        edge_weight=p.merge_edge_weight,
        texture_edges=p.merge_texture_edges,
        linkage=LEARNED if learned else None,
        cues=cue_maps(lab, cell=cell) if learned else None,
    )
    cut = {"n_regions": p.segments} if p.segments else {"threshold": p.tree_threshold}
    merged = tree.cut(**cut)
    with _stage(steps, "merge") as log:
        log.extend(cut_steps(tree, tree.n_merges(**cut)))
    return merged, background, tree


def _merge_by_intensity(values: np.ndarray, labels: np.ndarray, p: Parameters, steps: list):
    """A signal's or a volume's merge: similar neighbours by their intensity mapped onto
    0..100 (the range of L*, for which ``merge_threshold`` is set), without colour or edges."""
    if not p.merge_threshold:
        return labels
    with _stage(steps, "merge") as log:
        return merge_similar_regions(
            labels,
            features=100 * rescale_unit(values)[None],
            threshold=p.merge_threshold,
            size_exponent=p.merge_size_exponent,
            texture_spread=p.merge_texture_spread,
            steps=log,
        )
