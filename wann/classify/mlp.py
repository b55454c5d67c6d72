"""Dense multilayer perceptrons with masks, trained by minibatch Adam on cross-entropy.

The classification baselines of the pruning literature are trained by gradient descent, so
these are too. numpy, vectorised: a 64-100-50-10 or 256-300-100-10 net is a few small matrix
products per step, which numpy's BLAS does as fast on 2 cores as a deep-learning framework,
with no large dependency, and masks are one elementwise product.

A mask zeroes a weight and its gradient for good (biases are never masked, as in Frankle &
Carbin). Hidden units are ReLU (or k-winners-take-all with boosting, `MLP.kwta`), outputs
linear then
softmax. `to_genome` turns a (ReLU) net into a wann genome (masked weights as disabled
connections), so the WANN scoring code scores it too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from wann import WannError, streams
from wann.activations import LINEAR, RELU
from wann.genome import Genome, from_dense

# Hidden layers: LeNet-300-100 for MNIST (Frankle & Carbin), a scaled one for 8x8 digits.
DEFAULT_HIDDEN: dict[str, tuple[int, ...]] = {
    "mnist": (300, 100), "mnist28": (300, 100), "digits": (100, 50),
}


def mlp_layers(n_in: int, n_out: int, hidden: Sequence[int]) -> list[int]:
    """[n_in, hidden..., n_out], checked."""
    if any(int(h) < 1 for h in hidden):
        raise WannError(f"hidden layer sizes must be at least 1, got {list(hidden)}")
    return [int(n_in), *map(int, hidden), int(n_out)]


@dataclass
class KWinners:
    """k-winners-take-all hidden layers with boosting (Ahmad & Scheinkman 2019).

    In training each hidden layer passes on the k units of largest boosted activity (their
    own activity, not the boosted one; the rest give 0). A unit's boost is
    exp(strength * (k/n - duty)), where `duty` is the share of recent inputs it won (a running
    mean over `period` inputs): a unit that wins less than its share is favoured until it
    wins, so every unit comes to carry part of the code. `strength` is multiplied by `decay`
    after every epoch. At test time round(k * k_factor) units win (at most n), with the duty
    cycles and strength the training ended on. strength 0 is plain kWTA.
    """

    k: int
    strength: float = 0.0
    decay: float = 1.0
    k_factor: float = 1.0
    period: int = 1000
    duty: list[np.ndarray] = field(default_factory=list)  # per hidden layer, float64[n]
    seen: int = 0  # training inputs the duty cycles have seen

    def copy(self) -> KWinners:
        return replace(self, duty=[d.copy() for d in self.duty])

    def apply(self, z: np.ndarray, layer: int, training: bool) -> np.ndarray:
        n = z.shape[1]
        k = self.k if training else min(n, int(round(self.k * self.k_factor)))
        pick = z
        if self.strength and layer < len(self.duty):
            boost = np.exp(self.strength * (self.k / n - self.duty[layer]))
            pick = z * boost.astype(z.dtype)
        return np.where(winners(pick, k), z, 0.0)

    def learn(self, outs: Sequence[np.ndarray]) -> None:
        """The duty cycles after a training batch, from its hidden layers' outputs."""
        b = outs[0].shape[0]
        self.seen += b
        period = min(self.period, self.seen)
        if not self.duty:
            self.duty = [np.zeros(h.shape[1]) for h in outs]
        for d, h in zip(self.duty, outs):
            d *= period - b
            d += (h > 0).sum(axis=0)
            d /= period


