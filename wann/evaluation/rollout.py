"""Episodes through a real gymnasium environment, with the compiled forward pass.

Shared by the serial and pool backends, so both compute exactly the same numbers.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from wann.network import NetBatch, forward, kernel_args
from wann.tasks import Task


def run_episode(
    env: gym.Env, task: Task, batch: NetBatch, k: int, w: float, seed: int
) -> tuple[float, bool]:
    """Return of net k with shared weight w from env.reset(seed=seed); (return, non-finite?).

    A network whose output is NaN or infinite ends the episode with the task's worst return.
    """
    args = kernel_args(batch)
    values = np.empty(batch.max_nodes)
    out = np.empty(batch.n_out)
    obs, _ = env.reset(seed=int(seed))
    total = 0.0
    for _ in range(task.max_steps):
        x = np.asarray(obs, dtype=np.float64)
        forward(*args, k, batch.n_in, x, w, values, out)
        if not np.all(np.isfinite(out)):
            return task.worst_return, True
        obs, reward, terminated, truncated, _ = env.step(task.to_action(out))
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
