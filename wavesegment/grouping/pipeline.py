"""The grouping steps of ``segment()``, in order: candidate regions on the working grid (colour
sides, connected parts, small regions absorbed), then at the image's size (boundaries refined,
the merge tree built and cut, touching objects cut apart at their necks). Each appends what it
does to the run's ``steps`` log, tagged with its stage.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from ..labels import label_counts
from ..parameters import Parameters
from ..preparation.grid import enlarge, to_native
from ..preparation.image import PreparedImage
from ..preparation.intensity import rescale_unit
from .edges import edge_strength
from .linkage import LEARNED, cue_maps
from .necks import split_at_necks
from .refinement import refine_boundaries
from .regions import merge_small_regions, split_disconnected
from .tree import MergeTree, cut_steps, merge_tree


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
    grid, boundaries refined onto the image's colours (2-D), with ``merge_threshold`` the
    merge tree of the regions and its cut, and with ``split_necks`` each segment's foreground
    cut at its necks; logged in ``steps``.

    An image's regions merge by the learned linkage's cues or by colour and edges
    (``merge_linkage``); a signal's or a volume's by intensity alone, mapped onto 0..100 (the
    range of L*, for which ``merge_threshold`` is set). The tree is
    the regions' before the necks are cut. A photo of more than
    :data:`~wavesegment.preparation.image.GROUPING_PIXELS` is grouped on its block means
    (``prepared.grouping_shape``) and its labels, and the tree's leaves, brought to its size
    after (:func:`to_image_size`).
    """
    native, shape = prepared.native_shape, prepared.grouping_shape
    labels, background = to_native(grid_labels, shape), to_native(grid_background, native)
    if prepared.on_grid:
        shapes = {"from": list(grid_labels.shape), "to": list(shape)}
        steps.append({"stage": "upsample", "step": "upsample", **shapes})
    tree = None
    if prepared.spatial_dims == 2:
        cell = max(n / g for n, g in zip(shape, prepared.grid_shape, strict=True))
        if p.refine_boundaries and prepared.on_grid:
            labels = _refine(labels, prepared.grouping_lab, cell, p, steps)
        if p.merge_threshold:
            labels, tree = _merge_colours(labels, prepared.grouping_lab, cell, p, steps)
        if shape != native:
            labels, tree = to_image_size(prepared, labels, tree, p, steps)
    elif p.merge_threshold:
        features = 100 * rescale_unit(prepared.image)[None]
        labels, tree = _merge(labels, features, None, p, steps)
    if p.split_necks:
        with _stage(steps, "split") as log:
            labels = split_at_necks(
                labels, ~background, depth=p.split_necks, spacing=p.spacing, steps=log
            )
    return labels, background, tree


def to_image_size(
    prepared: PreparedImage, labels, tree: MergeTree | None, p: Parameters, steps: list
):
    """Labels grouped on the blocks of a large photo, and the tree's leaves, brought to its
    size: each block's pixels take its label, then (``refine_boundaries``) the boundaries move,
    by at most the block's side, to where the photo's own pixels put them
    (:func:`refine_boundaries`). With a tree, the leaves move and the labels are the same cut
    of them, so that the tree still holds the labels; its areas are counted again at the
    image's size."""
    factor, native = prepared.grouping_factor, prepared.native_shape
    coarse = labels if tree is None else tree.leaves
    present = label_counts(coarse, int(coarse.max()) + 1) > 0
    fine = enlarged = enlarge(coarse, factor, native)
    if p.refine_boundaries:
        pixels = prepared.image if prepared.image.ndim == 3 else prepared.image[..., None]
        fine = refine_boundaries(
            enlarged,
            pixels[..., :3],
            iterations=factor + 1,
            smoothness=p.refine_smoothness,
            sample=factor,
        )
    counts = label_counts(fine, present.size)
    if ((counts > 0) != present).any():  # a region (a leaf) would vanish: keep the blocks
        fine = enlarged
        counts = label_counts(fine, present.size)
    steps.append(
        {
            "stage": "upsample",
            "step": "to_image_size",
            "from": list(coarse.shape),
            "to": list(native),
            "iterations": factor + 1 if p.refine_boundaries else 0,
            "pixels_moved": int(np.count_nonzero(fine != enlarged)),
        }
    )
    if tree is None:
        return fine, None
    kept = tree.n_leaves - int(labels.max())  # the merges of the cut
    area = np.zeros_like(tree.area)
    area[: counts.size] = counts
    for node, parent in enumerate(tree.parent[:-1]):  # a parent is numbered after its children
        area[parent] += area[node]
    tree = replace(tree, leaves=fine.astype(np.int32, copy=False), area=area)
    return tree.leaf_labels(kept)[tree.leaves], tree


def _refine(labels, lab: np.ndarray, cell: float, p: Parameters, steps: list) -> np.ndarray:
    """Boundaries brought up from a grid of ``cell`` pixels refined onto the image's colours."""
    iterations = int(np.ceil(cell)) + 1
    refined = refine_boundaries(labels, lab, iterations=iterations, smoothness=p.refine_smoothness)
    moved = int(np.count_nonzero(refined != labels))
    steps.append(
        {"stage": "refine", "step": "refine", "iterations": iterations, "pixels_moved": moved}
    )
    return refined


def _merge_colours(labels, lab, cell: float, p: Parameters, steps: list):
    """An image's merge: by the learned linkage's cues, or by colour and the colour edges
    (``merge_linkage``), of the image's CIELAB ``lab`` on a working grid of ``cell`` pixels."""
    features = np.moveaxis(lab, -1, 0)
    if p.learned_linkage(spatial_dims=2):
        cues = cue_maps(lab, cell=cell)
        return _merge(labels, features, None, p, steps, cues=cues)
    return _merge(labels, features, edge_strength(lab, scale=cell / 2), p, steps)


def _merge(
    labels, features, edges, p: Parameters, steps: list, cues=None
) -> tuple[np.ndarray, MergeTree]:
    """The merge tree of the regions (by the learned linkage given its ``cues``, else by the
    colour cost) and its cut at ``segments`` regions, or else under its threshold; the cut's
    merges are logged."""
    tree = merge_tree(
        labels,
        features=features,
        size_exponent=p.merge_size_exponent,
        edges=edges,
        texture_spread=p.merge_texture_spread,
        edge_weight=p.merge_edge_weight,
        texture_edges=p.merge_texture_edges,
        linkage=LEARNED if cues is not None else None,
        cues=cues,
    )
    cut = {"n_regions": p.segments} if p.segments else {"threshold": p.tree_threshold(labels.ndim)}
    with _stage(steps, "merge") as log:
        log.extend(cut_steps(tree, tree.n_merges(**cut)))
    return tree.cut(**cut), tree
