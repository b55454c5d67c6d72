"""The reference implementation's way of evaluating, rewritten here as the baseline.

A Python loop over nodes with one numpy dot per node over a dense weight matrix, and a
CartPoleSwingUp step in Python/numpy, as the original WANN release runs them.
"""

from __future__ import annotations

import math

import numpy as np

from wann.genome import Genome, topological_order


def to_matrix(g: Genome, w: float) -> tuple[np.ndarray, np.ndarray, int, int]:
    """The reference's (weight matrix, activation vector): bias, inputs, hidden, outputs."""
    order = topological_order(g)
    kind = g.node_kind[order]
    hidden = order[kind == 3]
    rows = np.concatenate([np.arange(1 + g.n_in), hidden, np.arange(1 + g.n_in, 1 + g.n_in + g.n_out)])
    pos = {int(g.node_id[i]): p for p, i in enumerate(rows)}
    n = rows.size
    wmat = np.zeros((n, n))
    for s, d, e in zip(g.conn_src, g.conn_dst, g.conn_enabled):
        if e:
            wmat[pos[int(s)], pos[int(d)]] = w
    return wmat, g.node_act[rows].astype(int), g.n_in, g.n_out


def apply_act(a: int, x: np.ndarray) -> np.ndarray:
    if a == 1:
        return x
    if a == 2:
        return 1.0 * (x > 0.0)
    if a == 3:
        return np.sin(np.pi * x)
    if a == 4:
        return np.exp(-np.multiply(x, x) / 2.0)
    if a == 5:
        return np.tanh(x)
    if a == 6:
        return (np.tanh(x / 2.0) + 1.0) / 2.0
    if a == 7:
        return -x
    if a == 8:
        return abs(x)
    if a == 9:
        return np.maximum(0, x)
    if a == 10:
        return np.cos(np.pi * x)
    return x * x


def act(wmat: np.ndarray, avec: np.ndarray, n_in: int, n_out: int, inp: np.ndarray) -> np.ndarray:
    n = wmat.shape[0]
    node_act = np.zeros((1, n))
    node_act[:, 0] = 1
    node_act[:, 1 : n_in + 1] = inp
    for i in range(n_in + 1, n):
        raw = np.dot(node_act, wmat[:, i]).squeeze()
        node_act[:, i] = apply_act(avec[i], raw)
    return node_act[:, -n_out:]


class SwingUpPy:
    """CartPoleSwingUp in Python/numpy, as in the reference release."""

    def __init__(self) -> None:
        self.g, self.m_c, self.m_p, self.l = 9.82, 0.5, 0.5, 0.6
        self.total_m = self.m_p + self.m_c
        self.m_p_l = self.m_p * self.l
        self.force_mag, self.dt, self.b, self.x_threshold = 10.0, 0.01, 0.1, 2.4
        self.t_limit = 1000

    def reset(self, state: np.ndarray) -> np.ndarray:
        self.state = tuple(state)
        self.t = 0
        return self._obs()

    def _obs(self) -> np.ndarray:
        x, x_dot, theta, theta_dot = self.state
        return np.array([x, x_dot, np.cos(theta), np.sin(theta), theta_dot])

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool]:
        action = np.clip(action, -1.0, 1.0)[0] * self.force_mag
        x, x_dot, theta, theta_dot = self.state
        s, c = math.sin(theta), math.cos(theta)
        xdd = (-2 * self.m_p_l * theta_dot**2 * s + 3 * self.m_p * self.g * s * c + 4 * action
               - 4 * self.b * x_dot) / (4 * self.total_m - 3 * self.m_p * c**2)
        tdd = (-3 * self.m_p_l * theta_dot**2 * s * c + 6 * self.total_m * self.g * s
               + 6 * (action - self.b * x_dot) * c) / (4 * self.l * self.total_m - 3 * self.m_p_l * c**2)
        x, theta = x + x_dot * self.dt, theta + theta_dot * self.dt
        x_dot, theta_dot = x_dot + xdd * self.dt, theta_dot + tdd * self.dt
        self.state = (x, x_dot, theta, theta_dot)
        done = x < -self.x_threshold or x > self.x_threshold
        self.t += 1
        done = done or self.t >= self.t_limit
        reward = (np.cos(theta) + 1.0) / 2.0 * np.cos((x / self.x_threshold) * (np.pi / 2.0))
        return self._obs(), float(reward), bool(done)


def rollouts(genomes: list[Genome], weights, states: np.ndarray) -> tuple[float, int]:
    """(summed return, env steps) of every (genome, weight, start state) the reference's way."""
    env = SwingUpPy()
    total, steps = 0.0, 0
    for g in genomes:
        for w in weights:
            wmat, avec, n_in, n_out = to_matrix(g, float(w))
            for s in states:
                obs, done = env.reset(s), False
                while not done:
                    out = act(wmat, avec, n_in, n_out, obs)
                    obs, r, done = env.step(out[0])
                    total += r
                    steps += 1
    return total, steps