@dataclass
class MLP:
    """Weights W[l] of shape [n_l, n_{l+1}], biases b[l], boolean masks m[l] (same shape as W);
    kwta: None for ReLU hidden units, else k-winners-take-all hidden layers (`hidden`)."""

    layers: list[int]
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    masks: list[np.ndarray]
    kwta: KWinners | None = None

    def copy(self) -> MLP:
        return MLP(list(self.layers), [w.copy() for w in self.weights],
                   [b.copy() for b in self.biases], [m.copy() for m in self.masks],
                   None if self.kwta is None else self.kwta.copy())

    @property
    def n_weights(self) -> int:
        """Connection weights (biases not counted), masked or not."""
        return int(sum(w.size for w in self.weights))

    @property
    def n_alive(self) -> int:
        return int(sum(m.sum() for m in self.masks))

    @property
    def sparsity(self) -> float:
        """Share of connection weights masked away."""
        return 1.0 - self.n_alive / self.n_weights

    def logits(self, x: np.ndarray) -> np.ndarray:
        h = np.asarray(x, self.weights[0].dtype)
        for i, (w, b, m) in enumerate(zip(self.weights, self.biases, self.masks)):
            h = h @ (w * m) + b
            if i < len(self.weights) - 1:
                h = hidden(h, self.kwta, i)
        return h

    def probs(self, x: np.ndarray) -> np.ndarray:
        return softmax(self.logits(x))

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(np.argmax(self.logits(x), axis=1) == y))

    def cross_entropy(self, x: np.ndarray, y: np.ndarray) -> float:
        z = self.logits(x).astype(np.float64)
        return float(np.mean(logsumexp(z) - z[np.arange(len(y)), y]))

    def to_genome(self) -> Genome:
        """The net as a genome: ReLU hidden nodes, linear outputs, masked weights disabled."""
        if self.kwta is not None:
            raise WannError("a k-winners-take-all net has no genome (kWTA acts on whole layers)")
        flat, alive = [], []
        for w, b, m in zip(self.weights, self.biases, self.masks):
            flat.append(np.vstack([b[None, :], w * m]).ravel())
            alive.append(np.concatenate([np.ones(b.size, bool), m.ravel()]))
        g = from_dense(self.layers, np.concatenate(flat).astype(np.float64), hidden_act=RELU,
                       output_act=LINEAR)
        g.conn_enabled = np.concatenate(alive)
        g.meta.update({"layers": list(self.layers), "weights": "tuned"})
        return g


def winners(z: np.ndarray, k: int) -> np.ndarray:
    """k-winners-take-all (Ahmad & Scheinkman 2019): per row, True at the k largest entries
    (exactly k; ties by position)."""
    keep = np.zeros(z.shape, bool)
    if k >= z.shape[1]:
        keep[:] = True
        return keep
    top = np.argpartition(-z, k - 1, axis=1, kind="introselect")[:, :k]
    np.put_along_axis(keep, top, True, axis=1)
    return keep


def hidden(z: np.ndarray, kwta: KWinners | None, layer: int, training: bool = False
           ) -> np.ndarray:
    """Hidden layer `layer`'s output: ReLU, or with kwta, its winners' pre-activations kept
    as they are and the rest zeroed (`KWinners.apply`; `training`: the training count)."""
    return np.maximum(z, 0.0) if kwta is None else kwta.apply(z, layer, training)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def logsumexp(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=1)
    return m + np.log(np.exp(z - m[:, None]).sum(axis=1))


def init_mlp(layers: Sequence[int], rng: np.random.Generator, dtype: type = np.float32) -> MLP:
    """Glorot-normal weights (sd sqrt(2 / (fan-in + fan-out)), as Frankle & Carbin), zero biases,
    nothing masked."""
    ws, bs, ms = [], [], []
    for a, b in zip(layers[:-1], layers[1:]):
        ws.append(rng.normal(0.0, np.sqrt(2.0 / (a + b)), size=(a, b)).astype(dtype))
        bs.append(np.zeros(b, dtype))
        ms.append(np.ones((a, b), bool))
    return MLP(list(map(int, layers)), ws, bs, ms)


@dataclass(frozen=True)
class TrainSettings:
    """Minibatch Adam on mean cross-entropy."""

    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        if self.epochs < 0 or self.batch_size < 1 or not self.lr > 0:
            raise WannError("training needs epochs >= 0, batch_size >= 1 and lr > 0")


