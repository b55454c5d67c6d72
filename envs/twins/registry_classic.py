"""The compiled twins of gymnasium's classic-control environments, keyed by gymnasium id."""

from __future__ import annotations

from types import ModuleType

from envs.twins import acrobot, cartpole, mountaincar, mountaincar_continuous, pendulum

CLASSIC_TWINS: dict[str, ModuleType] = {
    "CartPole-v1": cartpole,
    "Acrobot-v1": acrobot,
    "Pendulum-v1": pendulum,
    "MountainCar-v0": mountaincar,
    "MountainCarContinuous-v0": mountaincar_continuous,
}
