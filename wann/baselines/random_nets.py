"""Random controls: random sparse masks at matched sparsity, and random weights.

A random mask keeps as many weights per layer as magnitude pruning would, chosen uniformly; it
starts from the dense net's initial weights and gets the same training budget as one lottery
round, so it differs from a lottery ticket only in how the mask was chosen.
"""

from __future__ import annotations

import numpy as np

from wann import streams
from wann.baselines.common import Net
from wann.baselines.dense import DenseRun
from wann.baselines.prune import _counts_within, apply_mask, n_keep, pct
from wann.cmaes import CMASettings, cma_es
from wann.evaluation import Evaluator
from wann.progress import Progress


def random_mask(
    conn_layer: np.ndarray, keep: int, rng: np.random.Generator, alive: np.ndarray | None = None
) -> np.ndarray:
    """A uniform random mask with the layer-wise survivor counts of magnitude pruning."""
    alive = np.ones(conn_layer.size, bool) if alive is None else np.asarray(alive, bool)
    n_layers = int(conn_layer.max()) + 1
    counts = _counts_within(np.bincount(conn_layer, minlength=n_layers), keep,
                            np.bincount(conn_layer[alive], minlength=n_layers))
    mask = np.zeros(conn_layer.size, bool)
    for layer in range(n_layers):
        idx = np.flatnonzero(alive & (conn_layer == layer))
        mask[rng.choice(idx, size=counts[layer], replace=False)] = True
    return mask


def random_mask_net(
    ev: Evaluator,
    dense: DenseRun,
    sparsity: float,
    settings: CMASettings,
    seed: int,
    max_steps: int,
    progress: Progress | None = None,
) -> Net:
    """A random mask at the sparsity, trained from the initial weights with CMA-ES."""
    rng = streams.generator(seed, streams.RANDOM_MASK)
    mask = random_mask(dense.conn_layer, n_keep(dense.trained.size, sparsity), rng)
    g = apply_mask(dense.result.genome, mask, dense.init)
    res = cma_es(ev, g, dense.init[mask], settings, seed,
                 label=f"random mask {pct(sparsity)}", progress=progress)
    res.genome.meta.update({"check_score": res.check_score, "sparsity": sparsity})
    return Net(f"random mask {pct(sparsity)}", res.genome, res.rollouts * max_steps,
               sparsity=sparsity)