@dataclass
class TrainLog:
    """What training cost: gradient steps and samples seen."""

    steps: int = 0
    samples: int = 0
    loss: list[float] = field(default_factory=list)  # mean training loss per epoch


def gradients(net: MLP, x: np.ndarray, y: np.ndarray, step: bool = False
              ) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """Mean cross-entropy on (x, y) and its gradients w.r.t. the (masked) weights and biases.
    `step`: a training step, so kWTA layers run as in training and learn their duty cycles
    from the batch."""
    hs = [np.asarray(x, net.weights[0].dtype)]
    eff = [w * m for w, m in zip(net.weights, net.masks)]
    for i, (w, b) in enumerate(zip(eff, net.biases)):
        z = hs[-1] @ w + b
        hs.append(hidden(z, net.kwta, i, step) if i < len(eff) - 1 else z)
    if step and net.kwta is not None:
        net.kwta.learn(hs[1:-1])
    z = hs[-1]
    p = softmax(z)
    n = len(y)
    loss = float(np.mean(logsumexp(z.astype(np.float64)) - z[np.arange(n), y]))
    d = p
    d[np.arange(n), y] -= 1.0
    d /= n
    gw: list[np.ndarray] = [np.empty(0)] * len(eff)
    gb: list[np.ndarray] = [np.empty(0)] * len(eff)
    for i in range(len(eff) - 1, -1, -1):
        gw[i] = (hs[i].T @ d) * net.masks[i]
        gb[i] = d.sum(axis=0)
        if i > 0:
            d = (d @ eff[i].T) * (hs[i] != 0)  # ReLU: active units; kWTA: the winners
    return loss, gw, gb


def train(
    net: MLP, x: np.ndarray, y: np.ndarray, settings: TrainSettings, seed: int,
    log: TrainLog | None = None,
    between_epochs: Callable[[MLP], list[np.ndarray]] | None = None,
) -> MLP:
    """A copy of `net` trained with Adam; masked weights stay zero. Deterministic in seed.

    `between_epochs(net)`, if given, may change the net's masks and weights in place after
    every epoch but the last (dynamic sparse training); it returns, per layer, where weights
    were grown, whose Adam moments restart from zero."""
    s = settings
    net = net.copy()
    for w, m in zip(net.weights, net.masks):
        w *= m
    rng = streams.generator(seed, streams.ADAM_BATCHES)
    params = [*net.weights, *net.biases]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    x = np.asarray(x, net.weights[0].dtype)
    n = len(y)
    t = 0
    log = log if log is not None else TrainLog()
    for epoch in range(s.epochs):
        order = rng.permutation(n)
        total = 0.0
        for lo in range(0, n, s.batch_size):
            batch = order[lo : lo + s.batch_size]
            loss, gw, gb = gradients(net, x[batch], y[batch], step=True)
            total += loss * len(batch)
            t += 1
            grads = [*gw, *gb]
            if s.weight_decay:
                grads = [g + s.weight_decay * p for g, p in zip(grads, params)]
            c1 = 1.0 - s.beta1**t
            c2 = 1.0 - s.beta2**t
            for p, g, a, v in zip(params, grads, m1, m2):
                a *= s.beta1
                a += (1.0 - s.beta1) * g
                v *= s.beta2
                v += (1.0 - s.beta2) * g * g
                p -= (s.lr * (a / c1) / (np.sqrt(v / c2) + s.eps)).astype(p.dtype)
            for w, m in zip(net.weights, net.masks):
                w *= m
            log.samples += len(batch)
            log.steps += 1
        log.loss.append(total / max(n, 1))
        if net.kwta is not None:
            net.kwta.strength *= net.kwta.decay
        if between_epochs is not None and epoch < s.epochs - 1:
            for grown, a, v in zip(between_epochs(net), m1, m2):
                a[grown] = 0.0
                v[grown] = 0.0
    return net
