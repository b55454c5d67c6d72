"""The CUDA generation kernel: one thread per (net, weight, repetition) rollout.

The kernel calls the very functions the compiled CPU kernel calls (the twin's `step` /
`observe` and `forward`): numba-cuda compiles those `@njit` functions for the device from their
Python source, so there is one copy of the physics and of the forward pass. Only the storage
differs: state, observation and outputs live in per-thread arrays; node values in a per-thread
local array (the default: 56 registers, the fastest on an H100) or in a global scratch array
laid out [node, thread], so that the threads of a warp touch neighbouring words.

The swing-up (the benchmark and the paper's main task) has a rollout of its own, built from the
same pieces as its twin's `step` (`advance`, `reward`, `terminated`) so that each sin and cos is
computed once a step, as the CPU's lanes kernel does; it gives the values the generic rollout
gives (tested under the simulator against the compiled backend, bit for bit).

One kernel is compiled per (twin, inputs, outputs, local array size, edge weights all 1 or
not; a few seconds each, once per process): with those sizes known when compiling, the
per-thread arrays have fixed sizes and constant indices, so state and outputs stay in
registers, and the code of the other twins is left out (fewer registers per thread, more
threads in flight).

Thread t runs net t // slot, rollout t % slot of it (rollouts ordered weight-major, then
repetition), so the rollouts of one net sit side by side in a warp; with `slot` a multiple of
32 every warp runs one net only (threads past the net's rollouts return at once).
"""

from __future__ import annotations

import functools
import math

from numba import cuda, float64

from wann.network import choose_action, forward
from wann_envs.twins import swingup
from wann_envs.twins.dispatch import MODULES

# The forward pass as a device function made from the CPU function's own source. (The kernel
# could call the @njit function directly on a GPU, but numba's CUDA simulator, which CI runs,
# passes it simulated device arrays that @njit code cannot take.)
forward_device = cuda.jit(device=True)(forward.py_func)
choose_action_device = cuda.jit(device=True)(choose_action.py_func)


