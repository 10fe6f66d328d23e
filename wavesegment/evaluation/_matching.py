"""Maximum bipartite matching of boundary pixels, compiled (scipy's Hopcroft-Karp took about
0.2 s per BSDS500 photo and annotator; this takes a few milliseconds)."""

import numpy as np

from ..dynamics._kernels import _cached_njit


@_cached_njit
def maximum_matching(indptr, indices, n_right):
    """Partner (column) of each row of a CSR biadjacency, -1 if none, in a maximum matching.

    Each row first takes its first free neighbour (rows list their nearest neighbours first),
    then every free row looks once for an augmenting path (Kuhn's algorithm: a row that finds
    none never will, so one pass gives a maximum matching).
    """
    n_left = indptr.size - 1
    partner = np.full(n_left, -1, dtype=np.int64)
    owner = np.full(n_right, -1, dtype=np.int64)
    for u in range(n_left):
        for k in range(indptr[u], indptr[u + 1]):
            if owner[indices[k]] < 0:
                partner[u] = indices[k]
                owner[indices[k]] = u
                break
    seen = np.full(n_right, -1, dtype=np.int64)
    rows = np.empty(n_left, dtype=np.int64)
    cursor = np.empty(n_left, dtype=np.int64)
    for start in range(n_left):
        if partner[start] >= 0:
            continue
        top = 0
        rows[0], cursor[0] = start, indptr[start]
        while top >= 0:
            u = rows[top]
            if cursor[top] == indptr[u + 1]:
                top -= 1
                continue
            v = indices[cursor[top]]
            cursor[top] += 1
            if seen[v] == start:
                continue
            seen[v] = start
            if owner[v] < 0:  # augment along the rows on the stack
                for level in range(top, -1, -1):
                    w, column = rows[level], indices[cursor[level] - 1]
                    partner[w] = column
                    owner[column] = w
                break
            top += 1
            rows[top], cursor[top] = owner[v], indptr[owner[v]]
    return partner
