"""The wider sparsity literature on gradient-trained MLPs (classification), in the papers' own
setting: Adam on cross-entropy, where the control tasks use CMA-ES (`wann.baselines.obd`,
`structured`, `ticket_reinit`, `layer_reinit`, `kwta`).

- Optimal Brain Damage (LeCun, Denker & Solla 1990): the diagonal of the cross-entropy's
  Hessian by the paper's backpropagation of second derivatives (Gauss-Newton, off-diagonal
  terms dropped; ReLU has f'' = 0), saliency h_kk w_k^2 / 2, the least salient weights of each
  layer deleted, the survivors retrained;
- structured pruning (Liu et al. 2019, L1 criterion of Li et al. 2017): whole hidden units,
  (a) fine-tuned or (b) trained from a fresh initialization;
- lottery masks with random re-initialization instead of rewinding;
- layer re-initialization (Zhang, Bengio & Singer 2019);
- k-winners-take-all nets with sparse random weights (Ahmad & Scheinkman 2019).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wann import WannError, streams
from wann.baselines.layered import layer_names
from wann.baselines.prune import check_sparsity, pct
from wann.baselines.sparse_mlp import (
    ClassifierNet,
    DenseMLP,
    layer_keep,
    magnitude_masks,
    uniform_keep,
    with_masks,
)
from wann.classify.mlp import MLP, TrainLog, TrainSettings, hidden, init_mlp, softmax, train
from wann.streams import sub_seed


def _forward(net: MLP, x: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Layer inputs [x, h1, ...] and the softmax outputs, in float64."""
    hs = [np.asarray(x, np.float64)]
    n = len(net.weights)
    z = hs[0]
    for i, (w, b, m) in enumerate(zip(net.weights, net.biases, net.masks)):
        z = hs[-1] @ (np.asarray(w, np.float64) * m) + b
        if i < n - 1:
            hs.append(hidden(z, net.k))
    return hs, softmax(z)


def obd_diagonal(net: MLP, x: np.ndarray) -> list[np.ndarray]:
    """Diagonal Hessian of the mean cross-entropy w.r.t. each weight, by LeCun et al.'s
    backpropagation of second derivatives: at the outputs d2E/dz_j^2 = p_j (1 - p_j) (exact
    for softmax cross-entropy), then d2E/da_i^2 = f'(a_i)^2 sum_j w_ij^2 d2E/dz_j^2 (+ f''
    term, 0 for ReLU and kWTA), and h = sum_n x_i^2 d2E/da^2 / n. Exact for the output
    layer; for hidden layers it drops the cross terms between outputs. Masked weights: 0.
    It does not depend on the labels."""
    hs, p = _forward(net, x)
    n = hs[0].shape[0]
    d2 = p * (1.0 - p)
    out: list[np.ndarray] = [np.empty(0)] * len(net.weights)
    for i in range(len(net.weights) - 1, -1, -1):
        out[i] = ((hs[i] ** 2).T @ d2) / n * net.masks[i]
        if i > 0:
            w = np.asarray(net.weights[i], np.float64) * net.masks[i]
            d2 = (d2 @ (w**2).T) * (hs[i] != 0)  # f'(a)^2: 1 where the unit passes, else 0
    return out


def obd_saliency(net: MLP, x: np.ndarray) -> list[np.ndarray]:
    """s_k = h_kk w_k^2 / 2 per weight (masked weights: 0)."""
    return [h * np.asarray(w, np.float64) ** 2 / 2.0
            for h, w in zip(obd_diagonal(net, x), net.weights)]


def obd_prune(
    dense: DenseMLP, x: np.ndarray, y: np.ndarray, sparsities: Sequence[float],
    settings: TrainSettings, seed: int,
) -> list[ClassifierNet]:
    """Delete the least salient weights layer by layer (the counts of magnitude pruning),
    retrain by Adam; each sparsity starts from the previous level's retrained net, as the
    paper iterates train - compute saliencies - delete."""
    net, samples, rows = dense.trained, dense.samples, []
    for i, s in enumerate(sorted(check_sparsity(v) for v in sparsities)):
        masks = magnitude_masks(net, uniform_keep(net, s), obd_saliency(net, x))
        log = TrainLog()
        net = train(with_masks(net, masks), x, y, settings, sub_seed(seed, streams.OBD_RETRAIN, i), log)
        samples += log.samples
        rows.append(ClassifierNet(f"OBD {pct(s)}", net, True, net.sparsity, samples,
                                  note="Gauss-Newton Hessian diagonal, retrained"))
    return rows


