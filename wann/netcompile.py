"""Compiling one genome to flat arrays in one numba call.

`compile_genome` runs for every genome of every generation; in Python (a dict per genome, a
list per node for Kahn's algorithm) it cost about 0.3 ms a genome, the largest part of a GPU
run's host time. This does the same steps, in the same order, compiled: the topological order
of `wann.genome.topological_order` (bias and inputs first, then Kahn's algorithm by node index,
every connection counted, enabled or not), and a stable grouping of enabled edges by target.
"""

from __future__ import annotations

import numba
import numpy as np

OK, UNKNOWN_NODE, CYCLE = 0, 1, 2


# Plain loops rather than numpy's argsort, searchsorted and cumsum: the same results, and a
# cold start (an empty numba cache, as on a fresh machine) compiles this module in about a
# second instead of six.


@numba.njit(cache=True)
def _stable_order(keys):  # pragma: no cover - compiled
    """np.argsort(keys, kind="mergesort"): by insertion, stable, linear on the sorted ids a
    genome usually holds (new nodes get the next id)."""
    n = keys.size
    order = np.empty(n, np.int64)
    for i in range(n):
        j = i
        while j > 0 and keys[order[j - 1]] > keys[i]:
            order[j] = order[j - 1]
            j -= 1
        order[j] = i
    return order


@numba.njit(cache=True)
def _node_index(sorted_ids, order, ids, out):  # pragma: no cover - compiled
    """out[i] = position of ids[i] in the node arrays; the first missing id, or -1 if none."""
    n = sorted_ids.size
    for i in range(ids.size):
        lo, hi = 0, n  # the first position whose id is >= ids[i] (np.searchsorted, left)
        while lo < hi:
            mid = (lo + hi) // 2
            if sorted_ids[mid] < ids[i]:
                lo = mid + 1
            else:
                hi = mid
        if lo >= n or sorted_ids[lo] != ids[i]:
            return i
        out[i] = order[lo]
    return -1


@numba.njit(cache=True)
def compile_arrays(
    node_id, node_kind, node_act, conn_src, conn_dst, conn_enabled, conn_weight, n_in, use_weights,
):  # pragma: no cover - compiled
    """(status, detail, act, in_start, in_end, edge_src, edge_w, outputs' positions, perm).

    status OK, or UNKNOWN_NODE (detail: the id) or CYCLE, in which case the arrays are empty.
    """
    n = node_id.size
    m = conn_src.size
    order_ids = _stable_order(node_id)
    sorted_ids = np.empty(n, np.int64)
    for i in range(n):
        sorted_ids[i] = node_id[order_ids[i]]
    src = np.empty(m, np.int64)
    dst = np.empty(m, np.int64)
    bad = _node_index(sorted_ids, order_ids, conn_src, src)
    if bad >= 0:
        return _unknown(conn_src[bad])
    bad = _node_index(sorted_ids, order_ids, conn_dst, dst)
    if bad >= 0:
        return _unknown(conn_dst[bad])
    return _from_index(node_kind, node_act, src, dst, conn_enabled, conn_weight, n_in,
                       use_weights)


@numba.njit(cache=True)
def _unknown(node):  # pragma: no cover - compiled
    empty_i = np.zeros(0, np.int64)
    return UNKNOWN_NODE, node, empty_i, empty_i, empty_i, empty_i, np.zeros(0), empty_i


@numba.njit(cache=True)
def _compile_dense(
    node_id, node_kind, node_act, conn_src, conn_dst, conn_enabled, conn_weight, n_in,
    use_weights, pos,
):  # pragma: no cover - compiled
    """compile_arrays with node ids looked up in `pos` (indexed by id, -1 everywhere, larger
    than every id of the genome, none negative) instead of a binary search per connection
    end: the same result, and `pos` is left as it was found."""
    n = node_id.size
    m = conn_src.size
    for i in range(n - 1, -1, -1):  # duplicate ids: the first position, as the search finds
        pos[node_id[i]] = i
    src = np.empty(m, np.int64)
    dst = np.empty(m, np.int64)
    found = False  # an end that is no node of the genome (the first, sources before targets)
    bad = 0
    for e in range(m):
        v = conn_src[e]
        if v < 0 or v >= pos.size or pos[v] < 0:
            found, bad = True, v
            break
        src[e] = pos[v]
    if not found:
        for e in range(m):
            v = conn_dst[e]
            if v < 0 or v >= pos.size or pos[v] < 0:
                found, bad = True, v
                break
            dst[e] = pos[v]
    for i in range(n):
        pos[node_id[i]] = -1
    if found:
        return _unknown(bad)
    return _from_index(node_kind, node_act, src, dst, conn_enabled, conn_weight, n_in,
                       use_weights)


