"""Writing a run's merge tree: its ultrametric contour map, its leaves, and the tree itself.

``wavesegment run --hierarchy`` writes, beside the label map, ``STEM_ucm.FORMAT`` (16-bit: on
each boundary pixel the number of the merge at which the boundary disappears, 1 for the first
merge; 0 off the boundaries) and ``STEM_leaves.FORMAT`` (16-bit: the leaf, 0..n-1, of each
pixel), and puts the tree in the sidecar under ``"hierarchy"``. With ``parent`` and ``level``
of the tree and the leaves, numpy alone cuts it at any level (see the README).
"""

from __future__ import annotations

import os
from pathlib import Path

from .export import write_label_map


def hierarchy_names(stem: str, *, label_format: str = "png") -> dict[str, str]:
    """File names of the hierarchy's pictures, keyed by kind.

    Examples
    --------
    >>> hierarchy_names("coins")
    {'ucm': 'coins_ucm.png', 'leaves': 'coins_leaves.png'}
    """
    return {kind: f"{stem}_{kind}.{label_format}" for kind in ("ucm", "leaves")}


def write_hierarchy(
    folder: str | os.PathLike, stem: str, result, *, label_format: str = "png"
) -> tuple[list[Path], dict]:
    """Write the ultrametric contour map and the leaves of ``result.tree``.

    Returns the paths written and the sidecar's ``"hierarchy"`` entry: the file names, the
    tree (``n_leaves``; per node ``parent``, ``level``, ``area``) and ``"cut_merges"``, the
    number of merges that ``result.labels`` keeps.

    Examples
    --------
    >>> paths, entry = write_hierarchy("out", "coins", segment(image))  # doctest: +SKIP
    """
    from ..grouping.tree import ultrametric_contour_map

    tree = result.tree
    names = hierarchy_names(stem, label_format=label_format)
    paths = [Path(folder) / names["ucm"], Path(folder) / names["leaves"]]
    write_label_map(paths[0], ultrametric_contour_map(result, values="rank"))
    write_label_map(paths[1], tree.leaves)
    entry = {
        **names,
        **tree.as_dict(),
        "cut_merges": tree.n_leaves - int(result.labels.max()),
    }
    return paths, entry
