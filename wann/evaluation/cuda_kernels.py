"""The CUDA generation kernel: one thread per (net, weight, repetition) rollout.

The kernel calls the very functions the compiled CPU kernel calls (the twins' `step_twin` /
`observe_twin` and `forward`): numba-cuda compiles those `@njit` functions for the device from
their Python source, so there is one copy of the physics and of the forward pass. Only the
per-thread storage differs: state, observation and outputs live in fixed-size local arrays,
and node values in a global scratch array laid out [node, thread] so that the threads of a
warp read and write neighbouring words.

Thread t runs net t // slot, rollout t % slot of it (rollouts ordered weight-major, then
repetition), so the rollouts of one net sit side by side in a warp; with `slot` a multiple of
32 every warp runs one net only (threads past the net's rollouts return at once).
"""

from __future__ import annotations

import math

from numba import cuda, float64

from envs.twins.dispatch import MAX_OBS, MAX_STATE, observe_twin, step_twin
from wann.network import forward

# The forward pass as a device function made from the CPU function's own source. (The kernel
# could call the @njit function directly on a GPU, but numba's CUDA simulator, which CI runs,
# passes it simulated device arrays that @njit code cannot take.)
forward_device = cuda.jit(device=True)(forward.py_func)

MAX_OUT = 32  # largest n_out the kernel takes (local arrays need a size known when compiling)
BLOCK = 128  # threads per block


@cuda.jit(cache=True)
def generation_kernel(
    tid, node_off, act, in_start, in_end, edge_src, edge_w, out_pos, n_in, n_out, weights,
    init_states, max_steps, discrete, low, high, worst, slot, scratch, returns, bad, steps,
):  # pragma: no cover - compiled for the device (the simulator runs it as Python)
    """Every rollout of a generation; returns/bad/steps are flat [net, weight, repetition]."""
    t = cuda.grid(1)
    n_nets = node_off.size - 1
    n_w = weights.size
    n_rep = init_states.shape[0]
    per_net = n_w * n_rep
    k = t // slot
    j = t - k * slot
    if k >= n_nets or j >= per_net:
        return
    wi = j // n_rep
    rep = j - wi * n_rep
    job = k * per_net + j
    w = weights[wi]
    state = cuda.local.array(MAX_STATE, float64)
    for s in range(init_states.shape[1]):
        state[s] = init_states[rep, s]
    obs = cuda.local.array(MAX_OBS, float64)
    out_buf = cuda.local.array(MAX_OUT, float64)
    out = out_buf[:n_out]
    action = cuda.local.array(MAX_OUT, float64)
    values = scratch[:, t]
    total = 0.0
    failed = False
    n = 0
    while n < max_steps:
        observe_twin(tid, state, obs)
        forward_device(node_off, act, in_start, in_end, edge_src, edge_w, out_pos, k, n_in, obs, w,
                values, out)
        for o in range(n_out):
            if math.isinf(out[o]) or math.isnan(out[o]):
                failed = True
        if failed:
            break
        if discrete:
            best = 0
            for o in range(1, n_out):
                if out[o] > out[best]:
                    best = o
            action[0] = best
        else:
            for o in range(n_out):
                action[o] = min(max(out[o], low[o]), high[o])
        reward, terminated = step_twin(tid, state, action)
        total += reward
        n += 1
        if terminated:
            break
    returns[job] = worst if failed else total
    bad[job] = failed
    steps[job] = n
