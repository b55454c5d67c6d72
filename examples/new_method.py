"""A new pruning criterion, once for every task family: random masks with Erdős–Rényi-Kernel
layer densities (Evci et al. 2020), density ∝ (fan-in + fan-out) / (fan-in x fan-out).
    PYTHONPATH=examples wann compare --task digits --quick --methods new_method:erk"""
import numpy as np

from wann.methods import Method, pct, register, top_masks


def erk(ctx):  # noqa: ANN001, ANN201 - a Context of any task family
    shapes = [w.shape for w in ctx.initial()]
    size = np.array([np.prod(s) for s in shapes], float)
    raw = np.array([sum(s) for s in shapes]) / size  # ERK's relative density per layer
    nets = []
    for i, s in enumerate(ctx.sparsities):
        dense, budget = np.zeros(len(shapes), bool), (1.0 - s) * size.sum()
        while True:  # scale the densities to the budget; a layer above 1 is kept whole
            d = np.where(dense, 1.0, raw * (budget - size[dense].sum()) / (raw * size)[~dense].sum())
            if (d <= 1.0).all():
                break
            dense |= d > 1.0
        keep = np.maximum(1, np.round(d * size)).astype(int)
        masks = top_masks([ctx.rng(i).random(shape) for shape in shapes], keep)
        nets.append(ctx.train_masked(masks, f"ERK random {pct(s)}", s, i))
    return nets


register(Method("erk", erk, label="random masks, ERK layer densities", needs=("dense",)))
