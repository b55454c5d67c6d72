"""A generation's breeding in one compiled call: elites, tournaments and the four mutations.

The same steps, in the same order and with the same random draws, as `Search` in Python
over `wann.variation` (kept as the reference, and tested against this draw for draw): the
elites copied, then per child a tournament (`Generator.choice` without replacement, the
lowest rank wins) and one mutation chosen by roulette, spun again over the remaining
operators while the chosen one is impossible.

In two steps: `plan`, in order (every draw and innovation number depends on those before
it), reads each child's parent and decides its change (a row of `plan`: the operator and its
arguments), writing nothing but the registry; `build` then copies every parent into its
child and applies the change, each child on its own, so a large generation is built on all
threads (`build_parallel`). The population is packed
(`wann.population.Population`), the innovation registry is its arrays
(`wann.genome.InnovationRegistry`), and the random numbers are numpy's PCG64 draws
(`wann.rngcore`), so the same seed breeds the same generation as the Python path, and a
checkpoint's generator state is numpy's.
"""

from __future__ import annotations

import numba
import numpy as np

from wann import rngcore as rc
from wann.genome import _connection

OUTPUT, HIDDEN = 2, 3
ADD_CONN, ADD_NODE, ENABLE, MUT_ACT = range(4)


@numba.njit(cache=True)
def _add_connection(st, nid, nkind, a, n, csrc, cdst, c, m, pos_of_id, reg, scratch,
                    row):  # pragma: no cover - compiled
    """wann.variation.add_connection on the genome at node base a (n nodes) and connection
    base c (m connections): row = (ADD_CONN, source id, target id, innovation). False when
    no pair can be connected."""
    rows, hkeys, hvals, ctr = reg
    perm, cnt, start, fill, par, mark, stack, cands = scratch
    ns = 0
    for i in range(n):
        if nkind[a + i] != OUTPUT:
            perm[ns] = nid[a + i]
            ns += 1
    rc.shuffle(st, perm, ns)  # Generator.permutation(sources)
    # Parents of every node (local indices), over all connections.
    for i in range(n + 1):
        cnt[i] = 0
    for e in range(m):
        cnt[pos_of_id[cdst[c + e]] + 1] += 1
    start[0] = 0
    for i in range(n):
        start[i + 1] = start[i] + cnt[i + 1]
        fill[i] = start[i]
    for e in range(m):
        d = pos_of_id[cdst[c + e]]
        par[fill[d]] = pos_of_id[csrc[c + e]]
        fill[d] += 1
    for i in range(n):
        mark[i] = -1
    for t in range(ns):
        s_id = perm[t]
        s = pos_of_id[s_id]
        mark[s] = t  # the ancestors of s, itself included, marked t
        top = 1
        stack[0] = s
        while top > 0:
            top -= 1
            x = stack[top]
            for q in range(start[x], start[x + 1]):
                p = par[q]
                if mark[p] != t:
                    mark[p] = t
                    stack[top] = p
                    top += 1
        nc = 0
        for d in range(n):
            k = nkind[a + d]
            if (k != OUTPUT and k != HIDDEN) or mark[d] == t:
                continue
            exists = False
            for q in range(start[d], start[d + 1]):
                if par[q] == s:
                    exists = True
                    break
            if not exists:
                cands[nc] = d
                nc += 1
        if nc:
            d_id = nid[a + cands[rc.bounded(st, nc - 1)]]
            row[0], row[1], row[2] = ADD_CONN, s_id, d_id
            row[3] = _connection(rows, hkeys, hvals, ctr, s_id, d_id)
            return True
    return False


@numba.njit(cache=True)
def _add_node(st, cinnov, csrc, cdst, cen, c, m, pos_of_id, reg, split_of, split_keys,
              hidden_acts, row):  # pragma: no cover - compiled
    """wann.variation.add_node: split an enabled connection; row = (ADD_NODE, its index in
    the genome, the new node's id, its activation, the two new innovations). False when no
    connection is enabled."""
    rows, hkeys, hvals, ctr = reg
    ne = 0
    for e in range(m):
        if cen[c + e]:
            ne += 1
    if ne == 0:
        return False
    pick = rc.bounded(st, ne - 1)
    k = -1
    for e in range(m):
        if cen[c + e]:
            if pick == 0:
                k = e
                break
            pick -= 1
    s, d, innov = csrc[c + k], cdst[c + k], cinnov[c + k]
    node = split_of[innov]  # InnovationRegistry.split_node
    if node < 0 or pos_of_id[node] >= 0:
        if node < 0:
            split_keys[ctr[2]] = innov
            ctr[2] += 1
        node = ctr[1]
        ctr[1] += 1
        split_of[innov] = node
    act = hidden_acts[rc.bounded(st, hidden_acts.size - 1)]
    row[0], row[1], row[2], row[3] = ADD_NODE, k, node, act
    row[4] = _connection(rows, hkeys, hvals, ctr, s, node)
    row[5] = _connection(rows, hkeys, hvals, ctr, node, d)
    return True


