"""Compiled twin of gymnasium's MountainCar-v0 (MountainCarEnv, goal_velocity=0).

The arithmetic follows gymnasium/envs/classic_control/mountain_car.py operation for operation
(all of it in float64), so states, observations and rewards match the real env bit for bit.
State: (position, velocity), float64, exactly as MountainCarEnv.state.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numba
import numpy as np

if TYPE_CHECKING:
    import gymnasium as gym

STATE_SIZE = 2
OBS_SIZE = 2
ACTION_SIZE = 1

MIN_POSITION = -1.2
MAX_POSITION = 0.6
MAX_SPEED = 0.07
GOAL_POSITION = 0.5
GOAL_VELOCITY = 0
FORCE = 0.001
GRAVITY = 0.0025


@numba.njit(cache=True, fastmath=False)
def step(state: np.ndarray, action: np.ndarray) -> tuple[float, bool]:
    """One MountainCarEnv.step: action[0] in {0, 1, 2} pushes left, not at all, right."""
    a = int(action[0])
    position, velocity = state[0], state[1]
    velocity += (a - 1) * FORCE + math.cos(3 * position) * (-GRAVITY)
    # np.clip(velocity, -max_speed, max_speed)
    if velocity < -MAX_SPEED:
        velocity = -MAX_SPEED
    elif velocity > MAX_SPEED:
        velocity = MAX_SPEED
    position += velocity
    if position < MIN_POSITION:
        position = MIN_POSITION
    elif position > MAX_POSITION:
        position = MAX_POSITION
    if position == MIN_POSITION and velocity < 0:
        velocity = 0.0
    terminated = position >= GOAL_POSITION and velocity >= GOAL_VELOCITY
    state[0] = position
    state[1] = velocity
    return -1.0, terminated


@numba.njit(cache=True, fastmath=False)
def observe(state: np.ndarray, obs: np.ndarray) -> None:
    """(position, velocity) rounded through float32, as MountainCarEnv returns."""
    obs[0] = np.float64(np.float32(state[0]))
    obs[1] = np.float64(np.float32(state[1]))


def state_from_env(env: gym.Env) -> np.ndarray:
    """MountainCarEnv.state (an array after reset, a tuple after a step) as a float64 array."""
    return np.array(env.unwrapped.state, dtype=np.float64)
