"""The compiled classic-control twins against the real gymnasium envs, step by step.

Each run drives a gymnasium env (unwrapped, so no time limit) and its twin with the same
actions, resets both together whenever the env terminates, and compares observations, rewards,
termination flags and internal states after every step. The twins are meant to be bit-exact;
the hard assertion is 1e-9, and exactness is asserted too wherever numpy's float64 scalar
sin/cos agree with libm's (they did on the x86-64 machines tried, AVX2 and AVX-512; a numpy
build that dispatches them to its own SIMD kernels could differ in the last bit).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType

import gymnasium as gym
import numpy as np
import pytest

from wann_envs.twins import twin_for

TOL = 1e-9
Policy = Callable[[np.random.Generator, np.ndarray], float]


def _numpy_trig_is_libm() -> bool:
    """Whether numpy's float64 scalar sin/cos agree with math's on a sample (then expect exact)."""
    xs = np.random.default_rng(123).uniform(-10.0, 10.0, 2000)
    return all(np.cos(x) == math.cos(float(x)) and np.sin(x) == math.sin(float(x)) for x in xs)


EXACT = _numpy_trig_is_libm()


def _phys(twin_state: np.ndarray, env: gym.Env) -> tuple[np.ndarray, np.ndarray]:
    """The env's internal state and the twin slots that mirror it."""
    real = np.asarray(env.unwrapped.state, dtype=np.float64)
    return real, twin_state[: real.shape[0]]


def _drive(env_id: str, seed: int, steps: int, policy: Policy) -> dict[str, float]:
    """Run env and twin side by side; return the largest differences and counts of events."""
    twin: ModuleType = twin_for(env_id)
    env = gym.make(env_id).unwrapped
    discrete = isinstance(env.action_space, gym.spaces.Discrete)
    rng = np.random.default_rng(seed)
    obs = np.empty(twin.OBS_SIZE)
    stats = {"obs": 0.0, "reward": 0.0, "state": 0.0, "terminations": 0, "resets": 0}

    def reset() -> tuple[np.ndarray, np.ndarray]:
        real_obs, _ = env.reset(seed=seed * 10_000 + stats["resets"])
        stats["resets"] += 1
        state = twin.state_from_env(env)
        assert state.dtype == np.float64 and state.shape == (twin.STATE_SIZE,)
        twin.observe(state, obs)
        d_obs = float(np.max(np.abs(obs - real_obs)))
        assert d_obs <= TOL, f"{env_id} reset {stats['resets']}: obs {d_obs:.3g}"
        stats["obs"] = max(stats["obs"], d_obs)
        return real_obs, state

    real_obs, state = reset()
    for t in range(steps):
        a = policy(rng, real_obs)
        env_action = int(a) if discrete else np.array([a], dtype=np.float64)
        real_obs, real_r, real_term, _, _ = env.step(env_action)
        r, term = twin.step(state, np.array([a], dtype=np.float64))
        twin.observe(state, obs)
        real_state, twin_state = _phys(state, env)
        d_obs = float(np.max(np.abs(obs - real_obs)))
        d_state = float(np.max(np.abs(twin_state - real_state)))
        d_r = abs(r - float(real_r))
        assert bool(term) == bool(real_term), f"{env_id} seed {seed} step {t}: terminated"
        assert d_obs <= TOL and d_state <= TOL and d_r <= TOL, (
            f"{env_id} seed {seed} step {t}: obs {d_obs:.3g} state {d_state:.3g} reward {d_r:.3g}"
        )
        stats["obs"] = max(stats["obs"], d_obs)
        stats["state"] = max(stats["state"], d_state)
        stats["reward"] = max(stats["reward"], d_r)
        if real_term:
            stats["terminations"] += 1
            real_obs, state = reset()
    env.close()
    return stats


def _check_exact(stats: dict[str, float]) -> None:
    if EXACT:
        assert stats["obs"] == 0.0 and stats["state"] == 0.0 and stats["reward"] == 0.0, stats


# Policies: random actions mixed with a hand-made pump (push along the velocity), so that
# episodes terminate and speed/position limits get hit. Box actions go beyond the bounds.


def _cartpole(rng: np.random.Generator, obs: np.ndarray) -> float:
    return float(rng.integers(2))


