"""Signed constants and supermasks (Zhou et al. 2019): masks that work with no training.

The mask keeps the largest final weights of the trained dense net ("large final"), pruned
layer-wise like magnitude pruning. A signed-constant net sets every survivor to
sign(initial weight) x its layer's initial sd; a supermask net keeps the initial weights.
Neither is trained: their own weights are scored as they are.
"""

from __future__ import annotations

import numpy as np

from wann.baselines.common import Net
from wann.baselines.dense import DenseRun, init_std
from wann.baselines.prune import apply_mask, magnitude_mask, n_keep, pct


def signed_constant_weights(init: np.ndarray, conn_layer: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """sign(initial weight) x the layer's initial sd (a zero initial weight counts as +)."""
    sign = np.where(np.asarray(init) < 0.0, -1.0, 1.0)
    return sign * np.asarray(sd)[conn_layer]


def large_final_mask(dense: DenseRun, sparsity: float) -> np.ndarray:
    return magnitude_mask(dense.trained, dense.conn_layer, n_keep(dense.trained.size, sparsity))


def signed_constant(dense: DenseRun, sparsity: float) -> Net:
    """The large-final mask with signed-constant weights, untrained."""
    mask = large_final_mask(dense, sparsity)
    w = signed_constant_weights(dense.init, dense.conn_layer, init_std(dense.layers))
    g = apply_mask(dense.result.genome, mask, w)
    g.meta.update({"sparsity": sparsity, "weights": "tuned"})
    return Net(f"signed constant {pct(sparsity)}", g, dense.net.env_steps, trained=False,
               sparsity=sparsity, note="no training")


def supermask(dense: DenseRun, sparsity: float) -> Net:
    """The large-final mask on the original initial weights, untrained."""
    g = apply_mask(dense.result.genome, large_final_mask(dense, sparsity), dense.init)
    g.meta.update({"sparsity": sparsity, "weights": "tuned"})
    return Net(f"supermask {pct(sparsity)}", g, dense.net.env_steps, trained=False,
               sparsity=sparsity, note="no training")
