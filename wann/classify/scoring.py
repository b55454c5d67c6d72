"""Scoring a network on a classification task: the columns of the paper's MNIST results.

Test accuracy and cross-entropy per shared weight; random weights (every connection from
U(-2, 2)); a random shared weight (one from U(-2, 2) per trial); the tuned shared weight (best
training accuracy on a grid, scored on test); the ensemble over shared weights (softmax
outputs averaged over the weights, then argmax, as the paper's ensemble); and the network's
own weights (for trained baselines). Everything runs on the whole test set, compiled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np

from wann import streams
from wann.classify import ClassifyTask
from wann.classify.evaluator import check_fits
from wann.classify.finetune import train_weights
from wann.classify.kernels import softmax_outputs
from wann.classify.mlp import TrainSettings
from wann.genome import Genome
from wann.network import NetBatch, compile_genome, kernel_args
from wann.scoring import summary

# The smallest probability counted in a cross-entropy, so a confident mistake costs ~16 nats
# rather than infinity.
P_MIN = 1e-7


def batch_probs(
    task: ClassifyTask, batch: NetBatch, weights: Sequence[float] | np.ndarray,
    x: np.ndarray, k: int = 0, threads: int | None = None,
) -> np.ndarray:
    """Softmax outputs [weight, sample, class] of net k of a batch on inputs x."""
    check_fits(task, batch)
    w = np.ascontiguousarray(weights, dtype=np.float64).reshape(-1)
    x = np.ascontiguousarray(x, dtype=np.float64)
    probs = np.empty((w.size, x.shape[0], batch.n_out))
    previous = numba.get_num_threads()
    if threads is not None:
        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    try:
        softmax_outputs(*kernel_args(batch), k, batch.n_in, batch.n_out, w, x, probs)
    finally:
        numba.set_num_threads(previous)
    return probs


def genome_probs(
    task: ClassifyTask, genome: Genome, weights: Sequence[float] | np.ndarray, test: bool = True,
    use_weights: bool = False,
) -> np.ndarray:
    """Softmax outputs [weight, sample, class] on the test (or training) set."""
    x = task.x_test if test else task.x_train
    return batch_probs(task, compile_genome(genome, use_weights), weights, x)


def accuracy(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Share of samples whose highest output is the label; over the last two axes of probs
    ([..., sample, class]). Non-finite outputs count as wrong."""
    ok = np.all(np.isfinite(probs), axis=-1)
    pred = np.argmax(np.nan_to_num(probs, nan=-1.0), axis=-1)
    return np.mean((pred == y) & ok, axis=-1)


