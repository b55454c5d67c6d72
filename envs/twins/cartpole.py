"""Compiled twin of gymnasium's CartPole-v1 (CartPoleEnv, Euler integrator, default reward).

The arithmetic follows gymnasium/envs/classic_control/cartpole.py operation for operation, so
states, observations and rewards match the real env bit for bit.
State: (x, x_dot, theta, theta_dot), float64, exactly as CartPoleEnv.state.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numba
import numpy as np

if TYPE_CHECKING:
    import gymnasium as gym

STATE_SIZE = 4
OBS_SIZE = 4
ACTION_SIZE = 1

GRAVITY = 9.8
MASSCART = 1.0
MASSPOLE = 0.1
TOTAL_MASS = MASSPOLE + MASSCART
LENGTH = 0.5  # half the pole's length
POLEMASS_LENGTH = MASSPOLE * LENGTH
FORCE_MAG = 10.0
TAU = 0.02
THETA_THRESHOLD_RADIANS = 12 * 2 * math.pi / 360
X_THRESHOLD = 2.4


@numba.njit(cache=True, fastmath=False)
def step(state: np.ndarray, action: np.ndarray) -> tuple[float, bool]:
    """One CartPoleEnv.step: action[0] is 0 (push left) or 1 (push right); reward is always 1."""
    x, x_dot, theta, theta_dot = state[0], state[1], state[2], state[3]
    force = FORCE_MAG if int(action[0]) == 1 else -FORCE_MAG
    costheta = math.cos(theta)
    sintheta = math.sin(theta)
    temp = (force + POLEMASS_LENGTH * (theta_dot * theta_dot) * sintheta) / TOTAL_MASS
    thetaacc = (GRAVITY * sintheta - costheta * temp) / (
        LENGTH * (4.0 / 3.0 - MASSPOLE * (costheta * costheta) / TOTAL_MASS)
    )
    xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS
    x = x + TAU * x_dot
    x_dot = x_dot + TAU * xacc
    theta = theta + TAU * theta_dot
    theta_dot = theta_dot + TAU * thetaacc
    state[0], state[1], state[2], state[3] = x, x_dot, theta, theta_dot
    terminated = (
        x < -X_THRESHOLD
        or x > X_THRESHOLD
        or theta < -THETA_THRESHOLD_RADIANS
        or theta > THETA_THRESHOLD_RADIANS
    )
    return 1.0, terminated


@numba.njit(cache=True, fastmath=False)
def observe(state: np.ndarray, obs: np.ndarray) -> None:
    """The state rounded through float32, as CartPoleEnv returns it."""
    for i in range(4):
        obs[i] = np.float64(np.float32(state[i]))


def state_from_env(env: gym.Env) -> np.ndarray:
    """CartPoleEnv.state as a fresh float64 array."""
    return np.array(env.unwrapped.state, dtype=np.float64)
