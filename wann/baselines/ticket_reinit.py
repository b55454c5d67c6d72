"""The control of Frankle & Carbin (2019) and Liu et al. (2019): a lottery-ticket mask with
random re-initialization instead of rewinding.

The mask is the winning ticket's (iterative magnitude pruning with rewinding); the survivors
start from fresh draws of the same initial distribution (LeCun-normal per layer) and get the
training of one lottery round. If the ticket's own initial values matter, this row falls
below the ticket's; Liu et al. found that on small learning rates it often does not.
"""

from __future__ import annotations

import numpy as np

from wann import streams
from wann.baselines.common import Net
from wann.baselines.dense import init_weights
from wann.baselines.prune import apply_mask, pct
from wann.cmaes import CMASettings, cma_es
from wann.evaluation import Evaluator
from wann.progress import Progress


def reinit_ticket(
    ev: Evaluator, ticket: Net, layer_sizes: list[int], settings: CMASettings, seed: int,
    max_steps: int, progress: Progress | None = None,
) -> Net:
    """The ticket's mask on fresh random weights, trained with CMA-ES."""
    mask = np.asarray(ticket.genome.conn_enabled, bool)
    fresh = init_weights(layer_sizes, streams.generator(seed, streams.TICKET_REINIT))
    g = apply_mask(ticket.genome, mask, fresh)
    s = ticket.sparsity if ticket.sparsity is not None else 0.0
    res = cma_es(ev, g, fresh[mask], settings, seed,
                 label=f"ticket {pct(s)} re-initialized", progress=progress)
    res.genome.meta.update({"check_score": res.check_score, "sparsity": s})
    steps = (ticket.env_steps or 0) + res.rollouts * max_steps
    return Net(f"ticket random reinit {pct(s)}", res.genome, steps, sparsity=s)
