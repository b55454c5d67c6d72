"""The compiled backend: a whole generation in one numba call, for tasks with a twin.

The kernel (`wann.evaluation.lanes`) runs the rollouts of one net as lockstep lanes, one net
per job, with no Python per step or per rollout. Each rollout writes only its own slot and
starts from its own copy of the initial state, so results are bit-identical whatever the
thread count. Initial states come from the gymnasium env's own `reset(seed=...)`, so the
compiled and gymnasium backends start every episode identically.

`fast=True` selects the same kernel built with fast math and vector transcendentals: its
returns are deterministic but differ from the exact ones by rounding (see `wann.vecmath`).
`generation_kernel`, one rollout per job, is the previous kernel, kept as the reference the
lockstep kernel is tested and benchmarked against (`mode="scalar"`).
"""

from __future__ import annotations

import logging
import math
from types import ModuleType
from typing import Any

import gymnasium as gym
import numba
import numpy as np
from numba import prange

from wann import WannError
from wann.evaluation import lanes
from wann.evaluation.faults import NoFaults
from wann.network import NetBatch, choose_action, forward, kernel_args
from wann.tasks import Task
from wann_envs.twins import twin_for
from wann_envs.twins.dispatch import TWIN_IDS, observe_twin, step_twin

log = logging.getLogger("wann")

#: What a cold compile of each kernel costs on a laptop core (README, "Measured").
COMPILE_TIME = {"exact": "about 15 s", "fast": "about a minute", "scalar": "about 15 s"}


def on_disk(kernel: Any) -> bool:
    """Whether numba's cache beside the code holds compiled code for `kernel` that is still
    valid for its source (numba's own index check; False where that cannot be read)."""
    try:
        return bool(kernel._cache._cache_file._load_index())
    except Exception:  # noqa: BLE001 - numba's cache internals: assume cold
        return False


def announce_compile(kernel: Any, what: str, duration: str) -> None:
    """One line before a compile that takes long enough to look like a hang: the kernel has
    not been compiled in this process and is not in the on-disk cache."""
    if not kernel.signatures and not on_disk(kernel):
        log.info("compiling the %s (%s on a cold cache; later runs load it)", what, duration)


@numba.njit(parallel=True, cache=True)
def generation_kernel(
    tid, obs_size, node_off, act, in_start, in_end, edge_src, edge_w, out_pos, n_in, n_out,
    weights, init_states, max_steps, discrete, low, high, worst, returns, bad, steps, stride,
):  # pragma: no cover - compiled
    """Every (net, weight, repetition) rollout of a generation, one prange job each.

    prange hands each thread a contiguous block of iterations; iteration i runs rollout
    (i * stride) mod total, a permutation that mixes long and short episodes in every block.
    """
    n_nets = node_off.size - 1
    n_w = weights.size
    n_rep = init_states.shape[0]
    max_nodes = 0
    for k in range(n_nets):
        max_nodes = max(max_nodes, node_off[k + 1] - node_off[k])
    per_net = n_w * n_rep
    total_jobs = n_nets * per_net
    for i in prange(total_jobs):
        job = (i * stride) % total_jobs
        k = job // per_net
        wi = (job % per_net) // n_rep
        rep = job % n_rep
        w = weights[wi]
        state = init_states[rep].copy()
        values = np.empty(max_nodes)
        out = np.empty(n_out)
        obs = np.empty(obs_size)
        action = np.empty(max(1, n_out))
        total = 0.0
        failed = False
        t = 0
        while t < max_steps:
            observe_twin(tid, state, obs)
            forward(node_off, act, in_start, in_end, edge_src, edge_w, out_pos, k, n_in,
                    obs, w, values, out)
            a = choose_action(out, action, low, high, discrete)
            if a < 0:
                failed = True
                break
            if discrete:
                action[0] = a
            reward, terminated = step_twin(tid, state, action)
            total += reward
            t += 1
            if terminated:
                break
        returns[k, wi, rep] = worst if failed else total
        bad[k, wi, rep] = failed
        steps[k, wi, rep] = t


