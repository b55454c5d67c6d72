"""Training a WANN's own connection weights by gradient descent (the 'tuned weights' column).

On classification the paper's trained-weights number comes from training every connection of
the found topology; here that is minibatch Adam on cross-entropy, starting from the tuned
shared weight (as the reference's fine-tuning started from the best shared weight). The
forward pass runs node by node in topological order, vectorised over the samples; the
backward pass reverses it with each activation's derivative.
"""

from __future__ import annotations

import numpy as np

from wann import WannError, streams
from wann.activations import (
    ABS,
    COS,
    GAUSSIAN,
    INVERSE,
    LINEAR,
    RELU,
    SIGMOID,
    SIN,
    SQUARED,
    STEP,
    TANH,
)
from wann.classify import ClassifyTask
from wann.classify.mlp import TrainSettings, logsumexp, softmax
from wann.genome import Genome
from wann.network import compile_genome


def act_and_grad(act: int, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(s) and f'(s) for an activation id, as wann.activations.apply defines f."""
    if act == STEP:
        return (s > 0).astype(s.dtype), np.zeros_like(s)
    if act == SIN:
        return np.sin(np.pi * s), np.pi * np.cos(np.pi * s)
    if act == GAUSSIAN:
        e = np.exp(-(s * s) / 2.0)
        return e, -s * e
    if act == TANH:
        t = np.tanh(s)
        return t, 1.0 - t * t
    if act == SIGMOID:
        g = (np.tanh(s / 2.0) + 1.0) / 2.0
        return g, g * (1.0 - g)
    if act == INVERSE:
        return -s, -np.ones_like(s)
    if act == ABS:
        return np.abs(s), np.sign(s)
    if act == RELU:
        return np.maximum(s, 0.0), (s > 0).astype(s.dtype)
    if act == COS:
        return np.cos(np.pi * s), -np.pi * np.sin(np.pi * s)
    if act == SQUARED:
        return s * s, 2.0 * s
    return s, np.ones_like(s)  # LINEAR and unknown ids


class GenomeNet:
    """A genome's enabled connections as arrays for numpy training; `conn` maps each edge back
    to its connection index in the genome."""

    def __init__(self, genome: Genome) -> None:
        coded = genome.copy()
        coded.conn_weight = np.arange(genome.conn_weight.size, dtype=np.float64)
        b = compile_genome(coded, use_weights=True)
        self.genome = genome
        self.n_in = b.n_in
        self.n_nodes = int(b.node_off[1])
        self.act = b.act.tolist()
        self.start = b.in_start.tolist()
        self.end = b.in_end.tolist()
        self.src = b.edge_src
        self.out_pos = b.out_pos[0]
        self.conn = b.edge_w.astype(np.int64)

    def forward(self, x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Node values and pre-activation sums, [sample, node] each."""
        n = x.shape[0]
        v = np.zeros((n, self.n_nodes))
        s = np.zeros((n, self.n_nodes))
        v[:, 0] = 1.0
        v[:, 1 : 1 + self.n_in] = x
        for i in range(1 + self.n_in, self.n_nodes):
            lo, hi = self.start[i], self.end[i]
            s[:, i] = v[:, self.src[lo:hi]] @ w[lo:hi]
            v[:, i] = act_and_grad(self.act[i], s[:, i])[0] if self.act[i] != LINEAR else s[:, i]
        return v, s

    def loss_and_grad(self, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean cross-entropy of the softmax outputs and its gradient w.r.t. the edge weights."""
        v, s = self.forward(x, w)
        z = v[:, self.out_pos]
        n = len(y)
        loss = float(np.mean(logsumexp(z) - z[np.arange(n), y]))
        d = softmax(z)
        d[np.arange(n), y] -= 1.0
        g = np.zeros_like(v)
        g[:, self.out_pos] = d / n
        gw = np.zeros_like(w)
        for i in range(self.n_nodes - 1, self.n_in, -1):
            lo, hi = self.start[i], self.end[i]
            if lo == hi:
                continue
            ds = g[:, i] * act_and_grad(self.act[i], s[:, i])[1]
            src = self.src[lo:hi]
            gw[lo:hi] = v[:, src].T @ ds
            g[:, src] += ds[:, None] * w[None, lo:hi]
        return loss, gw

    def genome_with(self, w: np.ndarray) -> Genome:
        g = self.genome.copy()
        g.conn_weight = g.conn_weight.astype(np.float64).copy()
        g.conn_weight[self.conn] = w
        g.meta["weights"] = "tuned"
        return g


def train_weights(
    task: ClassifyTask, genome: Genome, start_weight: float, settings: TrainSettings, seed: int,
) -> Genome:
    """The genome with every enabled connection trained from `start_weight` (Adam, minibatches
    of the training set); disabled connections keep their weights."""
    s = settings
    net = GenomeNet(genome)
    w = np.full(net.conn.size, float(start_weight))
    a = np.zeros_like(w)
    b = np.zeros_like(w)
    rng = streams.generator(seed, streams.WANN_ADAM)
    t = 0
    n = task.n_train
    for _ in range(s.epochs):
        order = rng.permutation(n)
        for lo in range(0, n, s.batch_size):
            batch = order[lo : lo + s.batch_size]
            _, g = net.loss_and_grad(task.x_train[batch], task.y_train[batch], w)
            if not np.all(np.isfinite(g)):
                continue  # a step that overflowed teaches nothing
            t += 1
            a = s.beta1 * a + (1.0 - s.beta1) * g
            b = s.beta2 * b + (1.0 - s.beta2) * g * g
            w = w - s.lr * (a / (1.0 - s.beta1**t)) / (np.sqrt(b / (1.0 - s.beta2**t)) + s.eps)
    return net.genome_with(w)


def adam_settings(epochs: int, batch_size: int, lr: float) -> TrainSettings:
    """Adam's settings for tuning a genome's weights, checked (one clear error each)."""
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if value < 1:
            raise WannError(f"{{{name}}} must be at least 1, got {value}")
    if not lr > 0:
        raise WannError(f"{{lr}} must be positive, got {lr}")
    return TrainSettings(epochs=epochs, batch_size=batch_size, lr=lr)
