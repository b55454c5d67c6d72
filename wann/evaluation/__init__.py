"""Evaluators: score a packed generation over shared weights and episode seeds.

Every backend implements `evaluate(batch, weights, seeds) -> (returns, bad)` with returns of
shape [net, weight, repetition]. Each rollout depends only on (net, weight, seed), never on
which worker ran it, so the same seed gives the same numbers on every backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from wann import WannError
from wann.evaluation.faults import FaultEvent
from wann.network import NetBatch
from wann.tasks import Task

if TYPE_CHECKING:
    from wann.classify import ClassifyTask

BACKENDS = ("auto", "compiled", "serial", "pool", "dask", "cuda")
#: The longest sub-batch timeout, about 11.6 days: longer waits overflow the OS's timers.
MAX_TIMEOUT_S = 1e6


class Evaluator(Protocol):
    def evaluate(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def drain_events(self) -> list[FaultEvent]:
        """Worker faults met since the last call (lost or timed-out workers); results never
        depend on them. In-process backends return [] (wann.evaluation.faults.NoFaults)."""
        ...

    def close(self) -> None: ...


def episode_seeds(run_seed: int, generation: int, n_reps: int) -> np.ndarray:
    """Common random numbers: the n_reps episode seeds every individual sees in a generation."""
    ss = np.random.SeedSequence([int(run_seed), int(generation)])
    return ss.generate_state(n_reps, dtype=np.uint32).astype(np.int64)


def make_evaluator(
    task: Task | ClassifyTask, backend: str = "auto", workers: int | None = 1, *,
    scheduler: str | None = None, timeout: float | None = None, fast_math: bool = False,
) -> Evaluator:
    """The compiled backend where the task has a twin (for 'auto'), else serial or a pool;
    for a classification task, the classification evaluator (compiled or serial only).

    'cuda' runs a generation in one GPU kernel launch (numba-cuda, tasks with a twin only).

    `workers=None` means 1, except for a local Dask cluster: one worker per core. A
    `scheduler` address (Dask) makes 'auto' mean 'dask'; `timeout` bounds one sub-batch on
    the pool and Dask backends (past it the worker counts as lost and the work is re-run).
    `fast_math` selects the compiled kernel built with fast math (compiled backend only).

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
    from envs.twins import twin_for

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
    from wann.classify import ClassifyTask

    if isinstance(task, ClassifyTask):
        used = ("{scheduler}" if scheduler is not None else "{timeout}" if timeout is not None
                else None)
        if backend not in ("auto", "compiled", "serial") or used:
            raise WannError(
                f"classification task {task.name!r} runs on the compiled or serial {{backend}} "
                "only (one compiled call scores a whole generation), not "
                + (used or backend)
            )
        if fast_math:
            raise WannError(f"fast math is for the control tasks' kernel, not classification "
                            f"task {task.name!r}")
        from wann.classify.evaluator import make_classify_evaluator

        return make_classify_evaluator(task, backend, workers)
    if backend == "auto" and scheduler is not None:
        backend = "dask"
    if fast_math and backend not in ("auto", "compiled"):
        raise WannError(f"--fast-math needs the compiled backend (got --backend {backend})")
    if backend == "dask":
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

        return PoolEvaluator(task, workers, timeout=timeout)
    from wann.evaluation.serial import SerialEvaluator

    return SerialEvaluator(task)
