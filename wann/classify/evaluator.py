"""The classification evaluator: fitness = minus the mean softmax cross-entropy on a minibatch.

`evaluate(batch, weights, seeds)` follows the protocol of wann.evaluation: returns
[net, weight, repetition]. Repetition r uses the minibatch drawn from episode seed r
(`ClassifyTask.minibatch_indices`), so with the search's `episode_seeds(run seed,
generation, n_reps)` every individual and weight of a generation sees the same samples. One
numba call scores the whole generation, in parallel over nets and sample chunks; `serial=True`
runs the same jobs in one thread, with bit-identical results.
"""

from __future__ import annotations

import numba
import numpy as np

from wann import WannError
from wann.classify import ClassifyTask
from wann.classify.kernels import CHUNK, losses_parallel, losses_serial, reduce_chunks
from wann.evaluation.protocol import NoFaults
from wann.network import NetBatch, kernel_args


def check_fits(task: ClassifyTask, batch: NetBatch) -> None:
    """A clear error when the nets' input or output counts do not fit the data set."""
    if (batch.n_in, batch.n_out) != (task.n_in, task.n_out):
        raise WannError(
            f"the network has {batch.n_in} inputs and {batch.n_out} outputs; task {task.name!r} "
            f"needs {task.n_in} inputs and {task.n_out} outputs"
        )


def minibatch_rows(task: ClassifyTask, seeds: np.ndarray) -> np.ndarray:
    """[repetition, sample]: the training rows of each episode seed's minibatch."""
    return np.stack([task.minibatch_indices(int(s)) for s in np.asarray(seeds)]).astype(np.int64)


class ClassifyEvaluator(NoFaults):
    """Scores a packed generation on minibatches in one compiled call."""

    def __init__(self, task: ClassifyTask, threads: int = 1, serial: bool = False) -> None:
        self.task = task
        self.serial = serial
        self.threads = max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS))
        self.last_steps = 0  # samples forwarded by the last evaluate call (nets x weights x samples)

    def evaluate(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        t = self.task
        check_fits(t, batch)
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        idx = minibatch_rows(t, seeds)
        n_chunks = -(-t.minibatch // CHUNK)
        part = np.empty((batch.n_nets, weights.size, idx.shape[0], n_chunks))
        part_bad = np.zeros(part.shape, dtype=np.bool_)
        args = (*kernel_args(batch), batch.n_in, batch.n_out, weights, t.x_train, t.y_train,
                idx, part, part_bad)
        if self.serial:
            losses_serial(*args)
        else:
            previous = numba.get_num_threads()
            numba.set_num_threads(self.threads)
            try:
                losses_parallel(*args)
            finally:
                numba.set_num_threads(previous)
        shape = part.shape[:3]
        returns = np.empty(shape)
        bad = np.zeros(shape, dtype=np.bool_)
        reduce_chunks(part, part_bad, t.minibatch, float(t.worst_return), returns, bad)
        self.last_steps = int(returns.size * t.minibatch)
        return returns, bad

    def close(self) -> None:
        """Nothing to release (the protocol's close)."""


def make_classify_evaluator(
    task: ClassifyTask, backend: str = "auto", workers: int | None = 1, *,
    scheduler: str | None = None, timeout: float | None = None, fast_math: bool = False,
) -> ClassifyEvaluator:
    """'auto' and 'compiled': threaded over `workers` cores; 'serial': one thread; 'cuda':
    one launch on a GPU (a WannError where numba-cuda or a GPU is missing). The pool and Dask
    backends (and their options) are for control tasks."""
    if workers is not None and workers < 1:
        raise WannError(f"{{workers}} must be at least 1, got {workers}")
    used = "{scheduler}" if scheduler is not None else "{timeout}" if timeout is not None else None
    if backend not in ("auto", "compiled", "serial", "cuda") or used:
        raise WannError(
            f"classification task {task.name!r} runs on the compiled, serial or cuda "
            "{backend} only (one call scores a whole generation), not " + (used or backend)
        )
    if fast_math:
        raise WannError(f"fast math is for the control tasks' kernel, not classification "
                        f"task {task.name!r}")
    if backend == "cuda":
        from wann.classify.cuda import ClassifyCudaEvaluator

        return ClassifyCudaEvaluator(task)
    if backend in ("auto", "compiled"):
        return ClassifyEvaluator(task, threads=workers or 1)
    return ClassifyEvaluator(task, serial=True)
