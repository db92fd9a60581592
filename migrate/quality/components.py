"""Connected components of an edge list, vectorised: the joins of the duplicate search and of the
repeated-client keys (rows joined by shared keys, joins chaining) are both components over rows.

Min-label propagation with pointer jumping: a few numpy passes over the edges, no Python loop per node.
"""

from __future__ import annotations

import numpy as np


def _components(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the edge list: (nodes ascending, index of each node's component's
    smallest node)."""
    nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    return nodes, _dense_components(inverse[: len(a)], inverse[len(a) :], len(nodes))


def _dense_components(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Connected components of nodes 0 … n−1 joined by the edges (a[i], b[i]): each node's component's
    smallest node (a node without edges is its own). Min-label propagation with pointer jumping — a few
    vectorised passes; no sort, so nodes that are already dense (row ranks) cost no `unique`."""
    labels = np.arange(n)
    while True:
        low = np.minimum(labels[a], labels[b])
        new = labels.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]
        if np.array_equal(new, labels):
            return labels
        labels = new
