"""Tuning a WANN's weights: every connection as an offset from its best shared weight (CMA-ES)."""

from __future__ import annotations

import numpy as np

from wann.cmaes import CMAResult, CMASettings, cma_es
from wann.evaluation import Evaluator
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
