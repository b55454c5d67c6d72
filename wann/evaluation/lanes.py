"""Lockstep lanes: the rollouts of one net (weights x repetitions) advance together.

A job is a net. Its rollouts are lanes: every step the node list, the edge lists and the
activation switch are walked once per node for all live lanes, so the per-node overhead is
paid once per step instead of once per rollout, and the lane arithmetic runs over contiguous
arrays. Lanes that finish (terminated, failed, out of steps) are compacted: the last live lane
moves into the finished lane's slot, so loops always run over lanes 0..n_live.

Each lane does exactly the arithmetic of one rollout of the scalar forward pass and the twin's
`step`/`observe` (the exact kernel is bit-identical to them); the swing-up twin runs as
structure of arrays through `wann_envs.twins.swingup.advance`, with cos(theta) of the reward reused
as the next observation's (the same libm call on the same value). The fast kernel is the same
code built with fast math (reassociation, contraction, reciprocals; NaN and infinity keep their
meaning, so failing nets fail) and libmvec's vector sin/cos/exp/tanh (`wann.vecmath`).

Threads take nets dynamically (an atomic counter, biggest nets first), because nets of one
generation differ widely in episode length; every net writes only its own result slots, so
results do not depend on the thread count or on which thread ran which net.

Compilation: the exact kernel's parallel loop calls `_net_exact`, a build of `_net` of its own
without the fast kernel's vector activations (see `_exact_build`), which compiles about 3x
faster than everything inlined into the loop. The fast kernel keeps `_net` inlined into its
parallel loop: its speed needs that (the parfor body's no-alias arrays, inlined activations).
"""

from __future__ import annotations

import math
from types import FunctionType

import numba
import numpy as np
from llvmlite import ir
from numba import prange, types
from numba.extending import intrinsic

from wann import activations, vecmath
from wann_envs.twins import swingup
from wann_envs.twins.dispatch import TWIN_IDS, observe_twin, step_twin

SWINGUP_TID = TWIN_IDS.index("wann/CartPoleSwingUp-v0")  # runs as structure of arrays


@intrinsic
def _fetch_add(typingctx, counter):  # noqa: ANN001, ARG001
    """Atomically add 1 to counter[0] (an int64 array) and return the old value."""
    sig = types.int64(counter)

    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        arr = context.make_array(signature.args[0])(context, builder, args[0])
        return builder.atomic_rmw("add", arr.data, ir.Constant(ir.IntType(64), 1), "monotonic")

    return sig, codegen


@numba.njit(inline="always")
def _sin_lanes(fast, src, dst, n):  # pragma: no cover - compiled
    """sin over lanes: libm per lane (exact) or libmvec (fast); `fast` is a constant."""
    if fast:
        vecmath.sin_lanes(src, dst, n)
    else:
        for L in range(n):
            dst[L] = math.sin(src[L])


@numba.njit(inline="always")
def _cos_lanes(fast, src, dst, n):  # pragma: no cover - compiled
    """cos over lanes: libm per lane (exact) or libmvec (fast); `fast` is a constant."""
    if fast:
        vecmath.cos_lanes(src, dst, n)
    else:
        for L in range(n):
            dst[L] = math.cos(src[L])


@numba.njit(inline="always")
def _apply_lanes(fast, a, u, out, n, tmp):  # pragma: no cover - compiled
    """An activation over lanes (see `_sin_lanes`)."""
    if fast:
        vecmath.apply_lanes(a, u, out, n, tmp)
    else:
        activations.apply_lanes(a, u, out, n)


