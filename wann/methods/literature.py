"""The sparsity literature's methods, each written once over the family-neutral `Context`: the
dense start as one matrix per layer, masks of the same shapes, the family's trainer (CMA-ES on
returns, Adam on cross-entropy) behind `Context.make`.

- magnitude pruning with fine-tuning (Han et al. 2015);
- lottery tickets (Frankle & Carbin 2019): iterative magnitude pruning, `lottery_rate` of the
  survivors per round, rewinding to the initial values; one run gives every sparsity's ticket;
- the tickets' masks on fresh random weights (Frankle & Carbin's and Liu et al.'s control);
- signed constants and supermasks (Zhou et al. 2019), untrained, on the "large final" mask;
- random masks with the same per-layer counts, trained from the initial weights;
- Optimal Brain Damage (LeCun et al. 1990): the saliency h_kk w_k^2 / 2 from the family's
  Hessian diagonal, the least salient deleted, retrained, each level from the previous one;
- structured pruning (Liu et al. 2019, Li et al.'s L1 criterion), fine-tuned or from scratch;
- SNIP (Lee et al. 2019): a mask chosen before any training, by each connection's
  sensitivity |w dL/dw| at the initial weights, trained from there.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from wann import streams
from wann.baselines.masks import (
    allocate,
    check_sparsity,
    counts_within,
    imp_schedule,
    n_keep,
    pct,
    random_masks,
    top_masks,
    unit_masks,
)
from wann.methods.registry import Context


def _magnitudes(mats: list[np.ndarray]) -> list[np.ndarray]:
    return [np.abs(np.asarray(m, np.float64)) for m in mats]


def pruned(c: Context) -> list:
    """Prune the trained dense start layer-wise by magnitude, fine-tune the survivors."""
    nets = []
    for i, s in enumerate(c.sparsities):
        c.progress.line(f"pruning to {pct(s)} and fine-tuning")
        w = c.trained()
        nets.append(c.make(top_masks(_magnitudes(w), c.keep_per_layer(s)), w, f"pruned {pct(s)}",
                           s, c.sub(i), base="trained", cost=c.dense_cost()))
    return nets


def lottery(c: Context) -> list:
    """Iterative magnitude pruning with rewinding; the retrained ticket at each sparsity."""
    c.progress.line("lottery tickets: iterative pruning with rewinding")
    init = c.initial()
    sizes = [m.size for m in init]
    n = sum(sizes)
    wanted = {n_keep(n, s): s for s in sorted(c.sparsities)}
    weights, alive = c.trained(), [np.ones(m.shape, bool) for m in init]
    cost, seed, tickets = c.dense_cost(), c.sub(), []
    for r, keep in enumerate(imp_schedule(n, c.sparsities, c.lottery_rate), start=1):
        alive = top_masks(_magnitudes(weights), counts_within(sizes, keep, [a.sum() for a in alive]),
                          alive)
        s = wanted.get(keep, 1.0 - keep / n)
        net = c.make(alive, init, f"lottery ticket {pct(s)}", s, streams.sub_seed(seed, r),
                     cost=cost, note=f"round {r}", meta={"round": r})
        cost, weights = c.cost_of(net), c.weights_of(net)
        if keep in wanted:
            tickets.append(net)
    if n in wanted:  # a ticket that prunes nothing is the trained dense net itself
        tickets.insert(0, replace(c.needed("dense")[0], name=f"lottery ticket {pct(wanted[n])}",
                                  sparsity=wanted[n], note="the dense net", family=""))
    return tickets


def lottery_reinit(c: Context) -> list:
    """Each ticket's mask on fresh draws of the initial distribution, trained like a round."""
    c.progress.line("lottery masks with random re-initialization")
    nets = []
    for i, t in enumerate(c.needed("lottery")):
        seed, s = c.sub(i), t.sparsity or 0.0
        nets.append(c.make(c.masks_of(t), c.fresh(streams.generator(seed, streams.TICKET_REINIT)),
                           f"ticket random reinit {pct(s)}", s, seed, cost=c.cost_of(t)))
    return nets


def large_final(c: Context, sparsity: float) -> list[np.ndarray]:
    """Zhou et al.'s "large final" mask: the largest trained weights, layer-wise."""
    return top_masks(_magnitudes(c.trained()), c.keep_per_layer(sparsity))


def signed_constant(c: Context) -> list:
    """Untrained: the large-final mask on sign(initial weight) x the layer's initial sd."""
    w = [np.where(m < 0.0, -1.0, 1.0) * sd for m, sd in zip(c.initial(), c.init_sd())]
    return [c.make(large_final(c, s), w, f"signed constant {pct(s)}", s, None,
                   cost=c.dense_cost()) for s in c.sparsities]


def supermask(c: Context) -> list:
    """Untrained: the large-final mask on the initial weights."""
    return [c.make(large_final(c, s), c.initial(), f"supermask {pct(s)}", s, None,
                   cost=c.dense_cost()) for s in c.sparsities]


