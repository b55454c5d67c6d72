"""Search for a weight agnostic network on your own gymnasium environment.

    python examples/own_env.py [generations]
"""

import sys

import gymnasium as gym
import numpy as np

import wann


class Reach(gym.Env):
    """Move a point on a line to the origin: observation (position,), action a force in [-1, 1]."""

    observation_space = gym.spaces.Box(-10.0, 10.0, shape=(1,), dtype=np.float64)
    action_space = gym.spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float64)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.x, self.t = self.np_random.uniform(-5.0, 5.0), 0
        return np.array([self.x]), {}

    def step(self, action):
        self.x = float(np.clip(self.x + 0.5 * float(action[0]), -10.0, 10.0))
        self.t += 1
        return np.array([self.x]), -abs(self.x), False, self.t >= 50, {}


def main(generations: int = 5) -> wann.RunResult:
    settings = wann.preset("quick").replace(pop_size=16, generations=generations, n_reps=2)
    # Any callable returning a gymnasium.Env is a task (checked like a gymnasium id).
    result = wann.evolve(Reach, settings, backend="serial", seed=1)
    print(f"best mean return {result.fitness:.2f} with "
          f"{result.champion.n_enabled} connections after {len(result.history)} generations")
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