@functools.cache
def generation_kernel(  # noqa: ANN201 - a CUDA kernel
    tid: int, n_in: int, n_out: int, discrete: bool, local_nodes: int = 0, unit: bool = False,
):
    """The kernel for twin `tid` (an index into wann_envs.twins.dispatch.TWIN_IDS) and these sizes.

    Node values go to the global scratch array, or with `local_nodes` > 0 to a per-thread
    local array of that many nodes (which must hold the largest net). With `unit`, every edge
    weight is taken as 1 and `edge_w` is not read (a search's generations).
    """
    twin = MODULES[tid]
    step, observe = twin.step, twin.observe
    state_size, obs_size = twin.STATE_SIZE, twin.OBS_SIZE
    n_act = max(1, n_out)
    n_values = max(local_nodes, 1)

    def rollout(
        values, k, j, node_off, act, in_start, in_end, edge_src, edge_w, out_pos, weights,
        init_states, max_steps, low, high, worst, result,
    ):  # pragma: no cover - compiled for the device (the simulator runs it as Python)
        """Rollout j of net k. result[0], [1], [2]: return, 1.0 where an output was NaN or
        infinite, steps taken; each over the flat [net, weight, repetition] index."""
        n_rep = init_states.shape[0]
        per_net = weights.size * n_rep
        wi = j // n_rep
        rep = j - wi * n_rep
        w = weights[wi]
        state = cuda.local.array(state_size, float64)
        for s in range(state_size):
            state[s] = init_states[rep, s]
        obs = cuda.local.array(obs_size, float64)
        out = cuda.local.array(n_out, float64)
        action = cuda.local.array(n_act, float64)
        total = 0.0
        failed = False
        n = 0
        while n < max_steps:
            observe(state, obs)
            forward_device(node_off, act, in_start, in_end, edge_src, edge_w, out_pos, k, n_in,
                           obs, w, values, out, unit)
            a = choose_action_device(out, action, low, high, discrete)
            if a < 0:
                failed = True
                break
            if discrete:
                action[0] = a
            reward, terminated = step(state, action)
            total += reward
            n += 1
            if terminated:
                break
        job = k * per_net + j
        result[0, job] = worst if failed else total
        result[1, job] = 1.0 if failed else 0.0
        result[2, job] = n

    def rollout_swingup(
        values, k, j, node_off, act, in_start, in_end, edge_src, edge_w, out_pos, weights,
        init_states, max_steps, low, high, worst, result,
    ):  # pragma: no cover - compiled for the device (the simulator runs it as Python)
        """`rollout` for the swing-up, through the twin's own `advance`/`reward`/`terminated`
        (the pieces its `step` is made of), with each sin and cos computed once: cos(theta)
        of the reward is the next observation's, and sin(theta) of the observation is the
        physics'. The same values as `rollout` (the same function of the same argument),
        with 3 trigonometric calls a step instead of 6."""
        n_rep = init_states.shape[0]
        per_net = weights.size * n_rep
        wi = j // n_rep
        rep = j - wi * n_rep
        w = weights[wi]
        x = init_states[rep, 0]
        x_dot = init_states[rep, 1]
        theta = init_states[rep, 2]
        theta_dot = init_states[rep, 3]
        obs = cuda.local.array(5, float64)
        out = cuda.local.array(1, float64)
        lo = low[0]
        hi = high[0]
        c = math.cos(theta)
        total = 0.0
        failed = False
        n = 0
        while n < max_steps:
            s = math.sin(theta)
            obs[0] = x
            obs[1] = x_dot
            obs[2] = c
            obs[3] = s
            obs[4] = theta_dot
            forward_device(node_off, act, in_start, in_end, edge_src, edge_w, out_pos, k, n_in,
                           obs, w, values, out, unit)
            a = out[0]
            if math.isinf(a) or math.isnan(a):
                failed = True
                break
            x, x_dot, theta, theta_dot = swingup.advance(
                x, x_dot, theta, theta_dot, min(max(a, lo), hi), s, c)
            c = math.cos(theta)
            total += swingup.reward(c, math.cos(swingup.reward_arg(x)))
            n += 1
            if swingup.terminated(x):
                break
        job = k * per_net + j
        result[0, job] = worst if failed else total
        result[1, job] = 1.0 if failed else 0.0
        result[2, job] = n

    rollout = cuda.jit(device=True)(rollout_swingup if twin is swingup else rollout)

    def scratch_kernel(
        node_off, act, in_start, in_end, edge_src, edge_w, out_pos, weights, init_states,
        max_steps, low, high, worst, slot, scratch, result,
    ):  # pragma: no cover - compiled for the device
        """Every rollout of a generation, node values in scratch[:, thread]."""
        t = cuda.grid(1)
        k = t // slot
        j = t - k * slot
        if k >= node_off.size - 1 or j >= weights.size * init_states.shape[0]:
            return
        rollout(scratch[:, t], k, j, node_off, act, in_start, in_end, edge_src, edge_w, out_pos,
                weights, init_states, max_steps, low, high, worst, result)

    def local_kernel(
        node_off, act, in_start, in_end, edge_src, edge_w, out_pos, weights, init_states,
        max_steps, low, high, worst, slot, scratch, result,
    ):  # pragma: no cover - compiled for the device
        """Every rollout of a generation, node values in a per-thread local array."""
        t = cuda.grid(1)
        k = t // slot
        j = t - k * slot
        if k >= node_off.size - 1 or j >= weights.size * init_states.shape[0]:
            return
        values = cuda.local.array(n_values, float64)
        rollout(values, k, j, node_off, act, in_start, in_end, edge_src, edge_w, out_pos,
                weights, init_states, max_steps, low, high, worst, result)

    return cuda.jit(local_kernel if local_nodes > 0 else scratch_kernel)
