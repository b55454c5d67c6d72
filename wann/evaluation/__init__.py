"""Evaluators: score a packed generation over shared weights and episode seeds.

Every backend implements `evaluate(batch, weights, seeds) -> (returns, bad)` with returns of
shape [net, weight, repetition]. Each rollout depends only on (net, weight, seed), never on
which worker ran it, so the same seed gives the same numbers on every backend.
"""

from __future__ import annotations

from typing import Any

from wann import WannError
from wann.evaluation.protocol import Evaluator, FaultEvent, episode_seeds
from wann.resources import check_local_workers
from wann.tasks import Task

__all__ = ["BACKENDS", "MAX_TIMEOUT_S", "Evaluator", "FaultEvent", "check_options",
           "episode_seeds", "make_evaluator"]

BACKENDS = ("auto", "compiled", "serial", "pool", "dask", "cuda")
#: The longest sub-batch timeout, about 11.6 days: longer waits overflow the OS's timers.
MAX_TIMEOUT_S = 1e6


def check_options(
    backend: str, workers: int | None, scheduler: str | None, timeout: float | None
) -> None:
    """The checks every family's evaluators share: a known backend, workers, a timeout."""
    if backend not in BACKENDS:
        raise WannError(f"unknown backend {backend!r}: use one of {', '.join(BACKENDS)}")
    if workers is not None and workers < 1:
        raise WannError(f"{{workers}} must be at least 1, got {workers}")
    if timeout is not None and not 0 < timeout <= MAX_TIMEOUT_S:
        raise WannError(
            f"{{timeout}} must be a positive number of seconds up to {MAX_TIMEOUT_S:g}, "
            f"got {timeout:g}"
        )
    if scheduler is not None and backend not in ("auto", "dask"):
        raise WannError(f"{{scheduler}} needs {{backend}} dask (got {{backend}} {backend})")


def make_evaluator(
    task: Task | Any, backend: str = "auto", workers: int | None = 1, *,
    scheduler: str | None = None, timeout: float | None = None, fast_math: bool = False,
) -> Evaluator:
    """The compiled backend where the task has a twin (for 'auto'), else serial or a pool.

    'cuda' runs a generation in one GPU kernel launch (numba-cuda, tasks with a twin only).

    `workers=None` means 1, except for a local Dask cluster: one worker per core. A
    `scheduler` address (Dask) makes 'auto' mean 'dask'; `timeout` bounds one sub-batch on
    the pool and Dask backends (past it the worker counts as lost and the work is re-run).
    `fast_math` selects the compiled kernel built with fast math (compiled backend only).

    A task of a family other than control (its `family` attribute, see wann.families) brings
    its own evaluators: its `make_evaluator(backend, workers, ...)` makes one, after the
    checks every family shares.

    Examples:
        >>> import numpy as np
        >>> import wann
        >>> from wann.network import compile_population
        >>> task = wann.get_task("cartpole")
        >>> genomes = wann.Search(wann.preset("quick"), task.n_in, task.n_out, task.hidden_acts).ask()
        >>> evaluator = wann.make_evaluator(task, "compiled", workers=1)
        >>> returns, _ = evaluator.evaluate(compile_population(genomes), np.array([0.5, 1.0]), np.arange(3))
        >>> evaluator.close()
        >>> returns.shape
        (32, 2, 3)
    """
    check_options(backend, workers, scheduler, timeout)
    if getattr(task, "family", "control") != "control":
        return task.make_evaluator(backend, workers, scheduler=scheduler, timeout=timeout,
                                   fast_math=fast_math)
    return rollout_evaluator(task, backend, workers, scheduler=scheduler, timeout=timeout,
                             fast_math=fast_math)


def rollout_evaluator(
    task: Task, backend: str = "auto", workers: int | None = 1, *,
    scheduler: str | None = None, timeout: float | None = None, fast_math: bool = False,
) -> Evaluator:
    """A control task's evaluator: gymnasium rollouts (or their compiled twins)."""
    from wann_envs.twins import twin_for

    if backend == "auto" and scheduler is not None:
        backend = "dask"
    if fast_math and backend not in ("auto", "compiled"):
        raise WannError(f"--fast-math needs the compiled backend (got --backend {backend})")
    if backend == "dask":
        if scheduler is None:  # a local cluster: processes on this machine
            check_local_workers(workers, "dask")
        try:
            from wann.evaluation.dask_backend import DaskEvaluator
        except ImportError as exc:
            raise WannError(
                "the dask backend needs dask.distributed: pip install 'wann[dask]'"
            ) from exc
        return DaskEvaluator(task, scheduler=scheduler, workers=workers, timeout=timeout)
    workers = workers or 1
    if backend == "auto":
        backend = "compiled" if twin_for(task.env_id) is not None else (
            "pool" if workers > 1 else "serial"
        )
    if fast_math and backend != "compiled":
        raise WannError(f"--fast-math needs the compiled backend; task {task.name!r} has no twin")
    if timeout is not None and backend != "pool":
        raise WannError(f"{{timeout}} applies to the pool and dask backends, not {backend!r}")
    if backend == "cuda":
        from wann.evaluation.cuda import CudaEvaluator

        return CudaEvaluator(task)
    if backend == "compiled":
        from wann.evaluation.compiled import CompiledEvaluator

        return CompiledEvaluator(task, threads=workers, fast=fast_math)
    if backend == "pool":
        from wann.evaluation.pool import PoolEvaluator

        check_local_workers(workers, "pool")

        return PoolEvaluator(task, workers, timeout=timeout)
    from wann.evaluation.serial import SerialEvaluator

    return SerialEvaluator(task)