def _acrobot(rng: np.random.Generator, obs: np.ndarray) -> float:
    if rng.random() < 0.3:
        return float(rng.integers(3))
    return 2.0 if obs[5] >= 0 else 0.0  # torque along the second joint's velocity


def _pendulum(rng: np.random.Generator, obs: np.ndarray) -> float:
    if rng.random() < 0.5:
        return float(rng.uniform(-2.5, 2.5))
    return float(np.sign(obs[2]) * rng.uniform(1.0, 2.5))


def _mountaincar(rng: np.random.Generator, obs: np.ndarray) -> float:
    if rng.random() < 0.2:
        return float(rng.integers(3))
    return 2.0 if obs[1] >= 0 else 0.0


def _mountaincar_continuous(rng: np.random.Generator, obs: np.ndarray) -> float:
    if rng.random() < 0.3:
        return float(rng.uniform(-1.3, 1.3))
    return float((1.0 if obs[1] >= 0 else -1.0) * rng.uniform(0.3, 1.3))


CASES = {
    "CartPole-v1": (_cartpole, 1000, True),
    "Acrobot-v1": (_acrobot, 2000, True),  # long enough for a pow-vs-x*x slip to show
    "Pendulum-v1": (_pendulum, 1000, False),
    "MountainCar-v0": (_mountaincar, 1000, True),
    "MountainCarContinuous-v0": (_mountaincar_continuous, 1000, True),
}


def test_registry_covers_the_five_ids() -> None:
    from wann_envs.twins.dispatch import TWIN_IDS

    assert set(CASES) <= set(TWIN_IDS)
    for twin in map(twin_for, CASES):
        assert twin.ACTION_SIZE == 1
        assert isinstance(twin.STATE_SIZE, int) and isinstance(twin.OBS_SIZE, int)


