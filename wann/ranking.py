"""NSGA-II non-dominated sorting and crowding distance, vectorised with numpy.

All objectives are maximised. `rank_population` returns one integer rank per individual
(0 = best): by front, then by crowding distance (larger first) within a front.
"""

from __future__ import annotations

import numpy as np


def nondominated_fronts(obj: np.ndarray) -> np.ndarray:
    """Front index (0 = Pareto front) of each row of obj [n, m], all objectives maximised."""
    n = obj.shape[0]
    # One n x n comparison per objective (never an n x n x m array).
    ge = np.ones((n, n), dtype=bool)
    gt = np.zeros((n, n), dtype=bool)
    for j in range(obj.shape[1]):
        col = obj[:, j]
        ge &= col[:, None] >= col[None, :]
        gt |= col[:, None] > col[None, :]
    dominates = ge & gt  # dominates[i, j]: i dominates j
    dom_count = dominates.sum(axis=0, dtype=np.int64)
    front = np.full(n, -1, dtype=np.int64)
    current = np.flatnonzero(dom_count == 0)
    f = 0
    while current.size:
        front[current] = f
        dom_count = dom_count - dominates[current].sum(axis=0, dtype=np.int64)
        dom_count[front >= 0] = -1
        current = np.flatnonzero(dom_count == 0)
        f += 1
    return front


def crowding_distance(obj: np.ndarray) -> np.ndarray:
    """NSGA-II crowding distance of each row within the set obj [n, m]; extremes get inf."""
    n, m = obj.shape
    dist = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for j in range(m):
        order = np.argsort(obj[:, j], kind="stable")
        vals = obj[order, j]
        span = vals[-1] - vals[0]
        dist[order[0]] = dist[order[-1]] = np.inf
        if span > 0:
            dist[order[1:-1]] += (vals[2:] - vals[:-2]) / span
    return dist


def rank_population(obj: np.ndarray) -> np.ndarray:
    """Rank (0 = best) by non-dominated front, then by crowding distance, then by index."""
    obj = np.asarray(obj, dtype=np.float64)
    front = nondominated_fronts(obj)
    crowd = np.empty(obj.shape[0])
    for f in np.unique(front):
        members = np.flatnonzero(front == f)
        crowd[members] = crowding_distance(obj[members])
    order = np.lexsort((np.arange(obj.shape[0]), -crowd, front))
    rank = np.empty(obj.shape[0], dtype=np.int64)
    rank[order] = np.arange(obj.shape[0])
    return rank


def wann_objectives(
    mean: np.ndarray, peak: np.ndarray, n_conn: np.ndarray, use_connections: bool
) -> np.ndarray:
    """The paper's pair: (mean, 1/connections) or (mean, peak)."""
    if use_connections:
        return np.column_stack([mean, 1.0 / np.maximum(n_conn, 1)])
    return np.column_stack([mean, peak])
