"""Structured pruning and training from scratch (Liu et al. 2019, "Rethinking the value of
network pruning"), with the L1-norm criterion of Li et al. (2017).

Whole hidden units go: every hidden layer keeps the same share of its units, those whose
incoming weights (bias excluded) have the largest L1 norm, and a removed unit loses every
connection into and out of it. The share is the one whose remaining connections come closest
to the requested sparsity (ties: more units). The pruned architecture is then (a) fine-tuned
from the surviving trained weights, or (b) trained from a fresh random initialization, which
Liu et al. found as good or better: the architecture, not the inherited weights, carries the
value. Since every layer keeps a fixed share, the architecture is predefined: training from
scratch needs no trained large net, and its row counts only its own training.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wann import streams
from wann.baselines.common import Net
from wann.baselines.dense import DenseRun, init_weights
from wann.baselines.layered import matrices, n_weights
from wann.baselines.prune import apply_mask, check_sparsity, n_keep, pct
from wann.cmaes import CMASettings, cma_es
from wann.evaluation import Evaluator
from wann.progress import Progress


def remaining_connections(layer_sizes: Sequence[int], units: Sequence[int]) -> int:
    """Connections of the dense net with `units[i]` units in hidden layer i (biases included)."""
    sizes = [int(layer_sizes[0]), *map(int, units), int(layer_sizes[-1])]
    return n_weights(sizes)


def units_to_keep(layer_sizes: Sequence[int], sparsity: float) -> list[int]:
    """Units kept per hidden layer: the same share everywhere (at least one unit), the share
    whose connection count is closest to round(n (1 - sparsity))."""
    check_sparsity(sparsity)
    hidden = [int(h) for h in layer_sizes[1:-1]]
    if not hidden:
        raise ValueError("structured pruning needs at least one hidden layer")
    target = n_keep(n_weights(layer_sizes), sparsity)
    widest = max(hidden)
    best: list[int] | None = None
    best_gap = None
    for m in range(widest, 0, -1):  # from more units to fewer: ties keep more
        units = [max(1, min(h, int(np.floor(h * m / widest + 0.5)))) for h in hidden]
        gap = abs(remaining_connections(layer_sizes, units) - target)
        if best_gap is None or gap < best_gap:
            best, best_gap = units, gap
    assert best is not None
    return best


def unit_l1(layer_sizes: Sequence[int], weights: np.ndarray) -> list[np.ndarray]:
    """Per hidden layer, the L1 norm of each unit's incoming weights (bias excluded)."""
    mats = matrices(layer_sizes, weights)
    return [np.abs(m[1:]).sum(axis=0) for m in mats[:-1]]


def unit_mask(
    layer_sizes: Sequence[int], keep_units: Sequence[np.ndarray]
) -> np.ndarray:
    """The connection mask of a dense net keeping only the given hidden units (indices per
    hidden layer): connections into or out of a removed unit are cut."""
    sizes = [int(s) for s in layer_sizes]
    alive_units = [np.ones(sizes[0], bool)]
    for h, keep in zip(sizes[1:-1], keep_units):
        a = np.zeros(h, bool)
        a[np.asarray(keep, np.int64)] = True
        alive_units.append(a)
    alive_units.append(np.ones(sizes[-1], bool))
    masks = []
    for src, dst in zip(alive_units[:-1], alive_units[1:]):
        rows = np.concatenate([[True], src])  # the bias row stays wherever its unit does
        masks.append(np.outer(rows, dst))
    return np.concatenate([m.ravel() for m in masks])


def structured_mask(
    layer_sizes: Sequence[int], weights: np.ndarray, sparsity: float
) -> tuple[np.ndarray, list[int]]:
    """The mask keeping, per hidden layer, the units with the largest incoming L1 norm
    (ties: lower index); and the kept unit counts."""
    counts = units_to_keep(layer_sizes, sparsity)
    keep = [np.sort(np.argsort(-l1, kind="stable")[:k])
            for l1, k in zip(unit_l1(layer_sizes, weights), counts)]
    return unit_mask(layer_sizes, keep), counts


def _label(counts: Sequence[int], layers: Sequence[int]) -> str:
    return "units " + "-".join(f"{k}/{h}" for k, h in zip(counts, layers[1:-1]))


def structured_finetune(
    ev: Evaluator, dense: DenseRun, sparsity: float, settings: CMASettings, seed: int,
    max_steps: int, progress: Progress | None = None,
) -> Net:
    """(a) Remove the units with the smallest incoming L1 norm, fine-tune the survivors."""
    mask, counts = structured_mask(dense.layers, dense.trained, sparsity)
    g = apply_mask(dense.result.genome, mask)
    res = cma_es(ev, g, g.conn_weight[mask], settings, seed,
                 label=f"structured {pct(sparsity)} fine-tune", progress=progress)
    res.genome.meta.update({"check_score": res.check_score, "sparsity": sparsity,
                            "units": counts})
    steps = (dense.net.env_steps or 0) + res.rollouts * max_steps
    return Net(f"structured fine-tuned {pct(sparsity)}", res.genome, steps, sparsity=sparsity,
               note=_label(counts, dense.layers))


def structured_scratch(
    ev: Evaluator, dense: DenseRun, sparsity: float, settings: CMASettings, seed: int,
    max_steps: int, progress: Progress | None = None,
) -> Net:
    """(b) The same pruned architecture trained from a fresh random initialization."""
    mask, counts = structured_mask(dense.layers, dense.trained, sparsity)
    fresh = init_weights(dense.layers, streams.generator(seed, streams.STRUCTURED_INIT))
    g = apply_mask(dense.result.genome, mask, fresh)
    res = cma_es(ev, g, fresh[mask], settings, seed,
                 label=f"structured {pct(sparsity)} from scratch", progress=progress)
    res.genome.meta.update({"check_score": res.check_score, "sparsity": sparsity,
                            "units": counts})
    return Net(f"structured scratch {pct(sparsity)}", res.genome, res.rollouts * max_steps,
               sparsity=sparsity, note=_label(counts, dense.layers))
