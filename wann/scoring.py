"""Scoring one network on test episodes: shared weights, its own weights, random weights.

These are the columns of the paper's Table 1. Each uses fixed test seeds, so every network
compared in one protocol sees the same episodes.

A rollout whose network outputs NaN or inf is scored the task's worst return (`worst_return`:
-1000 on swing-up), as during the search; each call that meets one says so in one warning.
"""

from __future__ import annotations

import logging

import numpy as np

from wann import streams
from wann.evaluation.protocol import Evaluator
from wann.genome import Genome
from wann.network import compile_genome, pack_batches

log = logging.getLogger("wann")


def report_nonfinite(ev: Evaluator, bad: np.ndarray, what: str) -> None:
    """One warning when rollouts gave NaN or inf outputs: their score is a convention (the
    task's worst return), not something the network earned."""
    n = int(np.count_nonzero(bad))
    if n:
        worst = getattr(getattr(ev, "task", None), "worst_return", None)
        scored = "the task's worst return" if worst is None else f"{worst:g}, the task's worst return"
        log.warning("%d of %d rollouts (%s) gave NaN or inf outputs and were scored %s",
                    n, bad.size, what, scored)


def test_seeds(seed: int, n: int) -> np.ndarray:
    """Fixed test-episode seeds, disjoint in purpose from the search's per-generation seeds."""
    ss = np.random.SeedSequence([int(seed), streams.TEST])
    return ss.generate_state(n, dtype=np.uint32).astype(np.int64)


test_seeds.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def shared_weight_returns(
    ev: Evaluator, genome: Genome, weights: np.ndarray, seeds: np.ndarray
) -> np.ndarray:
    """Returns [weight, episode] with every connection set to each shared weight."""
    r, bad = ev.evaluate(compile_genome(genome), np.asarray(weights, np.float64), seeds)
    report_nonfinite(ev, bad, "shared weights")
    return r[0]


def own_weight_returns(ev: Evaluator, genome: Genome, seeds: np.ndarray) -> np.ndarray:
    """Returns [episode] with the genome's own per-connection weights."""
    r, bad = ev.evaluate(compile_genome(genome, use_weights=True), np.ones(1), seeds)
    report_nonfinite(ev, bad, "own weights")
    return r[0, 0]


def _paired(ev: Evaluator, batches: list, weights: np.ndarray, seeds: np.ndarray,
            what: str) -> np.ndarray:
    """Episode i runs net i with weight i on seed i: one evaluator call per episode."""
    out = np.empty(len(seeds))
    bad = np.zeros(len(seeds), dtype=bool)
    for i, s in enumerate(seeds):
        r, b = ev.evaluate(batches[i], weights[i : i + 1], np.array([s]))
        out[i], bad[i] = r[0, 0, 0], b[0, 0, 0]
    report_nonfinite(ev, bad, what)
    return out


def random_shared_returns(
    ev: Evaluator, genome: Genome, seeds: np.ndarray, rng: np.random.Generator, lim: float = 2.0
) -> np.ndarray:
    """One shared weight drawn from U(-lim, lim) per episode."""
    w = rng.uniform(-lim, lim, size=len(seeds))
    b = compile_genome(genome)
    return _paired(ev, [b] * len(seeds), w, seeds, "random shared weight")


def random_weight_returns(
    ev: Evaluator, genome: Genome, seeds: np.ndarray, rng: np.random.Generator, lim: float = 2.0
) -> np.ndarray:
    """Every connection drawn from U(-lim, lim), afresh for each episode."""
    batches = []
    for _ in seeds:
        g = genome.copy()
        g.conn_weight = rng.uniform(-lim, lim, size=g.conn_weight.size)
        batches.append(pack_batches([compile_genome(g, use_weights=True)]))
    return _paired(ev, batches, np.ones(len(seeds)), seeds, "random weights")


def summary(x: np.ndarray) -> dict:
    return {"mean": float(np.mean(x)), "std": float(np.std(x)), "median": float(np.median(x)),
            "min": float(np.min(x)), "max": float(np.max(x)), "n": int(np.size(x))}
