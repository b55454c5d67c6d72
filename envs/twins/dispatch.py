"""One compiled entry point over every twin, selected by an integer id.

numba caches a function on disk only when it refers to its callees as globals, so the
generation kernel calls `step_twin` / `observe_twin` with the twin's id instead of closing
over the twin's functions (a closure is recompiled in every process). The branch costs
nothing measurable next to the physics.

Every compiled twin function that is a call (not inlined) says `fastmath=False`: numba otherwise
compiles a callee with the fast math of the first kernel that calls it, and caches it on disk
that way, so a `--fast-math` run on an empty cache would change later exact results.
"""

from __future__ import annotations

import numba
import numpy as np

from wann_envs.twins import acrobot, cartpole, mountaincar, mountaincar_continuous, pendulum, swingup

# Order defines the ids; append only.
TWIN_IDS: tuple[str, ...] = (
    "wann/CartPoleSwingUp-v0",
    "CartPole-v1",
    "Acrobot-v1",
    "Pendulum-v1",
    "MountainCar-v0",
    "MountainCarContinuous-v0",
)
MODULES = (swingup, cartpole, acrobot, pendulum, mountaincar, mountaincar_continuous)
MAX_STATE = max(m.STATE_SIZE for m in MODULES)
MAX_OBS = max(m.OBS_SIZE for m in MODULES)

_s0, _s1, _s2, _s3, _s4, _s5 = (m.step for m in MODULES)
_o0, _o1, _o2, _o3, _o4, _o5 = (m.observe for m in MODULES)


@numba.njit(cache=True, fastmath=False)
def step_twin(tid: int, state: np.ndarray, action: np.ndarray) -> tuple[float, bool]:
    """The step of twin `tid` (an index into TWIN_IDS)."""
    if tid == 0:
        return _s0(state, action)
    if tid == 1:
        return _s1(state, action)
    if tid == 2:
        return _s2(state, action)
    if tid == 3:
        return _s3(state, action)
    if tid == 4:
        return _s4(state, action)
    return _s5(state, action)


@numba.njit(cache=True, fastmath=False)
def observe_twin(tid: int, state: np.ndarray, obs: np.ndarray) -> None:
    """The observation of twin `tid`."""
    if tid == 0:
        _o0(state, obs)
    elif tid == 1:
        _o1(state, obs)
    elif tid == 2:
        _o2(state, obs)
    elif tid == 3:
        _o3(state, obs)
    elif tid == 4:
        _o4(state, obs)
    else:
        _o5(state, obs)
