"""What the classification family's comparison has of its own, beside the methods written
once for every family (wann.methods.literature): the row type and the dense start of masked
MLPs trained by Adam, Zhou et al.'s learned supermask, the untrained dense net, OBD's Hessian
diagonal by backpropagation of second derivatives, layer resets (Zhang, Bengio & Singer 2019),
k-winners-take-all nets with sparse random weights (Ahmad & Scheinkman 2019) and sparse
evolutionary training (Mocanu et al. 2018), which prunes and regrows while Adam trains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from wann import WannError, streams
from wann.baselines.layered import layer_names
from wann.baselines.masks import layer_counts, n_keep, pct, random_masks
from wann.classify.mlp import (
    MLP,
    KWinners,
    TrainLog,
    TrainSettings,
    gradients,
    hidden,
    init_mlp,
    softmax,
    train,
)

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


def with_masks(net: MLP, masks: list[np.ndarray], weights: list[np.ndarray] | None = None) -> MLP:
    n = net.copy()
    n.masks = [m.copy() for m in masks]
    if weights is not None:
        n.weights = [w.copy() for w in weights]
    n.weights = [w * m for w, m in zip(n.weights, n.masks)]
    return n


def random_weights(dense: DenseMLP) -> ClassifierNet:
    """The dense net at its initial, untrained weights."""
    return ClassifierNet("random weights (dense, untrained)", dense.init.copy(), False, 0.0, 0)


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


def _forward(net: MLP, x: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Layer inputs [x, h1, ...] and the softmax outputs, in float64."""
    hs = [np.asarray(x, np.float64)]
    n = len(net.weights)
    z = hs[0]
    for i, (w, b, m) in enumerate(zip(net.weights, net.biases, net.masks)):
        z = hs[-1] @ (np.asarray(w, np.float64) * m) + b
        if i < n - 1:
            hs.append(hidden(z, net.kwta, i))
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


def fresh_init(dense: DenseMLP, seed: int, tag: int) -> MLP:
    """New draws of the dense net's initial distribution (Glorot normal, zero biases)."""
    rng = streams.generator(seed, tag)
    return init_mlp(dense.init.layers, rng, dense.init.weights[0].dtype)


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


# Ahmad & Scheinkman's boosting on MNIST: strength 1.5, times 0.85 after every epoch, duty
# cycles over 1000 inputs. They also let 1.5 k units win at test time; on these nets that
# lowered clean accuracy and the noise score in every boosted case measured (digits at k = 25:
# 90.7% -> 80.5%; LeNet-300-100 at k = 30: 97.2% -> 96.2%; benchmarks/kwta_test_k.py,
# results/kwta-test-k.md), so test time keeps the training k (`KWinners.k_factor` 1).
KWTA_BOOST = {"strength": 1.5, "decay": 0.85, "k_factor": 1.0, "period": 1000}


def kwta_net(
    layers: Sequence[int], x: np.ndarray, y: np.ndarray, k: int, sparsity: float,
    settings: TrainSettings, seed: int, dtype: type = np.float32,
    boost: Mapping[str, float] = KWTA_BOOST,
) -> ClassifierNet:
    """k-winners-take-all hidden layers with boosting (`KWinners`, by default Ahmad &
    Scheinkman's settings; strength 0 is plain kWTA) and a uniform random weight mask at the
    sparsity (fixed, as their sparse weights; magnitude pruning's per-layer counts), trained
    by Adam from Glorot weights."""
    check_kwta_k(k, layers)
    rng = streams.generator(seed, streams.KWTA)
    net = init_mlp(layers, rng, dtype)
    net.kwta = KWinners(k, **boost)
    sizes = [w.size for w in net.weights]
    masks = random_masks(rng, [w.shape for w in net.weights],
                         layer_counts(sizes, n_keep(sum(sizes), sparsity)))
    log = TrainLog()
    net = train(with_masks(net, masks), x, y, settings, seed, log)
    return ClassifierNet(f"kWTA k={k} {pct(sparsity)}", net, True, net.sparsity, log.samples,
                         note=f"{k} winners per hidden layer, "
                              f"{'boosted' if boost['strength'] else 'not boosted'}; "
                              "random sparse weights")


SET_ZETA = 0.3  # the share of each layer's live weights pruned and regrown after an epoch


def sparse_evolutionary(init: MLP, masks: Sequence[np.ndarray], x: np.ndarray, y: np.ndarray,
                        settings: TrainSettings, seed: int, zeta: float = SET_ZETA
                        ) -> tuple[MLP, int]:
    """SET (Mocanu et al. 2018): train a sparse net at a fixed sparsity; after every epoch each
    layer drops the `zeta` share of its live weights closest to zero and grows as many at
    random empty places, from fresh draws of the initial distribution. The net, and the
    samples trained on."""
    rng = streams.generator(seed, streams.SET_REGROW)
    sds = [float(np.sqrt(2.0 / sum(w.shape))) for w in init.weights]

    def evolve(net: MLP) -> list[np.ndarray]:
        grown = []
        for w, m, sd in zip(net.weights, net.masks, sds):
            wf, mf = w.reshape(-1), m.reshape(-1)  # views: edited in place
            live = np.flatnonzero(mf)
            k = int(round(zeta * live.size))
            drop = live[np.argsort(np.abs(wf[live]), kind="stable")[:k]]
            mf[drop], wf[drop] = False, 0.0
            new = rng.choice(np.flatnonzero(~mf), size=k, replace=False)
            mf[new], wf[new] = True, rng.normal(0.0, sd, k)
            g = np.zeros(mf.size, bool)
            g[new] = True
            grown.append(g.reshape(m.shape))
        return grown

    log = TrainLog()
    net = train(with_masks(init, list(masks)), x, y, settings, seed, log, between_epochs=evolve)
    return net, log.samples