def cross_entropy(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean -log p(label), p clipped at P_MIN (and non-finite outputs counted as P_MIN)."""
    p = np.take_along_axis(probs, np.broadcast_to(y[:, None], probs.shape[:-1] + (1,)), axis=-1)[..., 0]
    p = np.where(np.isfinite(p), np.maximum(p, P_MIN), P_MIN)
    return -np.mean(np.log(p), axis=-1)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """counts[true, predicted]."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(y_true, np.int64), np.asarray(y_pred, np.int64)), 1)
    return m


@dataclass
class Ensemble:
    """The ensemble over shared weights: averaged softmax, its accuracy, its predictions."""

    weights: np.ndarray
    accuracy: float
    cross_entropy: float
    predictions: np.ndarray
    confusion: np.ndarray


def ensemble(task: ClassifyTask, genome: Genome, weights: Sequence[float]) -> Ensemble:
    """Average the softmax outputs over the shared weights (non-finite ones left out)."""
    probs = genome_probs(task, genome, weights)
    finite = np.isfinite(probs)
    mean = np.where(finite, probs, 0.0).sum(axis=0) / np.maximum(finite.sum(axis=0), 1)
    pred = np.argmax(mean, axis=-1)
    return Ensemble(
        np.asarray(weights, np.float64),
        float(np.mean(pred == task.y_test)),
        float(cross_entropy(mean, task.y_test)),
        pred,
        confusion_matrix(task.y_test, pred, task.n_out),
    )


def per_weight(task: ClassifyTask, genome: Genome, weights: Sequence[float], test: bool = True) -> dict:
    """Accuracy and cross-entropy at each shared weight: {'weights', 'accuracy', 'cross_entropy'}."""
    probs = genome_probs(task, genome, weights, test)
    y = task.y_test if test else task.y_train
    return {
        "weights": np.asarray(weights, np.float64),
        "accuracy": accuracy(probs, y),
        "cross_entropy": cross_entropy(probs, y),
    }


def random_shared_accuracy(
    task: ClassifyTask, genome: Genome, n: int, rng: np.random.Generator, lim: float = 2.0
) -> np.ndarray:
    """Test accuracy with one shared weight from U(-lim, lim), n trials."""
    w = rng.uniform(-lim, lim, size=n)
    return accuracy(genome_probs(task, genome, w), task.y_test)


def random_weight_accuracy(
    task: ClassifyTask, genome: Genome, n: int, rng: np.random.Generator, lim: float = 2.0
) -> np.ndarray:
    """Test accuracy with every connection from U(-lim, lim), afresh in each of n trials."""
    out = np.empty(n)
    for i in range(n):
        g = genome.copy()
        g.conn_weight = rng.uniform(-lim, lim, size=g.conn_weight.size)
        out[i] = accuracy(genome_probs(task, g, [1.0], use_weights=True)[0], task.y_test)
    return out


def own_weight_accuracy(task: ClassifyTask, genome: Genome) -> tuple[float, float]:
    """(test accuracy, test cross-entropy) with the genome's own connection weights."""
    probs = genome_probs(task, genome, [1.0], use_weights=True)[0]
    return float(accuracy(probs, task.y_test)), float(cross_entropy(probs, task.y_test))


@dataclass
class TunedShared:
    """The shared weight with the best training accuracy, and its test scores."""

    weight: float
    train_accuracy: float
    test_accuracy: float
    test_cross_entropy: float


def tuned_shared_weight(task: ClassifyTask, genome: Genome, grid: np.ndarray | None = None) -> TunedShared:
    """Best training accuracy over a grid (default 81 points on [-2, 2], 0 excluded: it cuts every
    connection); ties go to the lower training cross-entropy. Scored on the test set."""
    g = np.linspace(-2.0, 2.0, 81) if grid is None else np.asarray(grid, np.float64)
    g = g[g != 0.0] if np.any(g != 0.0) else g
    train = per_weight(task, genome, g, test=False)
    order = np.lexsort((train["cross_entropy"], -train["accuracy"]))
    best = float(g[order[0]])
    test = per_weight(task, genome, [best])
    return TunedShared(best, float(train["accuracy"][order[0]]), float(test["accuracy"][0]),
                       float(test["cross_entropy"][0]))


def table_row(
    task: ClassifyTask, genome: Genome, weights: Sequence[float], seed: int, n_trials: int = 100,
    grid: np.ndarray | None = None, train_settings: TrainSettings | None = None,
) -> dict:
    """The Table-1-style columns for a WANN on a classification task (accuracies in [0, 1]):
    random weights, random shared weight (mean, std, ... over n_trials), ensemble and tuned
    shared weight, plus accuracy and cross-entropy at each of the search's shared weights; with
    `train_settings`, also tuned weights (every connection trained by Adam from the tuned shared
    weight)."""
    rng = streams.generator(seed, streams.CLASSIFY_RANDOM)
    ens = ensemble(task, genome, weights)
    tuned = tuned_shared_weight(task, genome, grid)
    pw = per_weight(task, genome, weights)
    extra = {}
    if train_settings is not None:
        trained = train_weights(task, genome, tuned.weight, train_settings, seed)
        acc, ce = own_weight_accuracy(task, trained)
        extra = {"tuned_weights": acc, "tuned_weights_cross_entropy": ce}
    return {
        "random_weights": summary(random_weight_accuracy(task, genome, n_trials, rng)),
        "random_shared_weight": summary(random_shared_accuracy(task, genome, n_trials, rng)),
        "ensemble": ens.accuracy,
        "ensemble_cross_entropy": ens.cross_entropy,
        "tuned_shared_weight": tuned.test_accuracy,
        "tuned_weight_value": tuned.weight,
        **extra,
        "per_weight": {
            "weights": pw["weights"].tolist(),
            "accuracy": pw["accuracy"].tolist(),
            "cross_entropy": pw["cross_entropy"].tolist(),
        },
    }