@numba.njit(cache=True)
def _enable(st, cen, c, m, row):  # pragma: no cover - compiled
    """wann.variation.enable_connection: row = (ENABLE, the connection's index)."""
    nd = 0
    for e in range(m):
        if not cen[c + e]:
            nd += 1
    if nd == 0:
        return False
    pick = rc.bounded(st, nd - 1)
    for e in range(m):
        if not cen[c + e]:
            if pick == 0:
                row[0], row[1] = ENABLE, e
                return True
            pick -= 1
    return False


@numba.njit(cache=True)
def _change_activation(st, nkind, nact, a, n, hidden_acts, row):  # pragma: no cover - compiled
    """wann.variation.change_activation: row = (MUT_ACT, the node's index, its activation)."""
    nh = 0
    for i in range(n):
        if nkind[a + i] == HIDDEN:
            nh += 1
    if nh == 0 or hidden_acts.size < 2:
        return False
    pick = rc.bounded(st, nh - 1)
    i = -1
    for j in range(n):
        if nkind[a + j] == HIDDEN:
            if pick == 0:
                i = j
                break
            pick -= 1
    cur = nact[a + i]
    nc = 0
    for v in hidden_acts:
        if v != cur:
            nc += 1
    if nc == 0:
        return False
    pick = rc.bounded(st, nc - 1)
    for v in hidden_acts:
        if v != cur:
            if pick == 0:
                row[0], row[1], row[2] = MUT_ACT, i, v
                return True
            pick -= 1
    return False


@numba.njit(cache=True, nogil=True)
def plan(
    node_off, node_id, node_kind, node_act, conn_off, conn_innov, conn_src, conn_dst,
    conn_enabled, by_rank, n_pool, n_elite, tourn, pop_size, cdfs, op_mask, hidden_acts, st,
    rows, hkeys, hvals, split_of, split_keys, ctr, pos_of_id,
):  # pragma: no cover - compiled
    """The next generation's parents and changes, as Search._next_generation draws them.

    Returns (parent of each child, the children's node and connection offsets, plan): a
    plan row is (operator, arguments...), operator -1 for an elite or a child no operator
    could change. The registry's arrays have room for 2 connections and 1 split per child,
    and pos_of_id (-1 everywhere) for every node id this generation can make; both are
    updated in place (pos_of_id back to -1), as is the generator state st.
    """
    # InnovationRegistry.new_generation
    for j in range(ctr[2]):
        split_of[split_keys[j]] = -1
    ctr[2] = 0
    reg = (rows, hkeys, hvals, ctr)
    n_par = node_off.size - 1
    max_n = 1
    max_m = 1
    for g in range(n_par):
        max_n = max(max_n, node_off[g + 1] - node_off[g])
        max_m = max(max_m, conn_off[g + 1] - conn_off[g])
    sn = max_n + 2
    scratch = (np.empty(sn, np.int64), np.empty(sn + 1, np.int64), np.empty(sn + 1, np.int64),
               np.empty(sn, np.int64), np.empty(max_m + 2, np.int64), np.empty(sn, np.int64),
               np.empty(sn + max_m + 2, np.int64), np.empty(sn, np.int64))
    tscratch = np.empty(max(n_pool, tourn) + 1, np.int64)
    parent = np.empty(pop_size, np.int64)
    steps = np.full((pop_size, 6), -1, np.int64)
    o_noff = np.zeros(pop_size + 1, np.int64)
    o_coff = np.zeros(pop_size + 1, np.int64)
    for child in range(pop_size):
        if child < n_elite:
            p = by_rank[child]
        else:
            p = by_rank[rc.choice_min(st, n_pool, tourn, tscratch)]
        parent[child] = p
        a, b = node_off[p], node_off[p + 1]
        c, d = conn_off[p], conn_off[p + 1]
        n, m = b - a, d - c
        row = steps[child]
        if child >= n_elite:
            for i in range(n):
                pos_of_id[node_id[a + i]] = i
            mask = op_mask
            while mask != 0:
                op = rc.roulette(st, cdfs[mask])
                if op == ADD_CONN:
                    ok = _add_connection(st, node_id, node_kind, a, n, conn_src, conn_dst, c,
                                         m, pos_of_id, reg, scratch, row)
                elif op == ADD_NODE:
                    ok = _add_node(st, conn_innov, conn_src, conn_dst, conn_enabled, c, m,
                                   pos_of_id, reg, split_of, split_keys, hidden_acts, row)
                elif op == ENABLE:
                    ok = _enable(st, conn_enabled, c, m, row)
                else:
                    ok = _change_activation(st, node_kind, node_act, a, n, hidden_acts, row)
                if ok:
                    break
                mask &= ~(1 << op)
            for i in range(n):
                pos_of_id[node_id[a + i]] = -1
        o_noff[child + 1] = o_noff[child] + n + (1 if row[0] == ADD_NODE else 0)
        o_coff[child + 1] = o_coff[child] + m + (
            1 if row[0] == ADD_CONN else 2 if row[0] == ADD_NODE else 0)
    return parent, o_noff, o_coff, steps


