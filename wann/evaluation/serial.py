"""The serial backend: one gymnasium environment in this process."""

from __future__ import annotations

import numpy as np

from wann.evaluation.faults import NoFaults
from wann.evaluation.rollout import evaluate_nets
from wann.network import NetBatch
from wann.tasks import Task


class SerialEvaluator(NoFaults):
    """Runs every rollout in this process, through the real gymnasium environment."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.env = task.make_env()

    def evaluate(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        return evaluate_nets(self.env, self.task, batch, np.asarray(weights), np.asarray(seeds))

    def close(self) -> None:
        self.env.close()
