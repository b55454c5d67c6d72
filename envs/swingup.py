"""CartPoleSwingUp as a gymnasium environment, with the physics the WANN paper's experiments used.

The dynamics live in the compiled twin (wann_envs.twins.swingup) and this class calls them, so the
gymnasium env and the compiled evaluation backend cannot drift apart.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from wann_envs.twins import swingup as twin


class CartPoleSwingUpEnv(gym.Env):
    """Swing a pole up from hanging and balance it on a cart; reward ≤ 1 per step.

    Observation (x, x_dot, cos theta, sin theta, theta_dot); action: force in [-1, 1].
    Episodes end when |x| > 2.4; the registered id adds a 1000-step time limit.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 50}

    def __init__(self, render_mode: str | None = None) -> None:
        high = np.full(5, np.finfo(np.float64).max)
        self.observation_space = gym.spaces.Box(-high, high, dtype=np.float64)
        self.action_space = gym.spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float64)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"unsupported render_mode {render_mode!r}")
        self.render_mode = render_mode
        self.state = np.zeros(twin.STATE_SIZE)
        self._obs = np.zeros(twin.OBS_SIZE)
        self._action = np.zeros(1)

    def _observation(self) -> np.ndarray:
        twin.observe(self.state, self._obs)
        return self._obs.copy()

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.state = self.np_random.normal(
            loc=np.array([0.0, 0.0, np.pi, 0.0]), scale=np.array([0.2, 0.2, 0.2, 0.2])
        ).astype(np.float64)
        return self._observation(), {}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        self._action[0] = float(np.asarray(action, dtype=np.float64).reshape(-1)[0])
        reward, terminated = twin.step(self.state, self._action)
        return self._observation(), float(reward), bool(terminated), False, {}

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array":
            return None
        from wann_envs.render_swingup import draw

        return draw(self.state)
