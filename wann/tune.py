"""Tuning a WANN's weights: every connection as an offset from its best shared weight (CMA-ES),
from one initial sd or from several, keeping the run that scores best on the check episodes."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from wann.cmaes import CMAResult, CMASettings, cma_es
from wann.evaluation.protocol import Evaluator
from wann.genome import Genome
from wann.progress import Progress


def tune_weights(
    ev: Evaluator,
    genome: Genome,
    shared_weight: float,
    settings: CMASettings,
    seed: int,
    progress: Progress | None = None,
) -> CMAResult:
    """Every enabled connection tuned as an offset from the best shared weight.

    The reference's tuning tool did the same: CMA-ES on offsets that start at 0, so the first
    mean is the shared-weight network itself.
    """
    free = np.flatnonzero(genome.conn_enabled)
    base = np.full(free.size, float(shared_weight))
    res = cma_es(ev, genome, np.zeros(free.size), settings, seed, base=base, free=free,
                 label="tune", progress=progress)
    res.genome.meta.update({"weights": "tuned", "shared_weight": float(shared_weight),
                            "check_score": res.check_score})
    return res


def tune_weights_restarts(
    ev: Evaluator,
    genome: Genome,
    shared_weight: float,
    settings: CMASettings,
    sigmas: Sequence[float],
    seed: int,
    progress: Progress | None = None,
) -> tuple[CMAResult, list[dict]]:
    """`tune_weights` from each initial sd in `sigmas` (same seed, same check episodes, never
    the test ones); the run whose distribution mean checked best is kept, the first on a tie.

    No one sd suits every champion: from its best shared weight, one net needs small steps
    (a wide first generation never beats the start) and another wide ones. Returns the kept
    run (its `rollouts` the sum over every run: the budget spent) and, per sd, its check score.
    """
    runs = [tune_weights(ev, genome, shared_weight, settings.replace(sigma0=float(s)), seed,
                         progress) for s in sigmas]
    kept = max(range(len(runs)), key=lambda i: (runs[i].check_score, -i))
    tried = [{"sigma0": float(s), "check_score": r.check_score, "rollouts": r.rollouts}
             for s, r in zip(sigmas, runs)]
    best = dataclasses.replace(runs[kept], rollouts=sum(r.rollouts for r in runs))
    if len(runs) > 1:
        best.genome.meta["sigma0"] = float(sigmas[kept])
    return best, tried
