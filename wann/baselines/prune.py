"""Magnitude pruning (Han et al. 2015): keep the largest weights, fine-tune the survivors.

Pruning is layer-wise, as in Han et al. and Frankle & Carbin: every layer loses the same share
of its live weights, so no layer is cut away whole. The total kept is exact:
round(n (1 - sparsity)) of the n dense weights, the layers' shares rounded by largest
remainder with at least one survivor per layer.
"""

from __future__ import annotations

import math

import numpy as np

from wann import WannError
from wann.baselines.common import Net
from wann.baselines.dense import DenseRun
from wann.cmaes import CMASettings, cma_es
from wann.evaluation import Evaluator
from wann.genome import Genome
from wann.progress import Progress


def check_sparsity(s: float) -> float:
    """A sparsity must lie in [0, 1): the share of weights removed."""
    if not (isinstance(s, int | float) and math.isfinite(s) and 0.0 <= s < 1.0):
        raise WannError(f"sparsity must lie in [0, 1), got {s}")
    return float(s)


def n_keep(n: int, sparsity: float) -> int:
    """How many of n weights survive at a sparsity: round(n (1 - s)), halves up, at least 1."""
    check_sparsity(sparsity)
    return max(1, min(n, math.floor(n * (1.0 - sparsity) + 0.5)))


def allocate(keep: int, alive: np.ndarray) -> np.ndarray:
    """Split `keep` survivors over layers in proportion to their live weights.

    Largest remainder rounding; every layer with live weights keeps at least one when there
    are enough survivors to go round.
    """
    alive = np.asarray(alive, dtype=np.int64)
    total = int(alive.sum())
    if not 0 < keep <= total:
        raise ValueError(f"cannot keep {keep} of {total} weights")
    share = keep * alive / total
    counts = np.floor(share).astype(np.int64)
    order = np.argsort(-(share - counts), kind="stable")
    counts[order[: keep - int(counts.sum())]] += 1
    live = np.flatnonzero(alive > 0)
    if keep >= live.size:
        for layer in live:
            if counts[layer] == 0:
                donor = int(np.argmax(counts))
                counts[donor] -= 1
                counts[layer] += 1
    return counts


def magnitude_mask(
    weights: np.ndarray, layers: np.ndarray, keep: int, alive: np.ndarray | None = None
) -> np.ndarray:
    """Mask of the `keep` largest-magnitude live weights, layer by layer (ties: lower index)."""
    w = np.abs(np.asarray(weights, np.float64))
    alive = np.ones(w.size, bool) if alive is None else np.asarray(alive, bool)
    n_layers = int(layers.max()) + 1
    counts = allocate(keep, np.bincount(layers[alive], minlength=n_layers))
    mask = np.zeros(w.size, bool)
    for layer in range(n_layers):
        idx = np.flatnonzero(alive & (layers == layer))
        top = idx[np.argsort(-w[idx], kind="stable")[: counts[layer]]]
        mask[top] = True
    return mask


def apply_mask(genome: Genome, mask: np.ndarray, weights: np.ndarray | None = None) -> Genome:
    """A copy with only the masked connections enabled (and optionally new weights)."""
    g = genome.copy()
    g.conn_enabled = np.asarray(mask, bool).copy()
    if weights is not None:
        g.conn_weight = np.asarray(weights, np.float64).copy()
    return g


def prune_and_finetune(
    ev: Evaluator,
    dense: DenseRun,
    sparsity: float,
    settings: CMASettings,
    seed: int,
    max_steps: int,
    progress: Progress | None = None,
) -> Net:
    """Prune the trained dense net to a sparsity, then fine-tune the survivors with CMA-ES."""
    mask = magnitude_mask(dense.trained, dense.conn_layer, n_keep(dense.trained.size, sparsity))
    g = apply_mask(dense.result.genome, mask)
    res = cma_es(ev, g, g.conn_weight[mask], settings, seed,
                 label=f"prune {sparsity:.0%}", progress=progress)
    steps = dense.net.env_steps + res.rollouts * max_steps
    res.genome.meta.update({"check_score": res.check_score, "sparsity": sparsity})
    return Net(f"pruned {sparsity:.0%}", res.genome, steps, sparsity=sparsity)