@pytest.mark.parametrize("env_id", list(CASES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_twin_matches_gymnasium(env_id: str, seed: int) -> None:
    policy, steps, must_terminate = CASES[env_id]
    stats = _drive(env_id, seed, steps, policy)
    if must_terminate:
        assert stats["terminations"] > 0, f"{env_id} never terminated: {stats}"
    _check_exact(stats)


def _one_step(env_id: str, env: gym.Env, action: float) -> None:
    """Step env and twin once from the env's current state and compare everything."""
    twin = twin_for(env_id)
    state = twin.state_from_env(env)
    discrete = isinstance(env.action_space, gym.spaces.Discrete)
    real_obs, real_r, real_term, _, _ = env.step(
        int(action) if discrete else np.array([action], dtype=np.float64)
    )
    r, term = twin.step(state, np.array([action], dtype=np.float64))
    obs = np.empty(twin.OBS_SIZE)
    twin.observe(state, obs)
    real_state, twin_state = _phys(state, env)
    where = f"{env_id} action {action}"
    assert bool(term) == bool(real_term), where
    if EXACT:
        assert np.array_equal(obs, real_obs.astype(np.float64)), where
        assert np.array_equal(twin_state, real_state), where
        assert r == real_r, where
    else:
        assert np.max(np.abs(obs - real_obs)) <= TOL, where
        assert np.max(np.abs(twin_state - real_state)) <= TOL, where
        assert abs(r - real_r) <= TOL, where


@pytest.mark.parametrize("env_id", ["MountainCar-v0", "MountainCarContinuous-v0"])
def test_mountaincar_edges(env_id: str) -> None:
    """Walls, speed limits and the goal line, two steps from each hand-set state.

    MountainCarContinuous keeps a float32 state after a step (float64 after reset), so it is
    tried from both; MountainCar's state is always float64.
    """
    env = gym.make(env_id).unwrapped
    env.reset(seed=0)
    discrete = isinstance(env.action_space, gym.spaces.Discrete)
    actions = [0.0, 1.0, 2.0] if discrete else [-1.5, -1.0, -0.3, 0.0, 0.7, 1.0, 1.5]
    positions = [-1.2, -1.1999999, -1.19, 0.4499, 0.45, 0.4999, 0.5, 0.5999, 0.6]
    velocities = [-0.07, -0.0699999, -0.001, 0.0, 0.001, 0.0699999, 0.07]
    dtypes = (np.float64,) if discrete else (np.float64, np.float32)
    for dtype in dtypes:
        for p in positions:
            for v in velocities:
                for a in actions:
                    env.state = np.array([p, v], dtype=dtype)
                    _one_step(env_id, env, a)
                    _one_step(env_id, env, a)
    env.close()


def test_acrobot_and_pendulum_speed_limits() -> None:
    """Velocities at and beyond the clip bounds, and angles beyond +-pi (wrap)."""
    env = gym.make("Acrobot-v1").unwrapped
    env.reset(seed=0)
    for th in (-3.1, 0.0, 3.1):
        for v1, v2 in ((12.5, 28.2), (-12.5, -28.2), (4 * math.pi, -9 * math.pi)):
            for a in (0.0, 1.0, 2.0):
                env.state = np.array([th, -th, v1, v2])
                _one_step("Acrobot-v1", env, a)
    env.close()
    env = gym.make("Pendulum-v1").unwrapped
    env.reset(seed=0)
    for th in (-7.0, -math.pi, 0.5, math.pi, 7.0):
        for v in (-8.0, -7.99, 7.99, 8.0):
            for a in (-3.0, -2.0, 0.3, 2.0, 3.0):
                env.state = np.array([th, v])
                _one_step("Pendulum-v1", env, a)
    env.close()


def test_acrobot_reset_observation() -> None:
    """After reset numpy takes cos/sin of a float32 state in float32; the twin must match that."""
    twin = twin_for("Acrobot-v1")
    env = gym.make("Acrobot-v1").unwrapped
    obs = np.empty(twin.OBS_SIZE)
    for seed in range(3000):  # about 1 reset in 600 rounds differently from float64 cos/sin
        real_obs, _ = env.reset(seed=seed)
        twin.observe(twin.state_from_env(env), obs)
        assert np.array_equal(obs, real_obs.astype(np.float64)), seed
    env.close()


def test_mountaincar_continuous_float32_goal_line() -> None:
    """A float32 position landing exactly on float32(0.45) is at the goal: numpy compares the
    goal in float32 there, and float32(0.45) < 0.45, so a float64 comparison would say no."""
    env_id = "MountainCarContinuous-v0"
    env = gym.make(env_id).unwrapped
    env.reset(seed=0)
    goal = np.float32(0.45)
    # Full (clipped) force from rest near the goal: measure one step's move, then scan float32
    # starts around goal - move for ones that land exactly on the goal.
    env.state = np.array([goal, 0.0], dtype=np.float32)
    env.step(np.array([1.5]))
    move = env.state[0] - goal
    base = np.array([goal - move], dtype=np.float32).view(np.int32)
    starts = (base + np.arange(-300, 300, dtype=np.int32)).view(np.float32)
    hits = []
    for p in starts:
        env.state = np.array([p, 0.0], dtype=np.float32)
        _, _, terminated, _, _ = env.step(np.array([1.5]))
        if env.state[0] == goal:
            assert terminated
            hits.append(p)
    assert hits, "no start lands exactly on the goal line"
    for p in hits:
        env.state = np.array([p, 0.0], dtype=np.float32)
        _one_step(env_id, env, 1.5)
    env.close()


def test_random_state_sweep() -> None:
    """Single steps from random states: Acrobot over its whole state box, and
    MountainCarContinuous from float32 states over the whole speed range, so that speeds get
    clipped to a Python float that numpy then adds to the float32 position in float32."""
    rng = np.random.default_rng(7)
    env = gym.make("Acrobot-v1").unwrapped
    env.reset(seed=0)
    hi = np.array([math.pi, math.pi, 4 * math.pi, 9 * math.pi])
    for _ in range(1000):
        env.state = rng.uniform(-hi, hi)
        _one_step("Acrobot-v1", env, float(rng.integers(3)))
    env.close()
    env = gym.make("MountainCarContinuous-v0").unwrapped
    env.reset(seed=0)
    for _ in range(2000):
        p = rng.uniform(-1.2, 0.45)
        v = rng.choice([-1.0, 1.0]) * rng.uniform(0.0, 0.0705)
        env.state = np.array([p, v], dtype=np.float32)
        _one_step("MountainCarContinuous-v0", env, float(rng.uniform(-1.5, 1.5)))
    env.close()