@numba.njit(cache=True)
def _from_index(
    node_kind, node_act, src, dst, conn_enabled, conn_weight, n_in, use_weights,
):  # pragma: no cover - compiled
    """compile_arrays' steps after its connection ends are node positions (src, dst)."""
    n = node_kind.size
    m = src.size
    empty_i = np.zeros(0, np.int64)
    empty_f = np.zeros(0, np.float64)
    # Kahn's algorithm, children in connection order, ready nodes by index: as topological_order.
    indeg = np.zeros(n, np.int64)
    n_child = np.zeros(n + 1, np.int64)
    for e in range(m):
        indeg[dst[e]] += 1
        n_child[src[e] + 1] += 1
    child_start = n_child  # running sums in place: child_start[i] = children before node i
    for i in range(1, n + 1):
        child_start[i] += child_start[i - 1]
    fill = np.empty(n, np.int64)
    for i in range(n):
        fill[i] = child_start[i]
    children = np.empty(m, np.int64)
    for e in range(m):
        children[fill[src[e]]] = dst[e]
        fill[src[e]] += 1
    ready = np.empty(n, np.int64)
    tail = 0
    for i in range(n):
        if indeg[i] == 0:
            ready[tail] = i
            tail += 1
    head = 0
    while head < tail:
        i = ready[head]
        head += 1
        for c in range(child_start[i], child_start[i + 1]):
            d = children[c]
            indeg[d] -= 1
            if indeg[d] == 0:
                ready[tail] = d
                tail += 1
    if tail != n:
        return CYCLE, 0, empty_i, empty_i, empty_i, empty_i, empty_f, empty_i
    # Bias and inputs keep positions 0..n_in; outputs and hidden nodes follow in that order.
    perm = np.empty(n, np.int64)
    k = 0
    for i in range(1 + n_in):
        perm[k] = i
        k += 1
    for h in range(n):
        i = ready[h]
        if node_kind[i] > 1:
            perm[k] = i
            k += 1
    pos_of_index = np.empty(n, np.int64)
    for p in range(k):
        pos_of_index[perm[p]] = p
    act = np.empty(k, np.int64)
    for p in range(k):
        act[p] = node_act[perm[p]]
    # Enabled edges grouped by target position, in connection order within a target (stable).
    counts = np.zeros(n, np.int64)
    n_en = 0
    for e in range(m):
        if conn_enabled[e]:
            counts[pos_of_index[dst[e]]] += 1
            n_en += 1
    in_start = np.empty(n, np.int64)
    in_end = np.empty(n, np.int64)
    fill = np.empty(n, np.int64)
    acc = 0
    for p in range(n):
        in_start[p] = acc
        fill[p] = acc
        acc += counts[p]
        in_end[p] = acc
    edge_src = np.empty(n_en, np.int64)
    edge_w = np.empty(n_en, np.float64)
    for e in range(m):
        if conn_enabled[e]:
            p = pos_of_index[dst[e]]
            edge_src[fill[p]] = pos_of_index[src[e]]
            edge_w[fill[p]] = conn_weight[e] if use_weights else 1.0
            fill[p] += 1
    n_out_nodes = 0
    for i in range(n):
        if node_kind[i] == 2:
            n_out_nodes += 1
    out_pos = np.empty(n_out_nodes, np.int64)
    j = 0
    for i in range(n):
        if node_kind[i] == 2:
            out_pos[j] = pos_of_index[i]
            j += 1
    return OK, 0, act, in_start, in_end, edge_src, edge_w, out_pos


