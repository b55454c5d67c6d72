"""Sparse networks from the pruning literature, on gradient-trained MLPs (classification).

- magnitude pruning with fine-tuning (Han et al. 2015): prune the trained net layer-wise to a
  sparsity, then train the survivors further;
- lottery tickets (Frankle & Carbin 2019): iterative magnitude pruning, each round removing 20%
  of every hidden layer's surviving weights and 10% of the output layer's, rewinding the
  survivors to their initial values and retraining; the last round prunes exactly to the
  requested sparsity (a fractional round);
- signed constants and supermasks (Zhou et al. 2019), untrained: the "large final" mask of the
  trained net on sign(initial weight) x the layer's initial sd, or on the initial weights;
- Zhou et al.'s learned supermask: only a mask is trained, over fixed signed-constant weights;
- a random mask at matched layer-wise sparsity, trained from the same initial weights; and
  the random (untrained) dense net.
Each result is a `ClassifierNet` row for the comparison table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from wann import streams
from wann.baselines.prune import check_sparsity, pct
from wann.classify.mlp import MLP, TrainLog, TrainSettings, gradients, init_mlp, train

# Mask scores need far larger steps than weights (Zhou et al. used SGD at lr 100).
MASK_LR = 0.1


@dataclass
class ClassifierNet:
    """One comparison row: a net, how it was made, and its cost in training samples."""

    name: str
    net: MLP
    trained: bool
    sparsity: float
    samples: int  # training samples seen making it (gradient steps x batch), parents included
    note: str = ""
    family: str = ""  # the method that made it (set by the comparison)
    in_table: bool = True

    def test_accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        return self.net.accuracy(x, y)


@dataclass
class DenseMLP:
    """A trained dense net and its initial weights (what tickets rewind to)."""

    init: MLP
    trained: MLP
    samples: int


def train_dense(
    layers: Sequence[int], x: np.ndarray, y: np.ndarray, settings: TrainSettings, seed: int,
    dtype: type = np.float32,
) -> DenseMLP:
    rng = streams.generator(seed, streams.DENSE_INIT)
    init = init_mlp(layers, rng, dtype)
    log = TrainLog()
    return DenseMLP(init, train(init, x, y, settings, seed, log), log.samples)


def layer_keep(n: int, keep_fraction: float) -> int:
    """Survivors of a layer of n weights: round(n x fraction), at least 1."""
    return max(1, min(n, int(np.floor(n * keep_fraction + 0.5))))


def magnitude_masks(net: MLP, keep: Sequence[int], score: list[np.ndarray] | None = None) -> list[np.ndarray]:
    """Per layer, the `keep[l]` live weights of largest score (default |weight|); ties by index."""
    out = []
    for layer, (w, m) in enumerate(zip(net.weights, net.masks)):
        s = np.abs(w).ravel().astype(np.float64) if score is None else score[layer].ravel()
        s = np.where(m.ravel(), s, -np.inf)
        top = np.argsort(-s, kind="stable")[: min(keep[layer], int(m.sum()))]
        mask = np.zeros(w.size, bool)
        mask[top] = True
        out.append(mask.reshape(w.shape))
    return out


def with_masks(net: MLP, masks: list[np.ndarray], weights: list[np.ndarray] | None = None) -> MLP:
    n = net.copy()
    n.masks = [m.copy() for m in masks]
    if weights is not None:
        n.weights = [w.copy() for w in weights]
    n.weights = [w * m for w, m in zip(n.weights, n.masks)]
    return n


def uniform_keep(net: MLP, sparsity: float) -> list[int]:
    """Every layer at the same sparsity."""
    s = check_sparsity(sparsity)
    return [layer_keep(w.size, 1.0 - s) for w in net.weights]


def prune_finetune(
    dense: DenseMLP, x: np.ndarray, y: np.ndarray, sparsity: float, settings: TrainSettings, seed: int,
    index: int = 0,
) -> ClassifierNet:
    """Prune the trained net layer-wise by magnitude, then fine-tune the survivors."""
    masks = magnitude_masks(dense.trained, uniform_keep(dense.trained, sparsity))
    log = TrainLog()
    net = train(with_masks(dense.trained, masks), x, y, settings,
                streams.sub_seed(seed, streams.PRUNE_FINETUNE, index), log)
    return ClassifierNet(f"pruned {pct(sparsity)}", net, True, net.sparsity, dense.samples + log.samples)


def imp_fractions(sizes: Sequence[int], rates: Sequence[float], sparsity: float) -> list[np.ndarray]:
    """Keep fractions per layer after each round: (1 - rate_l)^t for t = 1, 2, ... and a last,
    fractional t at which the total sparsity equals the target exactly."""
    sizes = np.asarray(sizes, np.float64)
    rates = np.asarray(rates, np.float64)
    target = 1.0 - check_sparsity(sparsity)

    def kept(t: float) -> float:
        return float((sizes * (1.0 - rates) ** t).sum() / sizes.sum())

    if target >= 1.0:
        return []
    t_end = 1.0
    while kept(t_end) > target:
        t_end *= 2.0
    lo, hi = 0.0, t_end
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if kept(mid) > target else (lo, mid)
    ts = [float(t) for t in range(1, int(np.ceil(hi)))] + [hi]
    return [(1.0 - rates) ** t for t in ts]


def lottery_ticket(
    dense: DenseMLP, x: np.ndarray, y: np.ndarray, sparsity: float, settings: TrainSettings, seed: int,
    rate: float = 0.2, output_rate: float | None = None,
) -> ClassifierNet:
    """Iterative magnitude pruning with rewinding to the initial weights (Frankle & Carbin)."""
    n_layers = len(dense.init.weights)
    out_rate = rate / 2 if output_rate is None else output_rate
    rates = [rate] * (n_layers - 1) + [out_rate]
    sizes = [w.size for w in dense.init.weights]
    net, samples = dense.trained, dense.samples
    rounds = imp_fractions(sizes, rates, sparsity)
    for r, frac in enumerate(rounds, start=1):
        keep = [layer_keep(n, f) for n, f in zip(sizes, frac)]
        masks = magnitude_masks(net, keep)
        log = TrainLog()
        net = train(with_masks(dense.init, masks, dense.init.weights), x, y, settings,
                    streams.sub_seed(seed, streams.LOTTERY_ROUND, r), log)
        samples += log.samples
    return ClassifierNet(f"lottery ticket {pct(sparsity)}", net, True, net.sparsity, samples,
                         note=f"{len(rounds)} rounds")


def large_final_masks(dense: DenseMLP, sparsity: float, same_sign: bool = False) -> list[np.ndarray]:
    """Zhou et al.'s 'large final' mask (optionally 'same sign': only weights that kept their
    initial sign, scored by |final|)."""
    score = [np.abs(w).astype(np.float64) for w in dense.trained.weights]
    if same_sign:
        score = [np.where(np.sign(w0) == np.sign(w1), s, 0.0)
                 for s, w0, w1 in zip(score, dense.init.weights, dense.trained.weights)]
    return magnitude_masks(dense.trained, uniform_keep(dense.trained, sparsity), score)


def signed_constant(dense: DenseMLP, sparsity: float, same_sign: bool = True) -> ClassifierNet:
    """Untrained: the large-final mask on sign(initial weight) x the layer's initial sd; biases
    at their initial values."""
    masks = large_final_masks(dense, sparsity, same_sign)
    ws = []
    for w0 in dense.init.weights:
        sd = np.sqrt(2.0 / sum(w0.shape))
        ws.append((np.where(w0 < 0, -1.0, 1.0) * sd).astype(w0.dtype))
    net = with_masks(dense.init, masks, ws)
    return ClassifierNet(f"signed constant {pct(sparsity)}", net, False, net.sparsity, dense.samples,
                         note="no training")


def supermask(dense: DenseMLP, sparsity: float, same_sign: bool = True) -> ClassifierNet:
    """Untrained: the large-final mask on the initial weights."""
    net = with_masks(dense.init, large_final_masks(dense, sparsity, same_sign))
    return ClassifierNet(f"supermask {pct(sparsity)}", net, False, net.sparsity, dense.samples,
                         note="no training")


def random_mask(
    dense: DenseMLP, x: np.ndarray, y: np.ndarray, sparsity: float, settings: TrainSettings, seed: int,
    index: int = 0,
) -> ClassifierNet:
    """A uniformly random mask with the layer-wise counts of magnitude pruning, trained from the
    initial weights (so it differs from a one-shot ticket only in how the mask was chosen)."""
    rng = streams.generator(streams.sub_seed(seed, streams.RANDOM_MASK, index), streams.RANDOM_MASK)
    score = [rng.random(w.shape) for w in dense.init.weights]
    masks = magnitude_masks(dense.init, uniform_keep(dense.init, sparsity), score)
    log = TrainLog()
    net = train(with_masks(dense.init, masks), x, y, settings,
                streams.sub_seed(seed, streams.RANDOM_MASK_TRAIN, index), log)
    return ClassifierNet(f"random mask {pct(sparsity)}", net, True, net.sparsity, log.samples)


def random_weights(dense: DenseMLP) -> ClassifierNet:
    """The dense net at its initial, untrained weights."""
    return ClassifierNet("random weights (dense, untrained)", dense.init.copy(), False, 0.0, 0)


def classification_baselines(
    layers: Sequence[int], x: np.ndarray, y: np.ndarray, sparsities: Sequence[float],
    settings: TrainSettings, seed: int, dtype: type = np.float32, mask_lr: float = MASK_LR,
    dense: DenseMLP | None = None,
) -> list[ClassifierNet]:
    """Every baseline row at every sparsity: dense, pruned, lottery, signed constant,
    supermask, random mask; then the learned supermask and random weights. `dense`: the
    trained dense net, if already trained (`train_dense` with the same arguments)."""
    dense = dense or train_dense(layers, x, y, settings, seed, dtype)
    rows = [ClassifierNet("dense " + "-".join(map(str, layers)), dense.trained, True, 0.0, dense.samples)]
    for s in sparsities:
        rows += [
            prune_finetune(dense, x, y, s, settings, seed),
            lottery_ticket(dense, x, y, s, settings, seed),
            signed_constant(dense, s),
            supermask(dense, s),
            random_mask(dense, x, y, s, settings, seed),
        ]
    rows.append(learned_supermask(dense, x, y, replace(settings, lr=mask_lr), seed))
    rows.append(random_weights(dense))
    return rows


def learned_supermask(
    dense: DenseMLP, x: np.ndarray, y: np.ndarray, settings: TrainSettings, seed: int,
    signed: bool = True, init_score: float = 1.0,
) -> ClassifierNet:
    """Zhou et al.'s trained supermask: the weights stay at their initial values (or their signed
    constants) and only a mask is learned. Each step samples mask ~ Bernoulli(sigmoid(score)); the
    scores get the straight-through gradient dL/dw_eff x w_init x sigmoid'(score), by Adam. The
    result keeps the weights whose sigmoid(score) > 0.5 (its sparsity is learned, not set)."""
    s = settings
    base = dense.init
    w0 = []
    for w in base.weights:
        sd = np.sqrt(2.0 / sum(w.shape))
        w0.append((np.where(w < 0, -1.0, 1.0) * sd).astype(w.dtype) if signed else w.copy())
    rng = streams.generator(seed, streams.SUPERMASK)
    scores = [np.full(w.shape, init_score) for w in w0]
    m1 = [np.zeros_like(v) for v in scores]
    m2 = [np.zeros_like(v) for v in scores]
    probe = base.copy()
    x = np.asarray(x, base.weights[0].dtype)
    n, t, samples = len(y), 0, 0
    for _ in range(s.epochs):
        order = rng.permutation(n)
        for lo in range(0, n, s.batch_size):
            batch = order[lo : lo + s.batch_size]
            p = [1.0 / (1.0 + np.exp(-v)) for v in scores]
            sample = [rng.random(v.shape) < q for v, q in zip(scores, p)]
            probe.weights = [w * m for w, m in zip(w0, sample)]
            probe.masks = [np.ones(w.shape, bool) for w in w0]
            _, gw, _ = gradients(probe, x[batch], y[batch])
            t += 1
            samples += len(batch)
            c1, c2 = 1.0 - s.beta1**t, 1.0 - s.beta2**t
            for v, g_eff, w, q, a, b in zip(scores, gw, w0, p, m1, m2):
                g = g_eff.astype(np.float64) * w * q * (1.0 - q)
                a *= s.beta1
                a += (1.0 - s.beta1) * g
                b *= s.beta2
                b += (1.0 - s.beta2) * g * g
                v -= s.lr * (a / c1) / (np.sqrt(b / c2) + s.eps)
    masks = [v > 0.0 for v in scores]
    net = with_masks(base, masks, w0)
    name = "learned supermask" + (" (signed constants)" if signed else "")
    return ClassifierNet(name, net, False, net.sparsity, samples, note="mask trained, weights not")
