"""A generation's breeding in one compiled call: elites, tournaments and the four mutations.

The same steps, in the same order and with the same random draws, as `Search` in Python
over `wann.variation` (kept as the reference, and tested against this draw for draw): the
elites copied, then per child a tournament (`Generator.choice` without replacement, the
lowest rank wins) and one mutation chosen by roulette, spun again over the remaining
operators while the chosen one is impossible. The population is packed
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
def _add_connection(st, nid, nkind, nb, n, cinnov, csrc, cdst, cen, cw, cb, m,
                    pos_of_id, reg, scratch):  # pragma: no cover - compiled
    """wann.variation.add_connection on the genome at node base nb (n nodes) and connection
    base cb (m connections); appends at cb + m. False when no pair can be connected."""
    rows, hkeys, hvals, ctr = reg
    perm, cnt, start, fill, par, mark, stack, cands = scratch
    ns = 0
    for i in range(n):
        if nkind[nb + i] != OUTPUT:
            perm[ns] = nid[nb + i]
            ns += 1
    rc.shuffle(st, perm, ns)  # Generator.permutation(sources)
    # Parents of every node (local indices), over all connections.
    for i in range(n + 1):
        cnt[i] = 0
    for e in range(m):
        cnt[pos_of_id[cdst[cb + e]] + 1] += 1
    start[0] = 0
    for i in range(n):
        start[i + 1] = start[i] + cnt[i + 1]
        fill[i] = start[i]
    for e in range(m):
        d = pos_of_id[cdst[cb + e]]
        par[fill[d]] = pos_of_id[csrc[cb + e]]
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
            k = nkind[nb + d]
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
            d_id = nid[nb + cands[rc.bounded(st, nc - 1)]]
            e = cb + m
            cinnov[e] = _connection(rows, hkeys, hvals, ctr, s_id, d_id)
            csrc[e] = s_id
            cdst[e] = d_id
            cen[e] = True
            cw[e] = 1.0
            return True
    return False


@numba.njit(cache=True)
def _add_node(st, nid, nkind, nact, nb, n, cinnov, csrc, cdst, cen, cw, cb, m, pos_of_id,
              reg, split_of, split_keys, hidden_acts):  # pragma: no cover - compiled
    """wann.variation.add_node: split an enabled connection; appends one node, two
    connections. False when no connection is enabled."""
    rows, hkeys, hvals, ctr = reg
    ne = 0
    for e in range(m):
        if cen[cb + e]:
            ne += 1
    if ne == 0:
        return False
    pick = rc.bounded(st, ne - 1)
    k = -1
    for e in range(m):
        if cen[cb + e]:
            if pick == 0:
                k = cb + e
                break
            pick -= 1
    s, d, innov = csrc[k], cdst[k], cinnov[k]
    node = split_of[innov]  # InnovationRegistry.split_node
    if node < 0 or pos_of_id[node] >= 0:
        if node < 0:
            split_keys[ctr[2]] = innov
            ctr[2] += 1
        node = ctr[1]
        ctr[1] += 1
        split_of[innov] = node
    act = hidden_acts[rc.bounded(st, hidden_acts.size - 1)]
    i1 = _connection(rows, hkeys, hvals, ctr, s, node)
    i2 = _connection(rows, hkeys, hvals, ctr, node, d)
    e = cb + m
    cinnov[e], csrc[e], cdst[e], cen[e], cw[e] = i1, s, node, True, 1.0
    cinnov[e + 1], csrc[e + 1], cdst[e + 1], cen[e + 1], cw[e + 1] = i2, node, d, True, cw[k]
    cen[k] = False
    nid[nb + n] = node
    nkind[nb + n] = HIDDEN
    nact[nb + n] = act
    pos_of_id[node] = n
    return True


@numba.njit(cache=True)
def _enable(st, cen, cb, m):  # pragma: no cover - compiled
    nd = 0
    for e in range(m):
        if not cen[cb + e]:
            nd += 1
    if nd == 0:
        return False
    pick = rc.bounded(st, nd - 1)
    for e in range(m):
        if not cen[cb + e]:
            if pick == 0:
                cen[cb + e] = True
                return True
            pick -= 1
    return False


@numba.njit(cache=True)
def _change_activation(st, nkind, nact, nb, n, hidden_acts):  # pragma: no cover - compiled
    nh = 0
    for i in range(n):
        if nkind[nb + i] == HIDDEN:
            nh += 1
    if nh == 0 or hidden_acts.size < 2:
        return False
    pick = rc.bounded(st, nh - 1)
    i = -1
    for j in range(n):
        if nkind[nb + j] == HIDDEN:
            if pick == 0:
                i = nb + j
                break
            pick -= 1
    cur = nact[i]
    nc = 0
    for a in hidden_acts:
        if a != cur:
            nc += 1
    if nc == 0:
        return False
    c = rc.bounded(st, nc - 1)
    for a in hidden_acts:
        if a != cur:
            if c == 0:
                nact[i] = a
                return True
            c -= 1
    return False


@numba.njit(cache=True, nogil=True)
def breed(
    node_off, node_id, node_kind, node_act, conn_off, conn_innov, conn_src, conn_dst,
    conn_enabled, conn_weight, by_rank, n_pool, n_elite, tourn, pop_size, cdfs, op_mask,
    hidden_acts, st, rows, hkeys, hvals, split_of, split_keys, ctr, pos_of_id,
):  # pragma: no cover - compiled
    """The next generation from the ranked one, as Search._next_generation breeds it.

    Returns its packed arrays (node_off, node_id, node_kind, node_act, conn_off, conn_innov,
    conn_src, conn_dst, conn_enabled, conn_weight) and the operator each child got (-1: an
    elite, or no operator could change the parent). The registry's arrays have room for
    2 connections and 1 split per child, and pos_of_id (-1 everywhere) for every node id
    this generation can make; both are updated in place, as is the generator state st.
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
    # Room for every child at its largest (the biggest parent, plus one node and two
    # connections): untouched pages of np.empty cost nothing, and nothing is reallocated.
    cap_n = pop_size * (max_n + 1)
    cap_m = pop_size * (max_m + 2)
    o_nid = np.empty(cap_n, np.int64)
    o_nkind = np.empty(cap_n, np.int8)
    o_nact = np.empty(cap_n, np.int8)
    o_cinnov = np.empty(cap_m, np.int64)
    o_csrc = np.empty(cap_m, np.int64)
    o_cdst = np.empty(cap_m, np.int64)
    o_cen = np.empty(cap_m, np.bool_)
    o_cw = np.empty(cap_m, np.float64)
    o_noff = np.zeros(pop_size + 1, np.int64)
    o_coff = np.zeros(pop_size + 1, np.int64)
    ops = np.full(pop_size, -1, np.int8)
    sn = max_n + 2
    scratch = (np.empty(sn, np.int64), np.empty(sn + 1, np.int64), np.empty(sn + 1, np.int64),
               np.empty(sn, np.int64), np.empty(max_m + 2, np.int64), np.empty(sn, np.int64),
               np.empty(sn + max_m + 2, np.int64), np.empty(sn, np.int64))
    tscratch = np.empty(max(n_pool, tourn) + 1, np.int64)
    nb = np.int64(0)  # typed, not a literal: the operators compile once
    cb = np.int64(0)
    for child in range(pop_size):
        if child < n_elite:
            p = by_rank[child]
        else:
            p = by_rank[rc.choice_min(st, n_pool, tourn, tscratch)]
        a, b = node_off[p], node_off[p + 1]
        c, d = conn_off[p], conn_off[p + 1]
        n, m = b - a, d - c
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
        dn = 0
        dm = 0
        if child >= n_elite:
            for i in range(n):
                pos_of_id[o_nid[nb + i]] = i
            mask = op_mask
            while mask != 0:
                op = rc.roulette(st, cdfs[mask])
                ok = False
                if op == ADD_CONN:
                    ok = _add_connection(st, o_nid, o_nkind, nb, n, o_cinnov, o_csrc, o_cdst,
                                         o_cen, o_cw, cb, m, pos_of_id, reg, scratch)
                    if ok:
                        dm = 1
                elif op == ADD_NODE:
                    ok = _add_node(st, o_nid, o_nkind, o_nact, nb, n, o_cinnov, o_csrc, o_cdst,
                                   o_cen, o_cw, cb, m, pos_of_id, reg, split_of, split_keys,
                                   hidden_acts)
                    if ok:
                        dn = 1
                        dm = 2
                elif op == ENABLE:
                    ok = _enable(st, o_cen, cb, m)
                else:
                    ok = _change_activation(st, o_nkind, o_nact, nb, n, hidden_acts)
                if ok:
                    ops[child] = op
                    break
                mask &= ~(1 << op)
            for i in range(n + dn):
                pos_of_id[o_nid[nb + i]] = -1
        nb += n + dn
        cb += m + dm
        o_noff[child + 1] = nb
        o_coff[child + 1] = cb
    # Views of the used part: the pages past it were never touched, so they hold no memory
    # (copying them out cost as much again in page faults).
    return (o_noff, o_nid[:nb], o_nkind[:nb], o_nact[:nb], o_coff, o_cinnov[:cb],
            o_csrc[:cb], o_cdst[:cb], o_cen[:cb], o_cw[:cb], ops)
