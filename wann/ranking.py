"""NSGA-II non-dominated sorting and crowding distance, vectorised with numpy.

All objectives are maximised. `rank_population` returns one integer rank per individual
(0 = best): by front, then by crowding distance (larger first) within a front.

The paper's objectives come in pairs; for two finite objectives the ranking is compiled and
O(n log n) (`_rank_pairs`: a sweep in lexicographic order with a Fenwick tree of the best
front so far), the same ranks as the n x n comparison, which a population of 19,200 cannot
afford (tested on ties and duplicates).
"""

from __future__ import annotations

import numba
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
    if obj.ndim == 2 and obj.shape[1] == 2 and obj.shape[0] and np.all(np.isfinite(obj)):
        return _rank_pairs(np.ascontiguousarray(obj[:, 0]), np.ascontiguousarray(obj[:, 1]))
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


@numba.njit(cache=True)
def _argsort(keys):  # pragma: no cover - compiled
    """np.argsort(keys, kind="stable") for float64 keys without NaN: a bottom-up merge sort
    (one small function: numba's own sorts take seconds to compile on a cold start)."""
    n = keys.size
    idx = np.arange(n)
    tmp = np.empty(n, np.int64)
    width = 1
    while width < n:
        lo = 0
        while lo < n:
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if keys[idx[j]] < keys[idx[i]]:  # ties keep the left run's item first
                    tmp[k] = idx[j]
                    j += 1
                else:
                    tmp[k] = idx[i]
                    i += 1
                k += 1
            while i < mid:
                tmp[k] = idx[i]
                i += 1
                k += 1
            while j < hi:
                tmp[k] = idx[j]
                j += 1
                k += 1
            lo = hi
        idx, tmp = tmp, idx
        width *= 2
    return idx


@numba.njit(cache=True)
def _then_by(keys, order):  # pragma: no cover - compiled
    """order re-sorted stably by keys[order]: a sort by keys, ties in the given order."""
    return order[_argsort(keys[order])]


@numba.njit(cache=True)
def _fronts_pairs(a, b):  # pragma: no cover - compiled
    """nondominated_fronts of [a, b]: a point's front is one more than the highest front of
    the points that dominate it. In lexicographic order (a, then b, both descending) every
    dominator comes first; among earlier points those with b at least as high dominate,
    except equal points, which are taken as one group before any of them is inserted."""
    n = a.size
    bo = _argsort(-b)
    order = _then_by(-a, bo)
    # Dense rank of b, 0 for the highest value.
    rb = np.empty(n, np.int64)
    r = -1
    prev = np.inf
    for k in range(n):
        v = b[bo[k]]
        if k == 0 or v != prev:
            r += 1
            prev = v
        rb[bo[k]] = r
    tree = np.full(r + 2, -1, np.int64)  # Fenwick tree of prefix maxima over ranks 0..r
    front = np.empty(n, np.int64)
    k = 0
    while k < n:
        i = order[k]
        j = k + 1
        while j < n and a[order[j]] == a[i] and b[order[j]] == b[i]:
            j += 1
        best = -1
        q = rb[i] + 1
        while q > 0:
            if tree[q] > best:
                best = tree[q]
            q -= q & (-q)
        f = best + 1
        for t in range(k, j):
            front[order[t]] = f
        q = rb[i] + 1
        while q < tree.size:
            if tree[q] < f:
                tree[q] = f
            q += q & (-q)
        k = j
    return front


@numba.njit(cache=True, nogil=True)
def _rank_pairs(a, b):  # pragma: no cover - compiled
    """rank_population for two finite objectives."""
    n = a.size
    front = _fronts_pairs(a, b)
    n_f = front.max() + 1
    counts = np.zeros(n_f + 1, np.int64)
    for i in range(n):
        counts[front[i] + 1] += 1
    for f in range(n_f):
        counts[f + 1] += counts[f]
    members = np.empty(n, np.int64)
    fill = counts[:-1].copy()
    for i in range(n):  # by front, index order within a front
        members[fill[front[i]]] = i
        fill[front[i]] += 1
    crowd = np.zeros(n)
    for f in range(n_f):
        mem = members[counts[f]:counts[f + 1]]
        size = mem.size
        if size <= 2:
            for i in mem:
                crowd[i] = np.inf
            continue
        for j in range(2):
            col = a if j == 0 else b
            vals = col[mem]
            o = _argsort(vals)
            lo, hi = vals[o[0]], vals[o[size - 1]]
            span = hi - lo
            crowd[mem[o[0]]] = np.inf
            crowd[mem[o[size - 1]]] = np.inf
            if span > 0:
                for t in range(1, size - 1):
                    crowd[mem[o[t]]] += (vals[o[t + 1]] - vals[o[t - 1]]) / span
    order = _then_by(front.astype(np.float64), _argsort(-crowd))
    rank = np.empty(n, np.int64)
    for k in range(n):
        rank[order[k]] = k
    return rank
