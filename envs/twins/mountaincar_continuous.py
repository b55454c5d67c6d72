"""Compiled twin of gymnasium's MountainCarContinuous-v0 (Continuous_MountainCarEnv).

The arithmetic follows gymnasium/envs/classic_control/continuous_mountain_car.py operation for
operation, so states, observations and rewards match the real env bit for bit when the env is
given float64 actions (as wann passes them). That takes more than copying the formulas:

* The env stores its state as float32 after every step (float64 right after reset), and numpy 2
  (NEP 50) then mixes float32 and float64 arithmetic depending on each operand's type: a numpy
  float64 operand makes an operation float64, while a Python float (a clipped action, a clipped
  speed or position) is cast to float32 when the other side is float32, for sums and for
  comparisons alike. The twin tracks each value's type (F64, F32 or WEAK for a Python float) and
  rounds exactly where numpy would. A float32 sum or product of two float32 values is computed
  in float64 and rounded once, which gives the same result as float32 arithmetic.
* The reward uses ``math.pow(action, 2)``, i.e. C pow, which glibc does not round correctly; LLVM
  would rewrite it to ``x * x``, so the twin calls libm's pow through a symbol LLVM does not
  know (``_libm_pow``).

State: (position, velocity, is_float32), float64; the flag says whether the env's state array
is float32 (after a step) or float64 (right after reset).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numba
import numpy as np

from wann_envs.twins._libm import libm_pow as _libm_pow

if TYPE_CHECKING:
    import gymnasium as gym

STATE_SIZE = 3
OBS_SIZE = 2
ACTION_SIZE = 1

MIN_ACTION = -1.0
MAX_ACTION = 1.0
MIN_POSITION = -1.2
MAX_POSITION = 0.6
MAX_SPEED = 0.07
GOAL_POSITION = 0.45
GOAL_VELOCITY = 0
POWER = 0.0015

# Types a value can have in the env's step: numpy float64, numpy float32, Python float.
F64 = 0
F32 = 1
WEAK = 2

@numba.njit(cache=True, fastmath=False)
def _f32(x: float) -> float:
    """Round a float64 to the nearest float32, as numpy casts do."""
    return np.float64(np.float32(x))


@numba.njit(cache=True, fastmath=False)
def _add(a: float, ta: int, b: float, tb: int) -> tuple[float, int]:
    """a + b under numpy 2 promotion: float64 wins, float32 pulls a Python float down to float32."""
    if ta == F64 or tb == F64:
        return a + b, F64
    if ta == WEAK and tb == WEAK:
        return a + b, WEAK
    return _f32(_f32(a) + _f32(b)), F32


@numba.njit(cache=True, fastmath=False)
def _as_cmp(t: int, c: float) -> float:
    """The constant c as numpy compares it against a value of type t (float32 rounds it)."""
    return _f32(c) if t == F32 else c


@numba.njit(cache=True, fastmath=False)
def step(state: np.ndarray, action: np.ndarray) -> tuple[float, bool]:
    """One Continuous_MountainCarEnv.step: force action[0] clipped to [-1, 1]."""
    position, velocity = state[0], state[1]
    tp = F32 if state[2] != 0.0 else F64
    tv = tp
    a0 = action[0]
    # force = min(max(action[0], min_action), max_action): a clipped force is a Python float.
    force, tf = a0, F64
    if MIN_ACTION > force:
        force, tf = MIN_ACTION, WEAK
    if MAX_ACTION < force:
        force, tf = MAX_ACTION, WEAK
    x3 = _f32(3.0 * position) if tp == F32 else 3.0 * position
    velocity, tv = _add(velocity, tv, force * POWER - 0.0025 * math.cos(x3), tf)
    if velocity > _as_cmp(tv, MAX_SPEED):
        velocity, tv = MAX_SPEED, WEAK
    if velocity < _as_cmp(tv, -MAX_SPEED):
        velocity, tv = -MAX_SPEED, WEAK
    position, tp = _add(position, tp, velocity, tv)
    if position > _as_cmp(tp, MAX_POSITION):
        position, tp = MAX_POSITION, WEAK
    if position < _as_cmp(tp, MIN_POSITION):
        position, tp = MIN_POSITION, WEAK
    if position == _as_cmp(tp, MIN_POSITION) and velocity < 0:
        velocity = 0.0
    terminated = position >= _as_cmp(tp, GOAL_POSITION) and velocity >= GOAL_VELOCITY
    reward = 100.0 if terminated else 0.0
    reward = reward - _libm_pow(a0, 2.0) * 0.1
    state[0] = _f32(position)
    state[1] = _f32(velocity)
    state[2] = 1.0
    return reward, terminated


@numba.njit(cache=True, fastmath=False)
def observe(state: np.ndarray, obs: np.ndarray) -> None:
    """(position, velocity) rounded through float32, as the env returns them."""
    obs[0] = _f32(state[0])
    obs[1] = _f32(state[1])


def state_from_env(env: gym.Env) -> np.ndarray:
    """The env's (position, velocity) and whether its state array is float32."""
    s = env.unwrapped.state
    is_f32 = np.asarray(s).dtype == np.float32
    return np.array([s[0], s[1], 1.0 if is_f32 else 0.0], dtype=np.float64)
