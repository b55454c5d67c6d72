"""Episodes through a real gymnasium environment, with the compiled forward pass.

Shared by the serial and pool backends, so both compute exactly the same numbers.
"""

from __future__ import annotations

import gymnasium as gym
import numba
import numpy as np

from wann.network import NetBatch, choose_action, forward, kernel_args
from wann.tasks import Task


@numba.njit(cache=True)
def policy(
    node_off, act, in_start, in_end, edge_src, edge_w, out_pos, k, n_in, obs, w, values, out,
    action, low, high, discrete,
):  # pragma: no cover - compiled
    """Forward pass, finiteness check and action mapping in one compiled call per step.

    Returns -1 for a NaN or infinite output, else the argmax (Discrete) or 0 (Box, with the
    clipped outputs written to `action`). One call instead of several numpy calls keeps the
    per-step overhead of the gymnasium path small next to env.step.
    """
    forward(node_off, act, in_start, in_end, edge_src, edge_w, out_pos, k, n_in, obs, w,
            values, out)
    return choose_action(out, action, low, high, discrete)


def forget_history(env: gym.Env) -> None:
    """Make the next reset independent of the episodes run before it in this environment.

    BipedalWalker keeps its Box2D world across resets, and the world's internal state changes
    the physics slightly: the same (net, weight, seed) would score differently depending on
    which episodes ran earlier in the same process, i.e. on how a generation is split over
    workers. A new world before each reset gives it the state of a fresh environment.
    """
    u = env.unwrapped
    if type(u).__name__ == "BipedalWalker" and hasattr(u, "_destroy") and hasattr(u, "world"):
        import Box2D

        u._destroy()
        u.world = Box2D.b2World()


def run_episode(
    env: gym.Env, task: Task, batch: NetBatch, k: int, w: float, seed: int
) -> tuple[float, bool]:
    """Return of net k with shared weight w from env.reset(seed=seed); (return, non-finite?).

    A network whose output is NaN or infinite ends the episode with the task's worst return.
    """
    args = kernel_args(batch)
    values = np.empty(batch.max_nodes)
    out = np.empty(batch.n_out)
    action = np.empty(batch.n_out)
    low = np.asarray(task.low, dtype=np.float64)
    high = np.asarray(task.high, dtype=np.float64)
    forget_history(env)
    obs, _ = env.reset(seed=int(seed))
    total = 0.0
    for _ in range(task.max_steps):
        x = np.asarray(obs, dtype=np.float64)
        a = policy(*args, k, batch.n_in, x, w, values, out, action, low, high, task.discrete)
        if a < 0:
            return task.worst_return, True
        obs, reward, terminated, truncated, _ = env.step(a if task.discrete else action.copy())
        total += float(reward)
        if terminated or truncated:
            break
    return total, False


def evaluate_nets(
    env: gym.Env, task: Task, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Returns [net, weight, repetition] and the mask of non-finite rollouts, in one process."""
    shape = (batch.n_nets, len(weights), len(seeds))
    returns = np.empty(shape)
    bad = np.zeros(shape, dtype=bool)
    for k in range(batch.n_nets):
        for i, w in enumerate(weights):
            for r, s in enumerate(seeds):
                returns[k, i, r], bad[k, i, r] = run_episode(env, task, batch, k, float(w), s)
    return returns, bad
