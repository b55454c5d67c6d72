"""The shared-weight sweep: a network's return over a grid of shared weights, in one evaluator call."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wann import WannError
from wann.evaluation.protocol import Evaluator
from wann.genome import Genome
from wann.scoring import shared_weight_returns


def weight_grid(n: int = 81, lo: float = -2.0, hi: float = 2.0) -> np.ndarray:
    """n evenly spaced shared weights over [lo, hi] (81 points: steps of 0.05 on [-2, 2])."""
    if n < 1:
        raise WannError(f"the sweep needs at least 1 grid point, got {n}")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise WannError(f"the sweep range must be finite, got [{lo}, {hi}]")
    if not lo <= hi:
        raise WannError(f"the sweep range must have lo <= hi, got [{lo}, {hi}]")
    grid = np.linspace(lo, hi, n) if n > 1 else np.array([(lo + hi) / 2])
    if not np.any(grid != 0.0):
        # A zero shared weight cuts every connection (see Sweep.best_index): nothing to tune.
        raise WannError(
            f"a sweep of {n} point(s) over [{lo:g}, {hi:g}] holds no nonzero shared weight; "
            "widen the range or use more grid points"
        )
    return grid


@dataclass
class Sweep:
    """Mean and std of the return for every shared weight of a grid, on training episodes."""

    weights: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    episodes: int

    @property
    def best_index(self) -> int:
        """The grid point of the highest mean, 0 excluded: a zero shared weight cuts every
        connection, so the network ignores its inputs and it is no longer the topology that
        is scored (a do-nothing policy would win for many non-WANN networks)."""
        mean = np.where(self.weights == 0.0, -np.inf, self.mean)
        if not np.any(np.isfinite(mean)):
            mean = self.mean
        return int(np.argmax(mean))

    @property
    def best_weight(self) -> float:
        return float(self.weights[self.best_index])

    def to_csv(self) -> str:
        rows = ["weight,mean,std"]
        rows += [f"{w:.6g},{m:.6f},{s:.6f}" for w, m, s in zip(self.weights, self.mean, self.std)]
        return "\n".join(rows) + "\n"


def sweep_shared_weight(
    ev: Evaluator, genome: Genome, seeds: np.ndarray, grid: np.ndarray
) -> Sweep:
    """Every grid weight on the same training episodes, in one evaluator call."""
    r = shared_weight_returns(ev, genome, np.asarray(grid, np.float64), seeds)
    return Sweep(np.asarray(grid, np.float64), r.mean(axis=1), r.std(axis=1), len(seeds))