def coprime_stride(n: int) -> int:
    """A stride near n * 0.618 that shares no factor with n (so i * stride mod n permutes)."""
    s = max(1, int(n * 0.6180339887))
    while math.gcd(s, n) != 1:
        s += 1
    return s


def net_order(batch: NetBatch) -> np.ndarray:
    """Nets by decreasing size (edges, then nodes): threads take the costliest first, so the
    last nets handed out are short ones and threads finish close together."""
    return np.lexsort((-np.diff(batch.node_off), -batch.n_conn)).astype(np.int64)


def initial_states(env: gym.Env, twin: ModuleType, seeds: np.ndarray) -> np.ndarray:
    """The state after the gymnasium env's reset(seed=s), one row per seed.

    reset(seed=...) reseeds the env completely, so one env serves every call.
    """
    rows = []
    for s in seeds:
        env.reset(seed=int(s))
        rows.append(twin.state_from_env(env))
    return np.array(rows, dtype=np.float64).reshape(len(seeds), twin.STATE_SIZE)


class CompiledEvaluator(NoFaults):
    """Evaluates a packed generation in one compiled, multithreaded call.

    mode: "exact" (lockstep lanes, bit-identical to the gymnasium envs), "fast" (the same with
    fast math and vector transcendentals) or "scalar" (the one-rollout-per-job reference).
    """

    MODES = ("exact", "fast", "scalar")

    def __init__(self, task: Task, threads: int = 1, fast: bool = False, mode: str | None = None) -> None:
        mode = mode or ("fast" if fast else "exact")
        if mode not in self.MODES:
            raise WannError(f"unknown compiled kernel {mode!r}: use one of {', '.join(self.MODES)}")
        if mode == "fast":
            from wann import vecmath

            vecmath.require()
        twin = twin_for(task.env_id)
        if twin is None:
            raise WannError(
                f"task {task.name!r} has no compiled twin: use {{backend}} pool or serial"
            )
        self.task = task
        self.mode = mode
        self.twin = twin
        self.tid = TWIN_IDS.index(task.env_id)
        self.threads = max(1, min(threads, numba.config.NUMBA_NUM_THREADS))
        self.last_steps = 0  # environment steps taken by the last evaluate call
        self.env = task.make_env()  # only for the initial states of episodes

    def evaluate(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        t = self.task
        weights = np.asarray(weights, dtype=np.float64)
        states = initial_states(self.env, self.twin, np.asarray(seeds))
        shape = (batch.n_nets, weights.size, len(seeds))
        returns = np.empty(shape)
        bad = np.zeros(shape, dtype=np.bool_)
        steps = np.zeros(shape, dtype=np.int64)
        previous = numba.get_num_threads()
        numba.set_num_threads(self.threads)
        args = (
            self.tid, self.twin.OBS_SIZE, *kernel_args(batch), batch.n_in, batch.n_out,
            weights, states, t.max_steps, t.discrete, np.asarray(t.low, np.float64),
            np.asarray(t.high, np.float64), float(t.worst_return), returns, bad, steps,
        )
        kernel = {"scalar": generation_kernel, "fast": lanes.fast_kernel,
                  "exact": lanes.exact_kernel}[self.mode]
        announce_compile(kernel, "fast-math kernel" if self.mode == "fast" else
                         f"{self.mode} kernel", COMPILE_TIME[self.mode])
        try:
            if self.mode == "scalar":
                kernel(*args, coprime_stride(returns.size))
            else:
                kernel(*args, net_order(batch), np.zeros(1, np.int64), self.threads)
        finally:
            numba.set_num_threads(previous)
        self.last_steps = int(steps.sum())
        return returns, bad

    def close(self) -> None:
        self.env.close()
