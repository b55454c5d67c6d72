"""Objectives over weight vectors: what the sparsity methods measure a network by.

A method asks an objective for the scores of many weight vectors at once (higher is better).
Two adapters: `ReturnObjective`, the mean return of a fixed topology on common episodes
through any evaluator (RL: every candidate sees the same episode seeds, so differences
between candidates are not episode noise), and `LossObjective`, minus a differentiable loss
given as a Python function of the flat weights (classification).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from wann.cmaes import WeightBatch
from wann.evaluation import Evaluator
from wann.genome import Genome


class Objective(Protocol):
    def __call__(self, xs: np.ndarray) -> np.ndarray:
        """Scores (higher is better) of weight vectors xs[m, dim]."""
        ...

    def returns(self, xs: np.ndarray) -> np.ndarray:
        """Per-episode (or per-evaluation) scores [m, episodes]; their mean is the score."""
        ...


class ReturnObjective:
    """Mean return over fixed episode seeds of a genome's enabled connections set to x.

    `rollouts` counts the episodes spent, for a row's cost.
    """

    def __init__(self, ev: Evaluator, genome: Genome, seeds: np.ndarray) -> None:
        self.ev = ev
        self.wb = WeightBatch(genome)
        self.seeds = np.asarray(seeds, np.int64)
        self.rollouts = 0

    @property
    def dim(self) -> int:
        return self.wb.dim

    def returns(self, xs: np.ndarray) -> np.ndarray:
        """Returns [candidate, episode]."""
        xs = np.atleast_2d(np.asarray(xs, np.float64))
        r, _ = self.ev.evaluate(self.wb.batch(np.zeros(self.dim), xs), np.ones(1), self.seeds)
        self.rollouts += r.size
        return r[:, 0, :]

    def __call__(self, xs: np.ndarray) -> np.ndarray:
        return self.returns(xs).mean(axis=1)


class LossObjective:
    """Minus a loss function of the flat weights (for a classification net)."""

    def __init__(self, loss: Callable[[np.ndarray], float]) -> None:
        self.loss = loss

    def __call__(self, xs: np.ndarray) -> np.ndarray:
        xs = np.atleast_2d(np.asarray(xs, np.float64))
        return -np.array([float(self.loss(x)) for x in xs])

    def returns(self, xs: np.ndarray) -> np.ndarray:
        """Minus the loss as one 'episode' per vector: [m, 1]."""
        return self(xs)[:, None]
