"""Compiled twins: numba `step`/`observe` over a state array, keyed by gymnasium id.

Each twin module exposes STATE_SIZE, OBS_SIZE, ACTION_SIZE, step(state, action) ->
(reward, terminated), observe(state, obs) and state_from_env(env). The list of twins lives
in `wann_envs.twins.dispatch` (TWIN_IDS, MODULES), which the compiled kernel calls through.
"""

from __future__ import annotations

from types import ModuleType


def twin_for(env_id: str) -> ModuleType | None:
    """The twin module of a gymnasium id, or None when it has none."""
    from wann_envs.twins.dispatch import MODULES, TWIN_IDS

    return dict(zip(TWIN_IDS, MODULES)).get(env_id)