def units_to_keep(layers: Sequence[int], sparsity: float) -> list[int]:
    """Units kept per hidden layer: the same share in each (at least one), the share whose
    remaining connection weights (biases not counted, as MLP.sparsity) come closest to
    round(n (1 - sparsity)); ties keep more units."""
    check_sparsity(sparsity)
    hid = [int(h) for h in layers[1:-1]]
    if not hid:
        raise WannError("structured pruning needs at least one hidden layer")
    total = sum(a * b for a, b in zip(layers[:-1], layers[1:]))
    target = int(np.floor(total * (1.0 - sparsity) + 0.5))
    widest = max(hid)
    best, gap = hid, None
    for m in range(widest, 0, -1):
        units = [max(1, min(h, int(np.floor(h * m / widest + 0.5)))) for h in hid]
        sizes = [int(layers[0]), *units, int(layers[-1])]
        g = abs(sum(a * b for a, b in zip(sizes[:-1], sizes[1:])) - target)
        if gap is None or g < gap:
            best, gap = units, g
    return best


def structured_masks(net: MLP, sparsity: float) -> tuple[list[np.ndarray], list[int]]:
    """Masks keeping, per hidden layer, the units with the largest L1 norm of incoming live
    weights (ties: lower index); every connection into or out of a removed unit is cut."""
    counts = units_to_keep(net.layers, sparsity)
    alive = [np.ones(net.layers[0], bool)]
    for w, m, k in zip(net.weights[:-1], net.masks[:-1], counts):
        l1 = np.abs(np.asarray(w, np.float64) * m).sum(axis=0)
        a = np.zeros(w.shape[1], bool)
        a[np.argsort(-l1, kind="stable")[:k]] = True
        alive.append(a)
    alive.append(np.ones(net.layers[-1], bool))
    masks = [np.outer(src, dst) & m for src, dst, m in zip(alive[:-1], alive[1:], net.masks)]
    return masks, counts


def _units(counts: Sequence[int], layers: Sequence[int]) -> str:
    return "units " + "-".join(f"{k}/{h}" for k, h in zip(counts, layers[1:-1]))


def structured_finetune(
    dense: DenseMLP, x: np.ndarray, y: np.ndarray, sparsity: float, settings: TrainSettings,
    seed: int, index: int = 0,
) -> ClassifierNet:
    """(a) Remove the units of smallest incoming L1 norm, fine-tune the survivors."""
    masks, counts = structured_masks(dense.trained, sparsity)
    log = TrainLog()
    net = train(with_masks(dense.trained, masks), x, y, settings,
                sub_seed(seed, streams.STRUCTURED_TRAIN, index), log)
    return ClassifierNet(f"structured fine-tuned {pct(sparsity)}", net, True, net.sparsity,
                         dense.samples + log.samples, note=_units(counts, dense.trained.layers))


def fresh_init(dense: DenseMLP, seed: int, tag: int) -> MLP:
    """New draws of the dense net's initial distribution (Glorot normal, zero biases)."""
    rng = streams.generator(seed, tag)
    return init_mlp(dense.init.layers, rng, dense.init.weights[0].dtype)


def structured_scratch(
    dense: DenseMLP, x: np.ndarray, y: np.ndarray, sparsity: float, settings: TrainSettings,
    seed: int, index: int = 0,
) -> ClassifierNet:
    """(b) The same pruned architecture trained from a fresh random initialization, with the
    dense net's epochs (Liu et al.'s Scratch-E); it counts only its own training."""
    masks, counts = structured_masks(dense.trained, sparsity)
    log = TrainLog()
    net = train(with_masks(fresh_init(dense, sub_seed(seed, streams.STRUCTURED_INIT, index),
                                        streams.STRUCTURED_INIT), masks), x, y, settings,
                sub_seed(seed, streams.STRUCTURED_TRAIN, 1000 + index), log)
    return ClassifierNet(f"structured scratch {pct(sparsity)}", net, True, net.sparsity,
                         log.samples, note=_units(counts, dense.trained.layers))


