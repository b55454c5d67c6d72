"""Magnitude pruning (Han et al. 2015): keep the largest weights, fine-tune the survivors.

Pruning is layer-wise with Frankle & Carbin's rates: the output layer is pruned at half the
rate of the other layers (`layer_counts`), so no layer is cut away whole and the small output
layer is not emptied first. The total kept is exact: round(n (1 - sparsity)) of the n dense
weights, the layers' shares rounded by largest remainder with at least one survivor per layer.
Every family (magnitude, lottery, random masks, signed constants, supermasks) keeps the same
count per layer at a given sparsity.
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


def pct(sparsity: float) -> str:
    """A sparsity as a percentage for row names: 50%, 99.5%, 99.85%."""
    return f"{sparsity * 100:.4g}%"


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


ROUND_RATE = 0.2  # Frankle & Carbin's per-round pruning rate of the hidden layers
OUTPUT_RATIO = 0.5  # the output layer is pruned at this fraction of that rate


def layer_counts(sizes: np.ndarray, keep: int, rate: float = ROUND_RATE,
                 output_ratio: float = OUTPUT_RATIO) -> np.ndarray:
    """Survivors per layer (the last is the output layer) when `keep` weights survive.

    After k rounds of Frankle & Carbin's iterative pruning a layer keeps (1 - rate)^k of its
    weights and the output layer (1 - rate * output_ratio)^k; k (a real number) is solved so
    that the layers keep `keep` in all. Shares are rounded by largest remainder; every layer
    keeps at least one when `keep` is at least the number of layers.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    total = int(sizes.sum())
    if not 0 < keep <= total:
        raise ValueError(f"cannot keep {keep} of {total} weights")
    survive = np.full(sizes.size, np.log1p(-rate))
    survive[-1] = np.log1p(-rate * output_ratio)
    if sizes.size == 1 or keep == total:
        share = sizes * (keep / total)
    else:
        lo, hi = 0.0, 1.0
        while (sizes * np.exp(hi * survive)).sum() > keep:
            hi *= 2.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if (sizes * np.exp(mid * survive)).sum() > keep:
                lo = mid
            else:
                hi = mid
        share = sizes * np.exp(hi * survive)
        share *= keep / share.sum()
    counts = np.minimum(np.floor(share).astype(np.int64), sizes)
    order = np.argsort(-(share - counts), kind="stable")
    for i in order:
        if counts.sum() >= keep:
            break
        if counts[i] < sizes[i]:
            counts[i] += 1
    if keep >= sizes.size:
        for layer in np.flatnonzero(counts == 0):
            donor = int(np.argmax(counts))
            counts[donor] -= 1
            counts[layer] += 1
    return counts


def _counts_within(sizes: np.ndarray, keep: int, alive: np.ndarray) -> np.ndarray:
    """layer_counts on the dense sizes, capped by each layer's live weights (nested masks)."""
    live = np.asarray(alive, np.int64)
    counts = np.minimum(layer_counts(sizes, keep), live)
    while counts.sum() < keep:
        spare = live - counts
        counts[int(np.argmax(spare))] += 1
    return counts


def magnitude_mask(
    weights: np.ndarray, layers: np.ndarray, keep: int, alive: np.ndarray | None = None
) -> np.ndarray:
    """Mask of the `keep` largest-magnitude live weights, layer by layer (ties: lower index)."""
    w = np.abs(np.asarray(weights, np.float64))
    alive = np.ones(w.size, bool) if alive is None else np.asarray(alive, bool)
    n_layers = int(layers.max()) + 1
    counts = _counts_within(np.bincount(layers, minlength=n_layers), keep,
                            np.bincount(layers[alive], minlength=n_layers))
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
                 label=f"prune {pct(sparsity)}", progress=progress)
    steps = dense.net.env_steps + res.rollouts * max_steps
    res.genome.meta.update({"check_score": res.check_score, "sparsity": sparsity})
    return Net(f"pruned {pct(sparsity)}", res.genome, steps, sparsity=sparsity)
