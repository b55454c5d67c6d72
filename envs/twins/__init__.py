"""Compiled twins: numba `step`/`observe` over a state array, keyed by gymnasium id.

Each twin module exposes STATE_SIZE, OBS_SIZE, ACTION_SIZE, step(state, action) ->
(reward, terminated), observe(state, obs) and state_from_env(env).
"""

from __future__ import annotations

import importlib
from types import ModuleType

TWIN_MODULES: dict[str, str] = {
    "wann/CartPoleSwingUp-v0": "envs.twins.swingup",
    "CartPole-v1": "envs.twins.cartpole",
    "Acrobot-v1": "envs.twins.acrobot",
    "Pendulum-v1": "envs.twins.pendulum",
    "MountainCar-v0": "envs.twins.mountaincar",
    "MountainCarContinuous-v0": "envs.twins.mountaincar_continuous",
}


def twin_for(env_id: str) -> ModuleType | None:
    """The twin module of a gymnasium id, or None when it has none."""
    name = TWIN_MODULES.get(env_id)
    if name is None:
        return None
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None
