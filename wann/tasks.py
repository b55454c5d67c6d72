"""What a task is: a gymnasium environment plus how a network's outputs become actions.

Any gymnasium environment with a Box observation and a Box or Discrete action space is a
task; built-in names add the paper's settings (hidden activation pool, solved threshold).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import gymnasium as gym
import numpy as np

import wann_envs  # noqa: F401 - registers CartPoleSwingUp
from wann import WannError
from wann.activations import CONTROL_POOL

if TYPE_CHECKING:
    from wann.config import Hyperparameters


@dataclass(frozen=True)
class Task:
    """A resolved control task; picklable, so workers can rebuild its environment.

    Examples:
        >>> import wann
        >>> task = wann.get_task("cartpole")
        >>> env = task.make_env()
        >>> observation, info = env.reset(seed=0)
        >>> observation.shape, task.max_steps
        ((4,), 500)
        >>> env.close()
    """

    #: The task family (wann.families): how the verbs score, tune and plot it.
    family: ClassVar[str] = "control"
    name: str
    env_id: str
    n_in: int
    n_out: int
    discrete: bool
    low: np.ndarray = field(repr=False)
    high: np.ndarray = field(repr=False)
    max_steps: int
    hidden_acts: tuple[int, ...] = CONTROL_POOL
    output_act: int = 1
    worst_return: float = -1e6
    solved: float | None = None
    input_names: tuple[str, ...] = ()
    output_names: tuple[str, ...] = ()
    make_kwargs: tuple[tuple[str, object], ...] = ()

    def make_env(self, **kwargs: object) -> gym.Env:
        """A fresh gymnasium environment for this task (with its time limit)."""
        return make_env(self.env_id, **dict(self.make_kwargs), **kwargs)

    def to_action(self, out: np.ndarray) -> np.ndarray | int:
        """Network outputs to an env action: argmax for Discrete, clipped outputs for Box."""
        if self.discrete:
            return int(np.argmax(out))
        return np.clip(out, self.low, self.high)


@dataclass(frozen=True)
class _Builtin:
    env_id: str
    worst_return: float
    solved: float | None = None
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    extra: str | None = None


BUILTIN: dict[str, _Builtin] = {
    "swingup": _Builtin(
        "wann/CartPoleSwingUp-v0",
        -1000.0,
        None,
        ("x", "x_dot", "cos θ", "sin θ", "θ_dot"),
        ("force",),
    ),
    "cartpole": _Builtin(
        "CartPole-v1", 0.0, 475.0, ("x", "x_dot", "θ", "θ_dot"), ("left", "right")
    ),
    "acrobot": _Builtin("Acrobot-v1", -500.0, -100.0),
    "pendulum": _Builtin("Pendulum-v1", -3300.0, None, ("cos θ", "sin θ", "θ_dot"), ("torque",)),
    "mountaincar": _Builtin("MountainCar-v0", -200.0, -110.0, ("x", "x_dot"), ("left", "none", "right")),
    "mountaincar-continuous": _Builtin(
        "MountainCarContinuous-v0", -1000.0, 90.0, ("x", "x_dot"), ("force",)
    ),
    "lunarlander": _Builtin("LunarLander-v3", -10000.0, 200.0, extra="box2d"),
    "biped": _Builtin("BipedalWalker-v3", -10000.0, 300.0, extra="box2d"),
}


def make_env(env_id: str, **kwargs: object) -> gym.Env:
    """gymnasium.make with errors turned into one clear line."""
    try:
        return gym.make(env_id, **kwargs)
    except gym.error.DependencyNotInstalled as exc:
        raise WannError(
            f"environment {env_id} needs a package that is not installed ({exc}); "
            "for Box2D tasks run: pip install 'wann[box2d]'"
        ) from None
    except (gym.error.Error, ModuleNotFoundError, ImportError) as exc:
        raise WannError(f"cannot make environment {env_id!r}: {exc}") from None


def import_env_module(env_id: str) -> None:
    """For a `module:EnvId` task, import the module that registers the environment.

    gymnasium does the same inside `make`; doing it first lets the registry say whether the
    id exists, and turns an import failure into one clear line.
    """
    module, sep, _ = env_id.partition(":")
    if not sep:
        return
    if not module:
        raise WannError(f"task {env_id!r}: the module before ':' is empty (use module:EnvId)")
    try:
        importlib.import_module(module)
    except SystemExit as exc:  # sys.exit() at import: the user's module, not our exit code
        raise WannError(
            f"task {env_id!r}: importing module {module!r} called sys.exit({exc.code!r})"
        ) from None
    except Exception as exc:  # any error while importing the user's module is bad input
        raise WannError(
            f"task {env_id!r}: cannot import module {module!r} "
            f"({type(exc).__name__}: {exc}); is it on PYTHONPATH?"
        ) from None


def get_task(
    name: str, data: str | Path | None = None, hp: Hyperparameters | None = None
) -> Task:
    """A control task by name (`control_task`); wann.get_task, wann.families.resolve_task,
    resolves the names of every family."""
    return control_task(name, data)


def control_task(name: str, data: str | Path | None = None) -> Task:
    """A built-in task name (swingup, cartpole, ...), any gymnasium id, or module:EnvId."""
    if not isinstance(name, str) or not name.strip():
        raise WannError(f"{{task}} must name a task, got {name!r}")
    if data is not None:
        raise WannError(f"{{data}} is for classification tasks (digits, mnist), not {name!r}")
    spec = BUILTIN.get(name)
    env_id = spec.env_id if spec else name
    if spec is None:
        import_env_module(env_id)
        if env_id.partition(":")[2 if ":" in env_id else 0] not in gym.registry:
            known = ", ".join(sorted(BUILTIN))
            raise WannError(
                f"unknown task {name!r}: use one of {known}, a registered gymnasium id, "
                "or module:EnvId for an environment your own module registers"
            )
    return _inspect(name, env_id, spec)


def task_from_factory(
    factory: Callable[[], gym.Env], name: str | None = None, max_steps: int = 1000
) -> Task:
    """A task from the user's own environment factory (a callable returning a gymnasium.Env),
    with the same checks as a gymnasium id.

    The factory is registered with gymnasium under `wann-user/<name>-v0` in this process
    (episodes end after `max_steps` unless the env ends them sooner), so the serial backend
    and forked workers can make it; spawned workers need the id registered at import.

    Examples:
        >>> import gymnasium as gym
        >>> import wann
        >>> task = wann.task_from_factory(lambda: gym.make("CartPole-v1"), name="mycartpole", max_steps=200)
        >>> task.env_id, task.n_in, task.n_out, task.discrete
        ('wann-user/mycartpole-v0', 4, 2, True)
    """
    if not callable(factory):
        raise WannError(f"a task must be a name, a gymnasium id or an env factory, got {factory!r}")
    name = name or getattr(factory, "__name__", "env").strip("<>") or "env"
    env_id = f"wann-user/{name}-v0"
    if env_id in gym.registry:
        del gym.registry[env_id]
    gym.register(id=env_id, entry_point=factory, max_episode_steps=max_steps)
    return _inspect(name, env_id, None)


def _inspect(name: str, env_id: str, spec: _Builtin | None) -> Task:
    """The task's shapes and limits, read from one instance of its environment."""
    env = make_env(env_id)
    try:
        obs_space, act_space = env.observation_space, env.action_space
        if not isinstance(obs_space, gym.spaces.Box) or len(obs_space.shape) != 1:
            raise WannError(f"task {name!r}: observation space must be a flat Box, got {obs_space}")
        if isinstance(act_space, gym.spaces.Discrete):
            discrete, n_out = True, int(act_space.n)
            low = high = np.zeros(0)
        elif isinstance(act_space, gym.spaces.Box) and len(act_space.shape) == 1:
            discrete, n_out = False, int(act_space.shape[0])
            low = act_space.low.astype(np.float64)
            high = act_space.high.astype(np.float64)
        else:
            raise WannError(f"task {name!r}: action space must be Discrete or a flat Box")
        max_steps = env.spec.max_episode_steps if env.spec else None
    finally:
        env.close()
    return Task(
        name=name,
        env_id=env_id,
        n_in=int(obs_space.shape[0]),
        n_out=n_out,
        discrete=discrete,
        low=low,
        high=high,
        max_steps=int(max_steps or 1000),
        worst_return=spec.worst_return if spec else -1e6,
        solved=spec.solved if spec else None,
        input_names=spec.inputs if spec else (),
        output_names=spec.outputs if spec else (),
    )


def check_task_fits(task: Task, n_in: int, n_out: int, what: str) -> None:
    """A genome or checkpoint made for other inputs/outputs cannot run on `task`."""
    if (n_in, n_out) != (task.n_in, task.n_out):
        raise WannError(
            f"{what} has {n_in} inputs and {n_out} outputs, but task {task.name!r} needs "
            f"{task.n_in} and {task.n_out}"
        )