@numba.njit(cache=True, nogil=True)
def _compile_serial(
    node_off, node_id, node_kind, node_act, conn_off, conn_src, conn_dst, conn_enabled,
    conn_weight, n_in, n_out, use_weights,
):  # pragma: no cover - compiled
    """`compile_many`, one genome after another."""
    n_g = node_off.size - 1
    total_nodes = node_off[n_g]
    pos = np.full(_id_bound(node_id), -1, np.int64)  # node id -> position, per genome
    n_en = 0
    for e in range(conn_enabled.size):
        if conn_enabled[e]:
            n_en += 1
    act = np.empty(total_nodes, np.int64)
    in_start = np.empty(total_nodes, np.int64)
    in_end = np.empty(total_nodes, np.int64)
    edge_src = np.empty(n_en, np.int64)
    edge_w = np.empty(n_en, np.float64)
    out_pos = np.empty((n_g, n_out), np.int64)
    n_conn = np.empty(n_g, np.int64)
    edge_base = 0
    for g in range(n_g):
        a, b = node_off[g], node_off[g + 1]
        c, d = conn_off[g], conn_off[g + 1]
        status, _, g_act, g_start, g_end, g_src, g_w, g_out = _compile_dense(
            node_id[a:b], node_kind[a:b], node_act[a:b], conn_src[c:d], conn_dst[c:d],
            conn_enabled[c:d], conn_weight[c:d], n_in, use_weights, pos,
        )
        if status != OK or g_act.size != b - a or g_out.size != n_out:
            return g, act, in_start, in_end, edge_src, edge_w, out_pos, n_conn
        for p in range(b - a):
            act[a + p] = g_act[p]
            in_start[a + p] = g_start[p] + edge_base
            in_end[a + p] = g_end[p] + edge_base
        for q in range(g_src.size):
            edge_src[edge_base + q] = g_src[q]
            edge_w[edge_base + q] = g_w[q]
        for o in range(n_out):
            out_pos[g, o] = g_out[o]
        n_conn[g] = g_src.size
        edge_base += g_src.size
    return -1, act, in_start, in_end, edge_src, edge_w, out_pos, n_conn