def uniform_masks(c: Context, seed: int, sparsity: float) -> list[np.ndarray]:
    """Uniform random masks with magnitude pruning's per-layer counts, drawn from `seed`."""
    return random_masks(streams.generator(seed, streams.RANDOM_MASK),
                        [m.shape for m in c.initial()], c.keep_per_layer(sparsity))


def random_mask(c: Context) -> list:
    """A uniform random mask with magnitude pruning's per-layer counts, trained from the
    initial weights: it differs from a one-round ticket only in how the mask was chosen."""
    nets = []
    for i, s in enumerate(c.sparsities):
        c.progress.line(f"random mask at {pct(s)}")
        seed = c.sub(i)
        nets.append(c.make(uniform_masks(c, seed, s), c.initial(), f"random mask {pct(s)}", s,
                           seed))
    return nets


def obd(c: Context) -> list:
    """At each sparsity, in increasing order: the Hessian diagonal of the current net, delete
    the least salient weights (each layer's share in proportion to its live weights), retrain
    the rest from where they are."""
    c.progress.line("Optimal Brain Damage: Hessian diagonal, prune, retrain")
    weights = c.trained()
    alive = [np.ones(m.shape, bool) for m in weights]
    n = sum(m.size for m in weights)
    base, cost, seed, nets = "trained", c.dense_cost(), c.sub(), []
    for i, s in enumerate(sorted({check_sparsity(v) for v in c.sparsities})):
        keep = n_keep(n, s)
        if keep >= sum(int(a.sum()) for a in alive):  # nothing to delete at this level
            prev = nets[-1] if nets else c.needed("dense")[0]
            nets.append(replace(prev, name=f"OBD {pct(s)}", sparsity=s, family=""))
            continue
        _, h, spent = c.derivatives(alive, weights, base, seed, i)
        sal = [0.5 * np.asarray(hh) * np.asarray(w, np.float64) ** 2 for hh, w in zip(h, weights)]
        alive = top_masks(sal, allocate(keep, [a.sum() for a in alive]), alive)
        base = c.make(alive, weights, f"OBD {pct(s)}", s, streams.sub_seed(seed, i), base=base,
                      cost=cost + spent,
                      meta={"obd_saliency": [float(v) for m in sal for v in m.ravel()]})
        cost, weights = c.cost_of(base), c.weights_of(base)
        nets.append(base)
    return nets


def _units(counts: list[int], layers: list[int]) -> str:
    return "units " + "-".join(f"{k}/{h}" for k, h in zip(counts, layers[1:-1]))


def structured_finetune(c: Context) -> list:
    """Remove the hidden units of smallest incoming L1 norm, fine-tune the survivors."""
    c.progress.line("structured pruning (L1 norm of units), fine-tuned")
    nets = []
    for i, s in enumerate(c.sparsities):
        w = c.trained()
        masks, counts = unit_masks(w, s, c.bias_rows)
        nets.append(c.make(masks, w, f"structured fine-tuned {pct(s)}", s, c.sub(i),
                           base="trained", cost=c.dense_cost(),
                           note=_units(counts, list(c.layer_sizes)), meta={"units": counts}))
    return nets


def structured_scratch(c: Context) -> list:
    """The same pruned architecture trained from a fresh random initialization (Liu et al.'s
    Scratch-E): it counts only its own training."""
    c.progress.line("structured pruning (L1 norm of units), trained from scratch")
    nets = []
    for i, s in enumerate(c.sparsities):
        seed = c.sub(i)
        masks, counts = unit_masks(c.trained(), s, c.bias_rows)
        nets.append(c.make(masks, c.fresh(streams.generator(seed, streams.STRUCTURED_INIT)),
                           f"structured scratch {pct(s)}", s, seed,
                           note=_units(counts, list(c.layer_sizes)), meta={"units": counts}))
    return nets


def snip(c: Context) -> list:
    """Keep the connections of largest sensitivity |w dL/dw| at the initial weights, over the
    whole net as Lee et al. do (a layer may lose every weight at high sparsity), and train
    them from the initial weights. It needs no trained dense net: its cost is the gradient's
    and its own training's."""
    c.progress.line("SNIP: connection sensitivity at the initial weights")
    init = c.initial()
    grad, _, spent = c.derivatives([np.ones(m.shape, bool) for m in init], init, "initial",
                                   c.sub(), 0)
    score = np.concatenate([np.abs(g * np.asarray(w, np.float64)).ravel()
                            for g, w in zip(grad, init)])
    order = np.argsort(-score, kind="stable")
    ends = np.cumsum([m.size for m in init])[:-1]
    nets = []
    for i, s in enumerate(c.sparsities):
        keep = np.zeros(score.size, bool)
        keep[order[: n_keep(score.size, s)]] = True
        masks = [k.reshape(m.shape) for k, m in zip(np.split(keep, ends), init)]
        nets.append(c.make(masks, init, f"SNIP {pct(s)}", s, c.sub(i), cost=spent))
    return nets
