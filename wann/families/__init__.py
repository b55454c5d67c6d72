"""Task families and the one resolver above them.

    family = family_of(task)               # or family_of("digits"): by name, nothing loaded
    task = resolve_task("digits", data)    # a name, a task object or an env factory
    ev = family.make_evaluator(task, "auto", 2)

Families are tried in order, control last: it takes every name no other family owns (any
gymnasium id). `register_family` adds one (see wann.families.base for what it implements).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym

from wann import WannError, tasks
from wann.config import Hyperparameters, preset
from wann.families.base import Family, TuneOptions, missing_members
from wann.families.classification import CLASSIFICATION
from wann.families.control import CONTROL

__all__ = ["CLASSIFICATION", "CONTROL", "Family", "TuneOptions", "default_settings", "families",
           "family_of", "get_task", "register_family", "resolve_task", "task_for_run",
           "unregister_family"]

_FAMILIES: list[Family] = [CLASSIFICATION, CONTROL]


def families() -> tuple[Family, ...]:
    """The registered families, in the order names are matched (control last)."""
    return tuple(_FAMILIES)


def register_family(family: Family) -> None:
    """Add a family (or replace the one of the same name); it is asked before control."""
    missing = missing_members(family)
    if missing:
        raise WannError(f"{family!r} is not a task family: it lacks {', '.join(missing)} "
                        "(wann.families.base.Family)")
    unregister_family(family.name)
    _FAMILIES.insert(len(_FAMILIES) - 1, family)


def unregister_family(name: str) -> None:
    """Remove a registered family (control stays)."""
    if name == CONTROL.name:
        raise WannError("the control family cannot be removed")
    _FAMILIES[:] = [f for f in _FAMILIES if f.name != name]


def family_of(task: Any) -> Family:
    """The family of a task object (its `family` name) or of a task name: the object every
    verb (evolve, eval, tune, plot, render, compare) is written against.

    Examples:
        >>> import wann
        >>> wann.family_of("digits").name, wann.family_of("swingup").name
        ('classification', 'control')
        >>> wann.family_of(wann.get_task("cartpole")).default_preset("cartpole")
        'quick'
    """
    if isinstance(task, str):
        return next(f for f in _FAMILIES if f.owns(task))
    name = getattr(task, "family", None)
    for f in _FAMILIES:
        if f.name == name:
            return f
    raise WannError(f"{task!r} is not a task of any registered family "
                    f"({', '.join(f.name for f in _FAMILIES)})")


TaskLike = str | Callable[[], gym.Env] | Any


def resolve_task(
    task: TaskLike, data: str | Path | None = None, hp: Hyperparameters | None = None
) -> Any:
    """A task from a name (built-in, gymnasium id, module:EnvId, or a data set such as digits,
    whose `data` folder and the run settings `hp` shape it), a task object (returned as is),
    or a callable returning a gymnasium.Env."""
    if isinstance(task, str):
        return family_of(task).resolve(task, data, hp)
    if isinstance(getattr(task, "family", None), str):
        return task
    return tasks.task_from_factory(task)


def get_task(name: str, data: str | Path | None = None, hp: Hyperparameters | None = None) -> Any:
    """A task by name, of any family (the resolver behind `wann.get_task`): a built-in name,
    a gymnasium id, `module:EnvId`, or a data set (digits; mnist with `data`).

    Examples:
        >>> import wann
        >>> task = wann.get_task("swingup")
        >>> task.env_id, task.n_in, task.n_out, task.discrete
        ('wann/CartPoleSwingUp-v0', 5, 1, False)
        >>> digits = wann.get_task("digits")
        >>> digits.family, digits.n_in, digits.n_out
        ('classification', 64, 10)
    """
    return resolve_task(name, data, hp)


def default_settings(task: TaskLike) -> Hyperparameters:
    """The settings a bare run of `task` starts from: its family's preset for it (an env
    factory: control's)."""
    if isinstance(task, str):
        return preset(family_of(task).default_preset(task))
    if isinstance(getattr(task, "family", None), str):
        return preset(family_of(task).default_preset(task.name))
    return preset(CONTROL.default_preset(""))


def task_for_run(hp: Hyperparameters, data: str | Path | None = None) -> tuple[Any, Hyperparameters]:
    """The task a run's settings name, and the settings as the run records them (a
    classification run: its minibatch and its data's digest; an existing digest must match,
    so a resumed run sees the same data)."""
    family = family_of(hp.task)
    task = family.resolve(hp.task, data, hp)
    return task, family.run_settings(task, hp)

