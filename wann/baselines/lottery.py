"""Lottery tickets (Frankle & Carbin 2019): iterative magnitude pruning with rewinding.

Each round prunes 20% of the surviving weights (layer-wise, by the magnitude reached in the
previous round's training), rewinds the survivors to their initial values and retrains them.
A round never skips past a requested sparsity: it prunes exactly to it, so a ticket exists at
every requested level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from wann.baselines.common import Net
from wann.baselines.dense import DenseRun
from wann.baselines.prune import apply_mask, check_sparsity, magnitude_mask, n_keep, pct
from wann.cmaes import CMASettings, cma_es
from wann.evaluation import Evaluator
from wann.genome import Genome
from wann.progress import Progress
from wann.streams import sub_seed


def imp_schedule(n: int, sparsities: Sequence[float], rate: float = 0.2) -> list[int]:
    """Survivor counts after each round, down to the highest requested sparsity."""
    if not 0.0 < rate < 1.0:
        raise ValueError(f"pruning rate must lie in (0, 1), got {rate}")
    targets = sorted({n_keep(n, check_sparsity(s)) for s in sparsities}, reverse=True)
    targets = [t for t in targets if t < n]
    counts: list[int] = []
    k = n
    for t in targets:
        while k > t:
            k = max(t, min(k - 1, math.floor(k * (1.0 - rate) + 0.5)))
            counts.append(k)
    return counts


def rewind(genome: Genome, init: np.ndarray, mask: np.ndarray) -> Genome:
    """The masked network with every weight back at its initial value."""
    return apply_mask(genome, mask, init)


def lottery_tickets(
    ev: Evaluator,
    dense: DenseRun,
    sparsities: Sequence[float],
    settings: CMASettings,
    seed: int,
    max_steps: int,
    rate: float = 0.2,
    progress: Progress | None = None,
) -> list[Net]:
    """Run iterative pruning with rewinding; return the retrained ticket at each sparsity."""
    n = dense.trained.size
    wanted = {n_keep(n, s): s for s in sorted(sparsities)}
    schedule = imp_schedule(n, sparsities, rate)
    weights, alive = dense.trained, np.ones(n, bool)
    steps = dense.net.env_steps
    tickets: list[Net] = []
    for r, keep in enumerate(schedule, start=1):
        alive = magnitude_mask(weights, dense.conn_layer, keep, alive)
        g = rewind(dense.result.genome, dense.init, alive)
        res = cma_es(ev, g, dense.init[alive], settings, sub_seed(seed, r),
                     label=f"lottery round {r}/{len(schedule)} ({keep} weights)",
                     progress=progress)
        steps += res.rollouts * max_steps
        weights = res.genome.conn_weight
        if keep in wanted:
            s = wanted[keep]
            res.genome.meta.update({"check_score": res.check_score, "sparsity": s, "round": r})
            tickets.append(Net(f"lottery ticket {pct(s)}", res.genome, steps, sparsity=s,
                               note=f"round {r}"))
    if n in wanted:  # a ticket that prunes nothing is the trained dense net itself
        tickets.insert(0, Net(f"lottery ticket {pct(wanted[n])}", dense.result.genome,
                              dense.net.env_steps, sparsity=wanted[n], note="the dense net"))
    return tickets