@numba.njit(cache=True, nogil=True, parallel=True)
def _compile_parallel(
    node_off, node_id, node_kind, node_act, conn_off, conn_src, conn_dst, conn_enabled,
    conn_weight, n_in, n_out, use_weights, n_chunks,
):  # pragma: no cover - compiled
    """`_compile_serial` over threads: each genome's enabled connections fix where its
    edges go, so genomes compile in parallel (prange), each into its own slices: the same
    arrays as one after another."""
    n_g = node_off.size - 1
    total_nodes = node_off[n_g]
    n_conn = np.zeros(n_g, np.int64)
    for g in range(n_g):
        k = 0
        for e in range(conn_off[g], conn_off[g + 1]):
            if conn_enabled[e]:
                k += 1
        n_conn[g] = k
    edge_off = np.zeros(n_g + 1, np.int64)
    for g in range(n_g):
        edge_off[g + 1] = edge_off[g] + n_conn[g]
    act = np.empty(total_nodes, np.int64)
    in_start = np.empty(total_nodes, np.int64)
    in_end = np.empty(total_nodes, np.int64)
    edge_src = np.empty(edge_off[n_g], np.int64)
    edge_w = np.empty(edge_off[n_g], np.float64)
    out_pos = np.empty((n_g, n_out), np.int64)
    ok = np.ones(n_g, np.bool_)
    n_chunks = max(min(n_g, n_chunks), 1)
    bound = _id_bound(node_id)
    for chunk in numba.prange(n_chunks):  # a chunk of genomes per task, one id scratch each
        pos = np.full(bound, -1, np.int64)
        for g in range(chunk * n_g // n_chunks, (chunk + 1) * n_g // n_chunks):
            _compile_into(g, node_off, node_id, node_kind, node_act, conn_off, conn_src,
                          conn_dst, conn_enabled, conn_weight, n_in, n_out, use_weights, pos,
                          edge_off, act, in_start, in_end, edge_src, edge_w, out_pos, ok)
    for g in range(n_g):
        if not ok[g]:
            return g, act, in_start, in_end, edge_src, edge_w, out_pos, n_conn
    return -1, act, in_start, in_end, edge_src, edge_w, out_pos, n_conn


@numba.njit(cache=True)
def _compile_into(
    g, node_off, node_id, node_kind, node_act, conn_off, conn_src, conn_dst, conn_enabled,
    conn_weight, n_in, n_out, use_weights, pos, edge_off, act, in_start, in_end, edge_src,
    edge_w, out_pos, ok,
):  # pragma: no cover - compiled
    """Genome g compiled into its slices of the population's arrays (ok[g]: it compiled)."""
    a, b = node_off[g], node_off[g + 1]
    c, d = conn_off[g], conn_off[g + 1]
    status, _, g_act, g_start, g_end, g_src, g_w, g_out = _compile_dense(
        node_id[a:b], node_kind[a:b], node_act[a:b], conn_src[c:d], conn_dst[c:d],
        conn_enabled[c:d], conn_weight[c:d], n_in, use_weights, pos,
    )
    if status != OK or g_act.size != b - a or g_out.size != n_out:
        ok[g] = False
        return
    base = edge_off[g]
    for p in range(b - a):
        act[a + p] = g_act[p]
        in_start[a + p] = g_start[p] + base
        in_end[a + p] = g_end[p] + base
    for q in range(g_src.size):
        edge_src[base + q] = g_src[q]
        edge_w[base + q] = g_w[q]
    for o in range(n_out):
        out_pos[g, o] = g_out[o]


@numba.njit(cache=True)
def _id_bound(node_id):  # pragma: no cover - compiled
    """One more than the largest node id of a population (whose ids are not negative)."""
    hi = -1
    for v in node_id:
        hi = max(hi, v)
    return hi + 1


# From this many genomes, on a machine with at least PARALLEL_THREADS threads, a population
# compiles on all threads. Smaller ones (a swing-up generation of 192 takes about a
# millisecond) stay serial, and the parallel function, whose first compile takes seconds, is
# then never compiled. On two busy cores the threads lost to one (1,920 nets: 30 ms against
# 13 ms serial, benchmarks/bench_host.py).
PARALLEL_FROM = 1000
PARALLEL_THREADS = 8
# ... or from this many genes in all, whatever the population's size: an MNIST population of
# 960 carries every one of its 2,560 input-output connections, mostly disabled (2.5 million).
PARALLEL_GENES = 500_000


def parallel_pays(n_genomes: int, n_genes: int) -> bool:
    """Whether a population this large compiles and breeds on all threads."""
    return (n_genomes >= PARALLEL_FROM or n_genes >= PARALLEL_GENES) and (
        numba.get_num_threads() >= PARALLEL_THREADS)


def compile_many(
    node_off: np.ndarray, node_id: np.ndarray, node_kind: np.ndarray, node_act: np.ndarray,
    conn_off: np.ndarray, conn_src: np.ndarray, conn_dst: np.ndarray,
    conn_enabled: np.ndarray, conn_weight: np.ndarray, n_in: int, n_out: int,
    use_weights: bool,
) -> tuple:
    """Every genome of a population (its arrays concatenated, genome g's nodes at
    node_off[g]:node_off[g + 1] and connections at conn_off[g]:conn_off[g + 1]) compiled by
    `compile_arrays` and packed as `pack_batches` packs them, in one call.

    Returns (failed, act, in_start, in_end, edge_src, edge_w, out_pos, n_conn); `failed` is
    the first genome that does not compile (or whose nodes or outputs do not add up), else -1.
    """
    lo = int(node_id.min()) if node_id.size else 0
    if lo < 0:  # ids serve only to find nodes: shifted, they index the compiled lookup
        node_id, conn_src, conn_dst = node_id - lo, conn_src - lo, conn_dst - lo
    args = (node_off, node_id, node_kind, node_act, conn_off, conn_src, conn_dst,
            conn_enabled, conn_weight, n_in, n_out, use_weights)
    if parallel_pays(node_off.size - 1, int(conn_off[-1])):
        return _compile_parallel(*args, 4 * numba.get_num_threads())
    return _compile_serial(*args)
