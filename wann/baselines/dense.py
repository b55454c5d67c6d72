"""Dense fixed-topology networks: fully connected layers with biases, trained by CMA-ES.

A dense net is a genome from `from_dense`, so it runs through the same compiled evaluators as
any WANN. Initial weights are LeCun-normal per layer (sd 1 / sqrt(fan-in, bias included)):
their values are what lottery tickets rewind to and what signed constants take the sign and
scale of.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wann import WannError, streams
from wann.activations import TANH
from wann.baselines.common import Net
from wann.cmaes import CMAResult, CMASettings, cma_es
from wann.evaluation import Evaluator
from wann.genome import Genome, from_dense
from wann.progress import Progress
from wann.tasks import Task

# Hidden layers per task, as in the paper: swing-up 5-10-1 (71 weights), biped 24-40-40-4.
DEFAULT_HIDDEN: dict[str, tuple[int, ...]] = {"swingup": (10,), "biped": (40, 40)}
FALLBACK_HIDDEN: tuple[int, ...] = (10,)
# The over-parameterized dense start the pruning rows derive from (per task; else this).
START_HIDDEN: dict[str, tuple[int, ...]] = {"swingup": (64, 64), "biped": (256, 256)}
FALLBACK_START: tuple[int, ...] = (64, 64)
MAX_DENSE_WEIGHTS = 1_000_000  # a dense net larger than this does not fit a comparison


def dense_layers(task: Task, hidden: Sequence[int] | None = None) -> list[int]:
    """Layer sizes [n_in, hidden..., n_out] for a task (its default hidden sizes if none)."""
    h = tuple(hidden) if hidden is not None else DEFAULT_HIDDEN.get(task.name, FALLBACK_HIDDEN)
    if any(int(n) < 1 for n in h):
        raise WannError(f"hidden layer sizes must be at least 1, got {list(h)}")
    return [task.n_in, *map(int, h), task.n_out]


def start_layers(task: Task, hidden: Sequence[int] | None = None) -> list[int]:
    """Layer sizes of the over-parameterized dense start (the task's default if none given)."""
    h = tuple(hidden) if hidden is not None else START_HIDDEN.get(task.name, FALLBACK_START)
    if not h or any(int(n) < 1 for n in h):
        raise WannError(f"--dense-hidden sizes must be at least 1, got {list(h)}")
    layers = [task.n_in, *map(int, h), task.n_out]
    n = int(sum((a + 1) * b for a, b in zip(layers[:-1], layers[1:])))
    if n > MAX_DENSE_WEIGHTS:
        raise WannError(f"a dense start {'-'.join(map(str, layers))} has {n:,} weights, more than "
                        f"the {MAX_DENSE_WEIGHTS:,} a comparison handles")
    return layers


def connection_layers(layer_sizes: Sequence[int]) -> np.ndarray:
    """The layer (0 = first weight matrix) of each connection, in `from_dense` order."""
    per = [(a + 1) * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    return np.repeat(np.arange(len(per)), per)


def init_std(layer_sizes: Sequence[int]) -> np.ndarray:
    """Per layer, the sd of the initial weight distribution: 1 / sqrt(fan-in + bias)."""
    return np.array([1.0 / np.sqrt(a + 1) for a in layer_sizes[:-1]])


def init_weights(layer_sizes: Sequence[int], rng: np.random.Generator) -> np.ndarray:
    """Initial weights, N(0, init_std(layer)^2) for every connection."""
    sd = init_std(layer_sizes)[connection_layers(layer_sizes)]
    return rng.normal(0.0, sd)


def dense_genome(task: Task, layer_sizes: Sequence[int], weights: np.ndarray) -> Genome:
    """A dense network for a task, tanh hidden units, with the given weights."""
    g = from_dense(list(layer_sizes), weights, hidden_act=TANH, output_act=task.output_act)
    g.meta.update({"task": task.name, "layers": list(map(int, layer_sizes)), "weights": "tuned"})
    return g


@dataclass
class DenseRun:
    """A trained dense network and where it started (what rewinding goes back to)."""

    layers: list[int]
    init: np.ndarray
    result: CMAResult
    net: Net

    @property
    def trained(self) -> np.ndarray:
        return self.result.genome.conn_weight

    @property
    def conn_layer(self) -> np.ndarray:
        return connection_layers(self.layers)


def train_dense(
    ev: Evaluator,
    task: Task,
    layer_sizes: Sequence[int],
    settings: CMASettings,
    seed: int,
    progress: Progress | None = None,
) -> DenseRun:
    """Draw initial weights from the seed and train every weight with CMA-ES."""
    rng = streams.generator(seed, streams.DENSE_INIT)
    init = init_weights(layer_sizes, rng)
    g = dense_genome(task, layer_sizes, init)
    res = cma_es(ev, g, init, settings, seed, label="dense", progress=progress)
    res.genome.meta["check_score"] = res.check_score
    name = "-".join(map(str, layer_sizes))
    net = Net(f"fixed topology ({name})", res.genome, res.rollouts * task.max_steps,
              sparsity=0.0)
    return DenseRun(list(layer_sizes), init, res, net)
