"""Compiled twin of gymnasium's Pendulum-v1 (PendulumEnv, g=10).

The arithmetic follows gymnasium/envs/classic_control/pendulum.py operation for operation, so
states, observations and rewards match the real env bit for bit when the env is given float64
actions (as wann passes them). Fed a float32 action, numpy would do part of the cost and torque
arithmetic in float32 and the two would drift apart in the last bits.

gymnasium squares with ``x**2`` on numpy float64 scalars, which calls C ``pow``; glibc's pow is
not correctly rounded, so ``pow(x, 2.0)`` and ``x * x`` differ in the last bit for about 1 value
in 1000. LLVM rewrites ``pow(x, 2.0)`` to ``x * x``, so the twin calls libm's pow through a
symbol LLVM does not know (``_libm_pow``).

State: (theta, theta_dot), float64, exactly as PendulumEnv.state.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numba
import numpy as np

from wann_envs.twins._libm import libm_pow as _libm_pow

if TYPE_CHECKING:
    import gymnasium as gym

STATE_SIZE = 2
OBS_SIZE = 3
ACTION_SIZE = 1

MAX_SPEED = 8
MAX_TORQUE = 2.0
DT = 0.05
G = 10.0
M = 1.0
L = 1.0
PI = math.pi

@numba.njit(cache=True, fastmath=False)
def _angle_normalize(x: float) -> float:
    """gymnasium pendulum.angle_normalize, with Python/numpy float modulo semantics."""
    return ((x + PI) % (2 * PI)) - PI


@numba.njit(cache=True, fastmath=False)
def step(state: np.ndarray, action: np.ndarray) -> tuple[float, bool]:
    """One PendulumEnv.step: torque action[0] clipped to [-2, 2]; never terminates."""
    th, thdot = state[0], state[1]
    u = action[0]
    # np.clip(u, -max_torque, max_torque)
    if u < -MAX_TORQUE:
        u = -MAX_TORQUE
    elif u > MAX_TORQUE:
        u = MAX_TORQUE
    costs = _libm_pow(_angle_normalize(th), 2.0) + 0.1 * _libm_pow(thdot, 2.0) + 0.001 * _libm_pow(u, 2.0)
    newthdot = thdot + (3 * G / (2 * L) * math.sin(th) + 3.0 / (M * L**2) * u) * DT
    if newthdot < -MAX_SPEED:
        newthdot = float(-MAX_SPEED)
    elif newthdot > MAX_SPEED:
        newthdot = float(MAX_SPEED)
    newth = th + newthdot * DT
    state[0] = newth
    state[1] = newthdot
    return -costs, False


@numba.njit(cache=True, fastmath=False)
def observe(state: np.ndarray, obs: np.ndarray) -> None:
    """(cos theta, sin theta, theta_dot) rounded through float32, as PendulumEnv returns."""
    obs[0] = np.float64(np.float32(math.cos(state[0])))
    obs[1] = np.float64(np.float32(math.sin(state[0])))
    obs[2] = np.float64(np.float32(state[1]))


def state_from_env(env: gym.Env) -> np.ndarray:
    """PendulumEnv.state as a fresh float64 array."""
    return np.array(env.unwrapped.state, dtype=np.float64)