@numba.njit(cache=True, inline="always")
def _build_child(
    child, parent, steps, node_off, node_id, node_kind, node_act, conn_off, conn_innov,
    conn_src, conn_dst, conn_enabled, conn_weight, o_noff, o_coff, o_nid, o_nkind, o_nact,
    o_cinnov, o_csrc, o_cdst, o_cen, o_cw,
):  # pragma: no cover - compiled
    """A child: its parent's genes, then the change its plan row names."""
    p = parent[child]
    a, c = node_off[p], conn_off[p]
    n, m = node_off[p + 1] - a, conn_off[p + 1] - c
    nb, cb = o_noff[child], o_coff[child]
    for i in range(n):
        o_nid[nb + i] = node_id[a + i]
        o_nkind[nb + i] = node_kind[a + i]
        o_nact[nb + i] = node_act[a + i]
    for e in range(m):
        o_cinnov[cb + e] = conn_innov[c + e]
        o_csrc[cb + e] = conn_src[c + e]
        o_cdst[cb + e] = conn_dst[c + e]
        o_cen[cb + e] = conn_enabled[c + e]
        o_cw[cb + e] = conn_weight[c + e]
    row = steps[child]
    op = row[0]
    e = cb + m
    if op == ADD_CONN:
        o_cinnov[e], o_csrc[e], o_cdst[e], o_cen[e], o_cw[e] = row[3], row[1], row[2], True, 1.0
    elif op == ADD_NODE:
        k, node = row[1], row[2]
        s, d = conn_src[c + k], conn_dst[c + k]
        o_cen[cb + k] = False
        o_cinnov[e], o_csrc[e], o_cdst[e], o_cen[e], o_cw[e] = row[4], s, node, True, 1.0
        o_cinnov[e + 1], o_csrc[e + 1], o_cdst[e + 1] = row[5], node, d
        o_cen[e + 1], o_cw[e + 1] = True, conn_weight[c + k]
        o_nid[nb + n], o_nkind[nb + n], o_nact[nb + n] = node, HIDDEN, row[3]
    elif op == ENABLE:
        o_cen[cb + row[1]] = True
    elif op == MUT_ACT:
        o_nact[nb + row[1]] = row[2]


@numba.njit(cache=True, nogil=True)
def build(
    parent, steps, o_noff, o_coff, node_off, node_id, node_kind, node_act, conn_off,
    conn_innov, conn_src, conn_dst, conn_enabled, conn_weight,
):  # pragma: no cover - compiled
    """The children `plan` decided, one after another: their packed arrays (node_id,
    node_kind, node_act, conn_innov, conn_src, conn_dst, conn_enabled, conn_weight)."""
    o_nid, o_nkind, o_nact, o_cinnov, o_csrc, o_cdst, o_cen, o_cw = _children(o_noff, o_coff)
    for child in range(parent.size):
        _build_child(child, parent, steps, node_off, node_id, node_kind, node_act, conn_off,
                     conn_innov, conn_src, conn_dst, conn_enabled, conn_weight, o_noff, o_coff,
                     o_nid, o_nkind, o_nact, o_cinnov, o_csrc, o_cdst, o_cen, o_cw)
    return o_nid, o_nkind, o_nact, o_cinnov, o_csrc, o_cdst, o_cen, o_cw


@numba.njit(cache=True, nogil=True, parallel=True)
def build_parallel(
    parent, steps, o_noff, o_coff, node_off, node_id, node_kind, node_act, conn_off,
    conn_innov, conn_src, conn_dst, conn_enabled, conn_weight,
):  # pragma: no cover - compiled
    """`build` on all threads: every child writes only its own slices."""
    o_nid, o_nkind, o_nact, o_cinnov, o_csrc, o_cdst, o_cen, o_cw = _children(o_noff, o_coff)
    for child in numba.prange(parent.size):
        _build_child(child, parent, steps, node_off, node_id, node_kind, node_act, conn_off,
                     conn_innov, conn_src, conn_dst, conn_enabled, conn_weight, o_noff, o_coff,
                     o_nid, o_nkind, o_nact, o_cinnov, o_csrc, o_cdst, o_cen, o_cw)
    return o_nid, o_nkind, o_nact, o_cinnov, o_csrc, o_cdst, o_cen, o_cw


@numba.njit(cache=True)
def _children(o_noff, o_coff):  # pragma: no cover - compiled
    nn, nc = o_noff[-1], o_coff[-1]
    return (np.empty(nn, np.int64), np.empty(nn, np.int8), np.empty(nn, np.int8),
            np.empty(nc, np.int64), np.empty(nc, np.int64), np.empty(nc, np.int64),
            np.empty(nc, np.bool_), np.empty(nc, np.float64))
