"""Writing a run's merge tree: its ultrametric contour map, its leaves, and the tree itself.

``wavesegment run --hierarchy`` writes, beside the label map, ``STEM_ucm.FORMAT`` (16-bit: on
each boundary pixel the number of the merge at which the boundary disappears, 1 for the first
merge; 0 off the boundaries) and ``STEM_leaves.FORMAT`` (16-bit: the leaf, 0..n-1, of each
pixel), and puts the tree in the sidecar under ``"hierarchy"``. With ``parent`` and ``level``
of the tree and the leaves, numpy alone cuts it at any level (see the README);
:func:`read_tree` reads them back as a :class:`~wavesegment.grouping.tree.MergeTree`.
"""

from __future__ import annotations

import numpy as np


def hierarchy_names(stem: str, *, label_format: str = "png") -> dict[str, str]:
    """File names of the hierarchy's pictures, keyed by kind.

    Examples
    --------
    >>> hierarchy_names("coins")
    {'ucm': 'coins_ucm.png', 'leaves': 'coins_leaves.png'}
    """
    return {kind: f"{stem}_{kind}.{label_format}" for kind in ("ucm", "leaves")}


def hierarchy_maps(stem: str, result, *, label_format: str = "png") -> tuple[dict, dict]:
    """The pictures of ``result.tree`` to write, by file name (the ultrametric contour map and
    the leaves), and the sidecar's ``"hierarchy"`` entry: the file names, the tree
    (``n_leaves``; per node ``parent``, ``level``, ``area``) and ``"cut_merges"``, the number
    of merges that ``result.labels`` keeps.

    Examples
    --------
    >>> from wavesegment import segment
    >>> image = np.kron([[1.0, 2.0], [3.0, 4.0]], np.ones((12, 12)))
    >>> maps, entry = hierarchy_maps("blocks", segment(np.dstack([image] * 3)))
    >>> sorted(maps), entry["ucm"]
    (['blocks_leaves.png', 'blocks_ucm.png'], 'blocks_ucm.png')
    """
    from ..grouping.tree import ultrametric_contour_map

    tree = result.tree
    names = hierarchy_names(stem, label_format=label_format)
    maps = {
        names["ucm"]: ultrametric_contour_map(result, values="rank"),
        names["leaves"]: tree.leaves,
    }
    entry = {
        **names,
        **tree.as_dict(),
        "cut_merges": tree.n_leaves - int(result.labels.max()),
    }
    return maps, entry


def read_tree(entry: dict, leaves: np.ndarray):
    """The merge tree that :func:`hierarchy_maps` gave: its sidecar entry and leaves file.

    The merges are rebuilt from ``parent`` (the two children of node ``n_leaves + i`` are
    merge ``i``), so that :meth:`MergeTree.cut` cuts the tree read back as it cut the tree
    written: the same regions (numbered by size, ties possibly in another order). The cost
    parts of each merge are not stored: ``merges`` is empty.

    Returns
    -------
    MergeTree

    Raises
    ------
    ValueError
        If the entry and the leaves do not make a tree (a damaged or mismatched file).

    Examples
    --------
    >>> entry = {"n_leaves": 3, "parent": [3, 3, 4, 4, 4], "level": [0, 0, 0, 1.0, 2.0],
    ...          "area": [3, 3, 3, 6, 9]}
    >>> tree = read_tree(entry, np.repeat([[0, 1, 2]], 3, axis=0))
    >>> tree.cut(n_regions=2)[0].tolist(), tree.cut(threshold=1.5)[0].tolist()
    ([1, 1, 2], [1, 1, 2])
    """
    from ..grouping.tree import MergeTree

    n_leaves = int(entry["n_leaves"])
    parent = np.asarray(entry["parent"], dtype=np.int64)
    level = np.asarray(entry["level"], dtype=np.float64)
    area = np.asarray(entry["area"], dtype=np.int64)
    leaves = np.asarray(leaves)
    n_nodes = 2 * n_leaves - 1
    if n_leaves < 1 or not parent.shape == level.shape == area.shape == (n_nodes,):
        raise ValueError(f"a tree of {n_leaves} leaves needs {n_nodes} parents, levels, areas")
    if leaves.ndim != 2 or leaves.min() != 0 or leaves.max() != n_leaves - 1:
        raise ValueError(f"the leaves file does not hold leaves 0..{n_leaves - 1}")
    children = np.argsort(parent[:-1], kind="stable")  # node ids, grouped by their parent
    if not np.array_equal(parent[children], np.repeat(np.arange(n_leaves, n_nodes), 2)):
        raise ValueError("each merge node must have two children, numbered before it")
    representative = np.arange(n_nodes)  # a leaf of each node's region, as merges name it
    pairs = np.zeros((n_leaves - 1, 2), dtype=np.int64)
    for i, (a, b) in enumerate(children.reshape(-1, 2)):
        pairs[i] = representative[a], representative[b]
        representative[n_leaves + i] = representative[a]
    return MergeTree(
        leaves=leaves.astype(np.int32),
        parent=parent,
        level=level,
        area=area,
        merges=(),
        pairs=pairs,
        names=np.arange(n_leaves, dtype=np.int64),
    )
