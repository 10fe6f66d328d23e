"""From the network's clusters to regions: connected parts, small and similar regions merged,
boundaries refined at full resolution."""

from .regions import (
    edge_strength,
    merge_similar_regions,
    merge_small_regions,
    refine_boundaries,
    relabel_by_size,
    split_disconnected,
)

__all__ = [
    "edge_strength",
    "merge_similar_regions",
    "merge_small_regions",
    "refine_boundaries",
    "relabel_by_size",
    "split_disconnected",
]
