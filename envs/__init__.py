"""Environments for wann: CartPoleSwingUp (registered with gymnasium) and compiled twins."""

from gymnasium.envs.registration import register, registry

SWINGUP_ID = "wann/CartPoleSwingUp-v0"

if SWINGUP_ID not in registry:
    register(
        id=SWINGUP_ID,
        entry_point="wann_envs.swingup:CartPoleSwingUpEnv",
        max_episode_steps=1000,
    )
