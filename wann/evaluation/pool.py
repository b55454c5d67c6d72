"""The pool backend: a `multiprocess` pool, one live environment per worker.

Workers receive compact sub-batches of compiled nets (not genome objects) and send back
returns; results are placed by net index, never by arrival order.
"""

from __future__ import annotations

import numpy as np
from multiprocess import get_context

from wann.evaluation.rollout import evaluate_nets
from wann.network import NetBatch
from wann.tasks import Task

_env = None
_task: Task | None = None


def _init_worker(task: Task) -> None:
    global _env, _task
    import os

    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    _task = task
    _env = task.make_env()


def _work(args: tuple[NetBatch, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    batch, weights, seeds = args
    return evaluate_nets(_env, _task, batch, weights, seeds)


def split(n: int, parts: int) -> list[np.ndarray]:
    """Contiguous index chunks, about `parts` of them."""
    return [c for c in np.array_split(np.arange(n), max(1, min(n, parts))) if c.size]


class PoolEvaluator:
    """Rollouts spread over `workers` processes that keep their environments alive."""

    def __init__(self, task: Task, workers: int) -> None:
        self.task = task
        self.workers = workers
        self.pool = get_context("spawn").Pool(workers, initializer=_init_worker, initargs=(task,))

    def evaluate(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        weights, seeds = np.asarray(weights), np.asarray(seeds)
        chunks = split(batch.n_nets, self.workers * 4)
        jobs = [(batch.select(c), weights, seeds) for c in chunks]
        shape = (batch.n_nets, len(weights), len(seeds))
        returns = np.empty(shape)
        bad = np.zeros(shape, dtype=bool)
        for idx, (r, b) in zip(chunks, self.pool.imap(_work, jobs)):
            returns[idx], bad[idx] = r, b
        return returns, bad

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()
