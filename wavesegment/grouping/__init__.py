"""From the network's clusters to regions: connected parts, small and similar regions merged,
boundaries refined at full resolution, and the final boundary attributed to its sources.

Modules, along the data flow: :mod:`.regions` (connected parts, small regions merged),
:mod:`.refinement` (boundaries moved at full resolution), :mod:`.tree` (the merge tree of the
regions, its cuts and its ultrametric contour map), built with the learned linkage of
:mod:`.linkage` or the colour cost of :mod:`.colour_cost` from the cues of :mod:`.edges`;
:mod:`.merging` (similar regions merged: a cut of the colour cost's tree), :mod:`.necks`
(touching objects cut apart at the necks of their distance transform), :mod:`.attribution`
(which step drew each part of the final boundary), :mod:`.pipeline` (these steps in the order
``segment()`` takes them) and :mod:`.adjacency` (renumbering and neighbours, shared by the
others).

Step logs: :func:`split_disconnected`, :func:`merge_small_regions`,
:func:`merge_similar_regions` and :func:`split_at_necks` take ``steps``, a list to which they
append one JSON-ready dict per action (``"split"``, ``"absorb"``, ``"merge"``,
``"split_necks"``; then ``"relabel"`` for the two merging functions), naming regions by the
labels of their input; see each function.
"""

from .attribution import BoundaryAttribution, boundary_sources
from .edges import edge_strength
from .merging import merge_similar_regions
from .necks import split_at_necks
from .refinement import refine_boundaries
from .regions import merge_small_regions, relabel_by_size, split_disconnected
from .tree import MergeTree, cut_steps, merge_tree, ultrametric_contour_map

__all__ = [
    "BoundaryAttribution",
    "MergeTree",
    "cut_steps",
    "merge_tree",
    "ultrametric_contour_map",
    "boundary_sources",
    "edge_strength",
    "merge_similar_regions",
    "merge_small_regions",
    "refine_boundaries",
    "relabel_by_size",
    "split_at_necks",
    "split_disconnected",
]
