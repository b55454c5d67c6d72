"""Compiled twin of gymnasium's Acrobot-v1 (AcrobotEnv, "book" dynamics, no torque noise).

The arithmetic follows gymnasium/envs/classic_control/acrobot.py operation for operation,
including its own rk4, wrap and bound helpers, so states, observations and rewards match the
real env bit for bit. Two details needed care:

* gymnasium squares with ``x**2`` on numpy float64 scalars, which calls C ``pow``; glibc's pow
  is not correctly rounded, so ``pow(x, 2.0)`` and ``x * x`` differ in the last bit for about
  1 value in 1000. LLVM rewrites ``pow(x, 2.0)`` to ``x * x``, so the twin calls libm's pow
  through a symbol LLVM does not know (``_libm_pow``).
* After reset AcrobotEnv holds a float32 state and numpy computes the observation's cos/sin
  in float32 with its own SIMD kernels; those cannot be reproduced portably, so
  ``state_from_env`` computes them with numpy and stores them in the state (slots 5..8,
  flagged by slot 4) for ``observe`` to return until the first step.

State: (theta1, theta2, dtheta1, dtheta2, fresh, cos1, sin1, cos2, sin2), float64.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numba
import numpy as np

from wann_envs.twins._libm import libm_pow as _libm_pow

if TYPE_CHECKING:
    import gymnasium as gym

STATE_SIZE = 9
OBS_SIZE = 6
ACTION_SIZE = 1

DT = 0.2
LINK_LENGTH_1 = 1.0
LINK_LENGTH_2 = 1.0
LINK_MASS_1 = 1.0
LINK_MASS_2 = 1.0
LINK_COM_POS_1 = 0.5
LINK_COM_POS_2 = 0.5
LINK_MOI = 1.0
MAX_VEL_1 = 4 * math.pi
MAX_VEL_2 = 9 * math.pi
PI = math.pi

# Python-evaluated squares of constants, as in gymnasium (`lc1**2` on Python floats).
_LC1_SQ = LINK_COM_POS_1**2
_LC2_SQ = LINK_COM_POS_2**2
_L1_SQ = LINK_LENGTH_1**2
# rk4 time steps: t = [0, dt], so dt = t[1] - t[0], dt2 = dt / 2.0, and the final dt / 6.0.
_RK_DT = DT - 0
_RK_DT2 = _RK_DT / 2.0
_RK_DT6 = _RK_DT / 6.0

@numba.njit(cache=True, fastmath=False)
def _dsdt(
    theta1: float, theta2: float, dtheta1: float, dtheta2: float, a: float
) -> tuple[float, float, float, float]:
    """AcrobotEnv._dsdt ("book" branch); the constant fifth derivative 0.0 is left out."""
    m1 = LINK_MASS_1
    m2 = LINK_MASS_2
    l1 = LINK_LENGTH_1
    lc1 = LINK_COM_POS_1
    lc2 = LINK_COM_POS_2
    i1 = LINK_MOI
    i2 = LINK_MOI
    g = 9.8
    d1 = m1 * _LC1_SQ + m2 * (_L1_SQ + _LC2_SQ + 2 * l1 * lc2 * math.cos(theta2)) + i1 + i2
    d2 = m2 * (_LC2_SQ + l1 * lc2 * math.cos(theta2)) + i2
    phi2 = m2 * lc2 * g * math.cos(theta1 + theta2 - PI / 2.0)
    phi1 = (
        -m2 * l1 * lc2 * _libm_pow(dtheta2, 2.0) * math.sin(theta2)
        - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * math.sin(theta2)
        + (m1 * lc1 + m2 * l1) * g * math.cos(theta1 - PI / 2)
        + phi2
    )
    ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * _libm_pow(dtheta1, 2.0) * math.sin(theta2) - phi2) / (
        m2 * _LC2_SQ + i2 - _libm_pow(d2, 2.0) / d1
    )
    ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
    return dtheta1, dtheta2, ddtheta1, ddtheta2


@numba.njit(cache=True, fastmath=False)
def _wrap(x: float, m: float, big_m: float) -> float:
    """gymnasium acrobot.wrap: shift x by whole periods into [m, M]."""
    diff = big_m - m
    while x > big_m:
        x = x - diff
    while x < m:
        x = x + diff
    return x


@numba.njit(cache=True, fastmath=False)
def _bound(x: float, m: float, big_m: float) -> float:
    """gymnasium acrobot.bound: min(max(x, m), M) with Python's tie rules (first argument wins)."""
    if m > x:
        x = m
    if big_m < x:
        x = big_m
    return x


@numba.njit(cache=True, fastmath=False)
def step(state: np.ndarray, action: np.ndarray) -> tuple[float, bool]:
    """One AcrobotEnv.step: action[0] in {0, 1, 2} is torque -1, 0, +1; one rk4 step of DT."""
    torque = float(int(action[0]) - 1)
    y0, y1, y2, y3 = state[0], state[1], state[2], state[3]
    # rk4 over t = [0, dt]; the augmented torque component has derivative 0 and stays put.
    k1 = _dsdt(y0, y1, y2, y3, torque)
    k2 = _dsdt(
        y0 + _RK_DT2 * k1[0],
        y1 + _RK_DT2 * k1[1],
        y2 + _RK_DT2 * k1[2],
        y3 + _RK_DT2 * k1[3],
        torque,
    )
    k3 = _dsdt(
        y0 + _RK_DT2 * k2[0],
        y1 + _RK_DT2 * k2[1],
        y2 + _RK_DT2 * k2[2],
        y3 + _RK_DT2 * k2[3],
        torque,
    )
    k4 = _dsdt(
        y0 + _RK_DT * k3[0],
        y1 + _RK_DT * k3[1],
        y2 + _RK_DT * k3[2],
        y3 + _RK_DT * k3[3],
        torque,
    )
    for i in range(4):
        state[i] = state[i] + _RK_DT6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])
    state[0] = _wrap(state[0], -PI, PI)
    state[1] = _wrap(state[1], -PI, PI)
    state[2] = _bound(state[2], -MAX_VEL_1, MAX_VEL_1)
    state[3] = _bound(state[3], -MAX_VEL_2, MAX_VEL_2)
    state[4] = 0.0
    terminated = -math.cos(state[0]) - math.cos(state[1] + state[0]) > 1.0
    reward = -1.0 if not terminated else 0.0
    return reward, terminated


@numba.njit(cache=True, fastmath=False)
def observe(state: np.ndarray, obs: np.ndarray) -> None:
    """(cos t1, sin t1, cos t2, sin t2, dt1, dt2) rounded through float32, as AcrobotEnv returns."""
    if state[4] != 0.0:
        for i in range(4):
            obs[i] = state[5 + i]
    else:
        obs[0] = np.float64(np.float32(math.cos(state[0])))
        obs[1] = np.float64(np.float32(math.sin(state[0])))
        obs[2] = np.float64(np.float32(math.cos(state[1])))
        obs[3] = np.float64(np.float32(math.sin(state[1])))
    obs[4] = np.float64(np.float32(state[2]))
    obs[5] = np.float64(np.float32(state[3]))


def state_from_env(env: gym.Env) -> np.ndarray:
    """AcrobotEnv.state plus its current observation's trig terms, computed by numpy itself."""
    s = env.unwrapped.state
    out = np.zeros(STATE_SIZE)
    out[:4] = np.asarray(s, dtype=np.float64)
    out[4] = 1.0
    trig = np.array([np.cos(s[0]), np.sin(s[0]), np.cos(s[1]), np.sin(s[1])], dtype=np.float32)
    out[5:9] = trig.astype(np.float64)
    return out
