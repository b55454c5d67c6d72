"""Observation noise as a gymnasium wrapper, and a serial evaluator that runs through it.

The noise of an episode is a table of standard normal draws keyed by the episode seed alone
(stream OBS_NOISE): step t adds sigma * z[t] to the observation. Every network, at every
noise level, on a given episode seed sees the same draws (scaled by the level), so the rows
of a comparison differ only in how they handle the same noise. The wrapper works on any
gymnasium environment, so it serves the serial path here (and any backend that builds its
environments through `wrap`); the compiled backend's twins run without it.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from wann import WannError, streams
from wann.evaluation.serial import SerialEvaluator
from wann.tasks import Task


def check_noise_level(sigma: float) -> float:
    """A noise level is a standard deviation: finite and at least 0."""
    if not (isinstance(sigma, int | float) and np.isfinite(sigma) and sigma >= 0):
        raise WannError(f"noise levels must be at least 0, got {sigma}")
    return float(sigma)


def noise_table(episode_seed: int, steps: int, obs_size: int) -> np.ndarray:
    """Standard normal draws [step, observation] of one episode (step 0: the reset)."""
    rng = streams.generator(int(episode_seed), streams.OBS_NOISE)
    return rng.standard_normal((steps, obs_size))


class ObservationNoise(gym.Wrapper):
    """Adds sigma * z[t] to the t-th observation of an episode, z from the episode's seed.

    reset must be given a seed (the noise is keyed by it). `last_noise` holds the noise added
    to the last observation returned.
    """

    def __init__(self, env: gym.Env, sigma: float, max_steps: int) -> None:
        super().__init__(env)
        self.sigma = check_noise_level(sigma)
        self.max_steps = int(max_steps)
        self._table = np.zeros((0, 0))
        self._t = 0
        self.last_noise = np.zeros(0)

    def _noisy(self, obs: np.ndarray) -> np.ndarray:
        obs = np.asarray(obs, np.float64)
        t = min(self._t, self._table.shape[0] - 1)
        self.last_noise = self.sigma * self._table[t]
        self._t += 1
        return obs + self.last_noise

    def reset(self, *, seed: int | None = None, options: dict | None = None):  # noqa: ANN201
        if seed is None:
            raise ValueError("ObservationNoise needs reset(seed=...): its noise is keyed by it")
        obs, info = self.env.reset(seed=seed, options=options)
        size = int(np.asarray(obs).size)
        self._table = noise_table(seed, self.max_steps + 1, size)
        self._t = 0
        return self._noisy(obs), info

    def step(self, action):  # noqa: ANN001, ANN201
        obs, reward, terminated, truncated, info = self.env.step(action)
        return self._noisy(obs), reward, terminated, truncated, info


def wrap(env: gym.Env, task: Task, sigma: float) -> gym.Env:
    """The task's environment with observation noise of sd sigma."""
    return ObservationNoise(env, sigma, task.max_steps)


class NoisyEvaluator(SerialEvaluator):
    """The serial backend's rollouts with Gaussian noise of sd `sigma` on every observation.

    With sigma 0 it returns the serial (and so the compiled) backend's numbers.
    """

    def __init__(self, task: Task, sigma: float) -> None:
        self.task = task
        self.sigma = check_noise_level(sigma)
        self.env = wrap(task.make_env(), task, self.sigma)
