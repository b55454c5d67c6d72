"""Compiled twin of CartPoleSwingUp: the same physics as wann_envs.swingup, over a state array."""

from __future__ import annotations

import math

import numba
import numpy as np

STATE_SIZE = 4
OBS_SIZE = 5
ACTION_SIZE = 1

GRAVITY = 9.82
M_CART = 0.5
M_POLE = 0.5
TOTAL_M = M_CART + M_POLE
LENGTH = 0.6
M_P_L = M_POLE * LENGTH
FORCE_MAG = 10.0
DT = 0.01
FRICTION = 0.1
X_THRESHOLD = 2.4


@numba.njit(cache=True, inline="always")
def advance(
    x: float, x_dot: float, theta: float, theta_dot: float, a: float, s: float, c: float
) -> tuple[float, float, float, float]:
    """The Euler update, given s = sin(theta) and c = cos(theta): `step` is built from it, and
    kernels that advance many rollouts as lanes call it after computing the trigonometry for
    all of them at once. Returns the new (x, x_dot, theta, theta_dot)."""
    if a < -1.0:
        a = -1.0
    elif a > 1.0:
        a = 1.0
    force = a * FORCE_MAG
    xdot_update = (
        -2.0 * M_P_L * (theta_dot * theta_dot) * s
        + 3.0 * M_POLE * GRAVITY * s * c
        + 4.0 * force
        - 4.0 * FRICTION * x_dot
    ) / (4.0 * TOTAL_M - 3.0 * M_POLE * c * c)
    thetadot_update = (
        -3.0 * M_P_L * (theta_dot * theta_dot) * s * c
        + 6.0 * TOTAL_M * GRAVITY * s
        + 6.0 * (force - FRICTION * x_dot) * c
    ) / (4.0 * LENGTH * TOTAL_M - 3.0 * M_P_L * c * c)
    return (
        x + x_dot * DT,
        x_dot + xdot_update * DT,
        theta + theta_dot * DT,
        theta_dot + thetadot_update * DT,
    )


@numba.njit(cache=True, inline="always")
def reward_arg(x: float) -> float:
    """The argument of the reward's cos of the cart position (see `reward`)."""
    return (x / X_THRESHOLD) * (math.pi / 2.0)


@numba.njit(cache=True, inline="always")
def reward(cos_theta: float, cos_x: float) -> float:
    """`step`'s reward from cos(theta) and cos(reward_arg(x)) of the new state."""
    return (cos_theta + 1.0) / 2.0 * cos_x


@numba.njit(cache=True, inline="always")
def terminated(x: float) -> bool:
    """`step`'s termination test on the new cart position."""
    return (x < -X_THRESHOLD) or (x > X_THRESHOLD)


@numba.njit(cache=True, fastmath=False)
def step(state: np.ndarray, action: np.ndarray) -> tuple[float, bool]:
    """Advance (x, x_dot, theta, theta_dot) one explicit-Euler step; return (reward, terminated)."""
    theta = state[2]
    x, x_dot, theta, theta_dot = advance(
        state[0], state[1], theta, state[3], action[0], math.sin(theta), math.cos(theta)
    )
    state[0], state[1], state[2], state[3] = x, x_dot, theta, theta_dot
    return reward(math.cos(theta), math.cos(reward_arg(x))), terminated(x)


@numba.njit(cache=True, fastmath=False)
def observe(state: np.ndarray, obs: np.ndarray) -> None:
    """(x, x_dot, cos theta, sin theta, theta_dot)."""
    obs[0] = state[0]
    obs[1] = state[1]
    obs[2] = math.cos(state[2])
    obs[3] = math.sin(state[2])
    obs[4] = state[3]


def state_from_env(env) -> np.ndarray:  # noqa: ANN001 - any gymnasium env wrapping the swing-up
    """The swing-up env's state after reset, as a fresh float64 array."""
    return np.array(env.unwrapped.state, dtype=np.float64)