@numba.njit(inline="always")
def _net(
    k, tid, obs_size, node_off, act, in_start, in_end, edge_src, edge_w, out_pos, n_in, n_out,
    weights, init_states, max_steps, discrete, low, high, worst, returns, bad, steps,
    fast,
):  # pragma: no cover - compiled
    """Every rollout of net k as lanes; lane l is weight l // n_rep, repetition l % n_rep."""
    n_w = weights.size
    n_rep = init_states.shape[0]
    n_lanes = n_w * n_rep
    lp = (n_lanes + 3) // 4 * 4
    base = node_off[k]
    n_nodes = node_off[k + 1] - base
    values = np.zeros((n_nodes, lp))
    acc = np.zeros(lp)
    u = np.zeros(lp)
    tmp = np.zeros(lp)
    outs = np.zeros((max(1, n_out), lp))
    lane = np.arange(lp)
    wl = np.zeros(lp)
    total = np.zeros(lp)
    failed = np.zeros(lp, dtype=np.bool_)
    done = np.zeros(lp, dtype=np.bool_)
    action = np.zeros((lp, max(1, n_out)))
    soa = tid == SWINGUP_TID and n_out == 1 and not discrete and n_in == 5
    # structure of arrays (swing-up) or one state row per lane (any twin)
    x = np.zeros(lp)
    xd = np.zeros(lp)
    th = np.zeros(lp)
    thd = np.zeros(lp)
    sn = np.zeros(lp)
    cs = np.zeros(lp)
    cx = np.zeros(lp)
    state = np.zeros((lp, init_states.shape[1]))
    obs = np.zeros((lp, obs_size))
    for L in range(n_lanes):
        wl[L] = weights[L // n_rep]
        for j in range(init_states.shape[1]):
            state[L, j] = init_states[L % n_rep, j]
        if soa:
            x[L] = state[L, 0]
            xd[L] = state[L, 1]
            th[L] = state[L, 2]
            thd[L] = state[L, 3]
    n = n_lanes
    if soa:
        _cos_lanes(fast, th, cs, n)
    t = 0
    while n > 0:
        # observe
        if soa:
            _sin_lanes(fast, th, sn, n)
            for L in range(n):
                values[1, L] = x[L]
                values[2, L] = xd[L]
                values[3, L] = cs[L]
                values[4, L] = sn[L]
                values[5, L] = thd[L]
        else:
            for L in range(n):
                observe_twin(tid, state[L], obs[L])
                for i in range(n_in):
                    values[1 + i, L] = obs[L, i]
        for L in range(n):
            values[0, L] = 1.0
        # forward pass, all lanes at once; padding lanes n..m have inputs 0 and weight 0
        m = (n + 3) // 4 * 4
        for L in range(n, m):
            for i in range(n_in):
                values[1 + i, L] = 0.0
        for i in range(1 + n_in, n_nodes):
            e0 = in_start[base + i]
            e1 = in_end[base + i]
            if m > 8:
                # many lanes (a search's weights x repetitions): every edge once, all lanes
                for L in range(m):
                    acc[L] = 0.0
                for e in range(e0, e1):
                    src = edge_src[e]
                    we = edge_w[e]
                    for L in range(m):
                        acc[L] += values[src, L] * we
                for L in range(m):
                    u[L] = wl[L] * acc[L]
            else:
                # few lanes (CMA-ES candidates' episodes): four at a time with their sums in
                # registers, 1.4x faster on a 4,609-weight net; each lane still adds its edges
                # in list order, so both paths give the same bits
                for c in range(0, m, 4):
                    a0 = 0.0
                    a1 = 0.0
                    a2 = 0.0
                    a3 = 0.0
                    for e in range(e0, e1):
                        src = edge_src[e]
                        we = edge_w[e]
                        a0 += values[src, c] * we
                        a1 += values[src, c + 1] * we
                        a2 += values[src, c + 2] * we
                        a3 += values[src, c + 3] * we
                    u[c] = wl[c] * a0
                    u[c + 1] = wl[c + 1] * a1
                    u[c + 2] = wl[c + 2] * a2
                    u[c + 3] = wl[c + 3] * a3
            _apply_lanes(fast, act[base + i], u, values[i], m if fast else n, tmp)
        if soa:
            # one continuous output: the action, clipped as for any twin, then the physics
            p = out_pos[k, 0]
            lo = low[0]
            hi = high[0]
            for L in range(n):
                out = values[p, L]
                failed[L] = not np.isfinite(out)
                a = min(max(out, lo), hi)
                x[L], xd[L], th[L], thd[L] = swingup.advance(
                    x[L], xd[L], th[L], thd[L], a, sn[L], cs[L]
                )
                tmp[L] = swingup.reward_arg(x[L])
            _cos_lanes(fast, th, cs, n)
            _cos_lanes(fast, tmp, cx, n)
            for L in range(n):
                total[L] += swingup.reward(cs[L], cx[L])
                done[L] = failed[L] or swingup.terminated(x[L])
        else:
            for o in range(n_out):
                p = out_pos[k, o]
                for L in range(n):
                    outs[o, L] = values[p, L]
            # actions; a lane with a non-finite output fails before its step
            for L in range(n):
                bad_l = False
                for o in range(n_out):
                    if not np.isfinite(outs[o, L]):
                        bad_l = True
                failed[L] = bad_l
                if discrete:
                    best = 0
                    for o in range(1, n_out):
                        if outs[o, L] > outs[best, L]:
                            best = o
                    action[L, 0] = best
                else:
                    for o in range(n_out):
                        action[L, o] = min(max(outs[o, L], low[o]), high[o])
            for L in range(n):
                if failed[L]:
                    done[L] = True
                else:
                    reward, term = step_twin(tid, state[L], action[L])
                    total[L] += reward
                    done[L] = term
        t += 1
        last_step = t >= max_steps
        # retire finished lanes: the last live lane moves into the slot
        L = 0
        while L < n:
            if not (done[L] or last_step):
                L += 1
                continue
            wi = lane[L] // n_rep
            rep = lane[L] % n_rep
            returns[k, wi, rep] = worst if failed[L] else total[L]
            bad[k, wi, rep] = failed[L]
            steps[k, wi, rep] = t - 1 if failed[L] else t
            n -= 1
            if L < n:
                lane[L] = lane[n]
                wl[L] = wl[n]
                total[L] = total[n]
                failed[L] = failed[n]
                done[L] = done[n]
                if soa:
                    x[L] = x[n]
                    xd[L] = xd[n]
                    th[L] = th[n]
                    thd[L] = thd[n]
                    cs[L] = cs[n]
                else:
                    for j in range(state.shape[1]):
                        state[L, j] = state[n, j]
            # the freed slot becomes padding: weight 0, a finite state
            wl[n] = 0.0
            x[n] = 0.0
            xd[n] = 0.0
            th[n] = 0.0
            thd[n] = 0.0
            cs[n] = 1.0


FAST_FLAGS = vecmath.FAST_FLAGS


@numba.njit(inline="always")
def _apply_lanes_exact(fast, a, u, out, n, tmp):  # pragma: no cover - compiled
    """`_apply_lanes` for `_net_exact`: only the exact activations (see `_exact_build`)."""
    activations.apply_lanes(a, u, out, n)


def _exact_build() -> numba.core.registry.CPUDispatcher:
    """`_net` as a function of its own, `_net_exact`, without the vector activation switch.

    Inlining `_net` (and, inside it, both activation switches) into the parallel kernel made the
    exact kernel's cold start about 3x slower: numba copies an inlined callee's IR block by block
    together with its whole variable scope (quadratic in the callee's size), then the parfor
    passes walk the whole body. The exact kernel only hands out nets and calls `_net_exact`. The
    fast kernel keeps everything inlined in its parallel loop, which it needs for its speed.
    The build's own name gives it its own file in numba's cache (named after the function);
    numpy's error model (no division checks) is the one the inlined parfor body had.
    """
    f = FunctionType(_net.py_func.__code__, {**_net.py_func.__globals__,
                                             "_apply_lanes": _apply_lanes_exact}, "_net_exact")
    f.__qualname__ = "_net_exact"
    f.__module__ = __name__
    f.__doc__ = _net.py_func.__doc__
    return numba.njit(cache=True, error_model="numpy")(f)


_net_exact = _exact_build()


@numba.njit(inline="always")
def _kernel(
    tid, obs_size, node_off, act, in_start, in_end, edge_src, edge_w, out_pos, n_in, n_out,
    weights, init_states, max_steps, discrete, low, high, worst, returns, bad, steps,
    order, counter, n_workers, fast,
):  # pragma: no cover - compiled
    for _ in prange(n_workers):
        while True:
            j = _fetch_add(counter)
            if j >= order.size:
                break
            _net(order[j], tid, obs_size, node_off, act, in_start, in_end, edge_src, edge_w,
                 out_pos, n_in, n_out, weights, init_states, max_steps, discrete, low, high,
                 worst, returns, bad, steps, fast)


@numba.njit(parallel=True, cache=True)
def exact_kernel(
    tid, obs_size, node_off, act, in_start, in_end, edge_src, edge_w, out_pos, n_in, n_out,
    weights, init_states, max_steps, discrete, low, high, worst, returns, bad, steps,
    order, counter, n_workers,
):  # pragma: no cover - compiled
    """Every rollout of a generation, bit-identical to the scalar forward pass and twins."""
    for _ in prange(n_workers):
        while True:
            j = _fetch_add(counter)
            if j >= order.size:
                break
            _net_exact(order[j], tid, obs_size, node_off, act, in_start, in_end, edge_src,
                       edge_w, out_pos, n_in, n_out, weights, init_states, max_steps, discrete,
                       low, high, worst, returns, bad, steps, False)


@numba.njit(parallel=True, cache=True, fastmath=FAST_FLAGS)
def fast_kernel(
    tid, obs_size, node_off, act, in_start, in_end, edge_src, edge_w, out_pos, n_in, n_out,
    weights, init_states, max_steps, discrete, low, high, worst, returns, bad, steps,
    order, counter, n_workers,
):  # pragma: no cover - compiled
    """The same kernel with fast math and libmvec's vector transcendentals."""
    _kernel(tid, obs_size, node_off, act, in_start, in_end, edge_src, edge_w, out_pos, n_in,
            n_out, weights, init_states, max_steps, discrete, low, high, worst, returns, bad,
            steps, order, counter, n_workers, True)