def ticket_reinit(
    dense: DenseMLP, ticket: ClassifierNet, x: np.ndarray, y: np.ndarray,
    settings: TrainSettings, seed: int, index: int = 0,
) -> ClassifierNet:
    """A lottery ticket's mask on fresh random weights (same distribution), trained like one
    lottery round: the control of Frankle & Carbin and Liu et al."""
    log = TrainLog()
    fresh = fresh_init(dense, sub_seed(seed, streams.TICKET_REINIT, index), streams.TICKET_REINIT)
    net = train(with_masks(fresh, ticket.net.masks), x, y, settings,
                sub_seed(seed, streams.TICKET_REINIT_TRAIN, index), log)
    label = ticket.name.replace("lottery ticket", "ticket random reinit")
    return ClassifierNet(label, net, True, net.sparsity, ticket.samples + log.samples,
                         note="ticket's mask, fresh weights")


@dataclass
class LayerReset:
    """One weight layer of the trained dense net reset, test accuracy after."""

    layer: int
    name: str
    weights: int
    trained: float
    reinit: float  # the layer at its recorded initial values
    rerandom: float  # the layer at fresh draws of the initial distribution


def reset_layer(trained: MLP, source: MLP, layer: int) -> MLP:
    """A copy of the trained net with one layer's weights and biases taken from `source`."""
    net = trained.copy()
    net.weights[layer] = source.weights[layer].copy()
    net.biases[layer] = source.biases[layer].copy()
    return net


def layer_resets(dense: DenseMLP, x: np.ndarray, y: np.ndarray, seed: int) -> list[LayerReset]:
    """Each layer of the trained dense net reset to its initial values and re-randomized."""
    fresh = fresh_init(dense, seed, streams.LAYER_REINIT)
    t = dense.trained
    acc = t.accuracy(x, y)
    names = layer_names(t.layers)
    return [LayerReset(i, names[i], t.weights[i].size, acc,
                       reset_layer(t, dense.init, i).accuracy(x, y),
                       reset_layer(t, fresh, i).accuracy(x, y))
            for i in range(len(t.weights))]


def check_kwta_k(k: int, layers: Sequence[int]) -> int:
    """k must lie in [1, the narrowest hidden layer]."""
    hid = [int(h) for h in layers[1:-1]]
    if not hid:
        raise WannError("k-winners-take-all needs a hidden layer")
    if not (isinstance(k, int) and 1 <= k <= min(hid)):
        raise WannError(f"kWTA k must lie in [1, {min(hid)}] (the narrowest hidden layer), got {k}")
    return k


def kwta_net(
    layers: Sequence[int], x: np.ndarray, y: np.ndarray, k: int, sparsity: float,
    settings: TrainSettings, seed: int, dtype: type = np.float32, index: int = 0,
) -> ClassifierNet:
    """k-winners-take-all hidden layers and a uniform random weight mask at the sparsity
    (fixed, as Ahmad & Scheinkman's sparse weights), trained by Adam from Glorot weights."""
    check_kwta_k(k, layers)
    rng = streams.generator(sub_seed(seed, streams.KWTA, index), streams.KWTA)
    net = init_mlp(layers, rng, dtype)
    net.k = k
    score = [rng.random(w.shape) for w in net.weights]
    keep = [layer_keep(w.size, 1.0 - check_sparsity(sparsity)) for w in net.weights]
    masks = magnitude_masks(net, keep, score)
    log = TrainLog()
    net = train(with_masks(net, masks), x, y, settings, sub_seed(seed, streams.KWTA_TRAIN, index), log)
    return ClassifierNet(f"kWTA k={k} {pct(sparsity)}", net, True, net.sparsity, log.samples,
                         note=f"{k} winners per hidden layer, random sparse weights")
