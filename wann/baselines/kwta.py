"""k-winners-take-all hidden layers with sparse weights (Ahmad & Hawkins 2016; Ahmad &
Scheinkman 2019, "How can we be so dense?").

In a kWTA layer only the k units with the largest activity keep it; the others output 0.
Paired, as in those papers, with sparse weights: a fixed uniform random mask per layer. The
net is trained by CMA-ES like the other dense baselines (the papers use SGD, and boost
rarely-winning units, which is left out here). kWTA is a property of a whole layer, which the
per-node compiled kernel cannot express, so these nets run through their own serial
gymnasium evaluator (with optional observation noise); their scores are reported in the noise
table, where noise level 0 is the clean score.
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numba
import numpy as np

from wann import WannError, streams
from wann.activations import apply
from wann.baselines.common import Net
from wann.baselines.dense import dense_genome, init_weights
from wann.baselines.layered import flatten
from wann.baselines.masks import layer_counts, n_keep, pct, random_masks
from wann.cmaes import CMASettings, cma_es
from wann.evaluation.faults import NoFaults
from wann.evaluation.noisy import wrap
from wann.evaluation.rollout import forget_history
from wann.genome import Genome, topological_order
from wann.network import NetBatch, kernel_args
from wann.progress import Progress
from wann.tasks import Task


def check_k(k: int, layer_sizes: Sequence[int]) -> int:
    """k must lie in [1, the narrowest hidden layer's width]."""
    hidden = [int(h) for h in layer_sizes[1:-1]]
    if not hidden:
        raise WannError("k-winners-take-all needs a dense net with a hidden layer")
    width = min(hidden)
    if not (isinstance(k, int) and 1 <= k <= width):
        raise WannError(f"kWTA k must lie in [1, {width}] (the narrowest hidden layer), got {k}")
    return k


def default_k(layer_sizes: Sequence[int]) -> int:
    """Half the narrowest hidden layer, rounded up (1 without a hidden layer)."""
    hidden = [int(h) for h in layer_sizes[1:-1]]
    return max(1, (min(hidden) + 1) // 2) if hidden else 1


def layer_positions(genome: Genome, layer_sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Compiled node positions of each hidden layer of a `from_dense` genome, then the outputs,
    as (positions, group starts); positions follow `wann.network.compile_genome`."""
    g = genome
    order = topological_order(g)
    rest = order[g.node_kind[order] > 1]
    perm = np.concatenate([np.arange(1 + g.n_in), rest])
    pos_of_index = np.empty(g.n_nodes, np.int64)
    pos_of_index[perm] = np.arange(g.n_nodes)
    index_of_id = {int(nid): i for i, nid in enumerate(g.node_id)}
    groups: list[np.ndarray] = []
    next_id = 1 + g.n_in + g.n_out
    for h in layer_sizes[1:-1]:
        ids = range(next_id, next_id + int(h))
        next_id += int(h)
        groups.append(pos_of_index[[index_of_id[i] for i in ids]])
    groups.append(pos_of_index[[index_of_id[i] for i in range(1 + g.n_in, 1 + g.n_in + g.n_out)]])
    starts = np.concatenate([[0], np.cumsum([x.size for x in groups])]).astype(np.int64)
    return np.concatenate(groups).astype(np.int64), starts


@numba.njit(cache=True)
def kwta_forward(
    node_off, act, in_start, in_end, edge_src, edge_w, out_pos, k, n_in, obs, w, values,
    group_pos, group_start, kk, out,
):  # pragma: no cover - compiled
    """Forward pass layer by layer; in each group g with kk[g] < its size, only the kk[g]
    largest values survive (ties: the earlier unit)."""
    base = node_off[k]
    values[0] = 1.0
    for i in range(n_in):
        values[1 + i] = obs[i]
    for gi in range(group_start.size - 1):
        lo, hi = group_start[gi], group_start[gi + 1]
        for j in range(lo, hi):
            p = group_pos[j]
            s = 0.0
            for e in range(in_start[base + p], in_end[base + p]):
                s += values[edge_src[e]] * edge_w[e]
            values[p] = apply(act[base + p], w * s)
        if kk[gi] < hi - lo:
            keep = np.zeros(hi - lo, np.bool_)
            for j in range(lo, hi):
                rank = 0
                vj = values[group_pos[j]]
                for m in range(lo, hi):
                    vm = values[group_pos[m]]
                    if vm > vj or (vm == vj and m < j):
                        rank += 1
                keep[j - lo] = rank < kk[gi]
            for j in range(lo, hi):
                if not keep[j - lo]:
                    values[group_pos[j]] = 0.0
    for o in range(out.size):
        out[o] = values[out_pos[k, o]]


def kwta_activate(
    batch: NetBatch, k: int, obs: np.ndarray, groups: tuple[np.ndarray, np.ndarray],
    kk: np.ndarray, w: float = 1.0,
) -> np.ndarray:
    """Outputs of net k of a batch for one observation, with kWTA hidden layers."""
    values = np.zeros(batch.max_nodes)
    out = np.empty(batch.n_out)
    kwta_forward(*kernel_args(batch), k, batch.n_in, np.asarray(obs, np.float64), float(w),
                 values, groups[0], groups[1], kk, out)
    return out


def _episode(
    env: gym.Env, task: Task, batch: NetBatch, k: int, w: float, seed: int,
    groups: tuple[np.ndarray, np.ndarray], kk: np.ndarray,
) -> tuple[float, bool]:
    forget_history(env)
    obs, _ = env.reset(seed=int(seed))
    total = 0.0
    for _ in range(task.max_steps):
        out = kwta_activate(batch, k, obs, groups, kk, w)
        if not np.all(np.isfinite(out)):
            return task.worst_return, True
        obs, reward, terminated, truncated, _ = env.step(task.to_action(out))
        total += float(reward)
        if terminated or truncated:
            break
    return total, False


class KWTAEvaluator(NoFaults):
    """Serial rollouts of dense-layout nets whose hidden layers are k-winners-take-all, with
    observation noise of sd `sigma` (0: none). Every net of a batch must share the template's
    nodes (any mask of it)."""

    def __init__(self, task: Task, template: Genome, layer_sizes: Sequence[int], k: int,
                 sigma: float = 0.0) -> None:
        check_k(k, layer_sizes)
        self.task = task
        self.groups = layer_positions(template, layer_sizes)
        n_hidden = len(layer_sizes) - 2
        self.kk = np.array([k] * n_hidden + [int(layer_sizes[-1])], np.int64)
        self.env = wrap(task.make_env(), task, sigma)

    def evaluate(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        shape = (batch.n_nets, len(weights), len(seeds))
        returns, bad = np.empty(shape), np.zeros(shape, bool)
        for n in range(batch.n_nets):
            for i, w in enumerate(np.asarray(weights, np.float64)):
                for r, s in enumerate(seeds):
                    returns[n, i, r], bad[n, i, r] = _episode(
                        self.env, self.task, batch, n, float(w), int(s), self.groups, self.kk)
        return returns, bad

    def close(self) -> None:
        self.env.close()


def kwta_net(
    task: Task, layer_sizes: Sequence[int], k: int, sparsity: float, settings: CMASettings,
    seed: int, progress: Progress | None = None,
) -> Net:
    """A kWTA net with a uniform random sparse mask (layer-wise counts as magnitude pruning),
    trained from LeCun-normal initial weights by CMA-ES through its own evaluator."""
    layer_sizes = [int(s) for s in layer_sizes]
    check_k(k, layer_sizes)
    rng = streams.generator(seed, streams.KWTA)
    shapes = [(a + 1, b) for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    sizes = [a * b for a, b in shapes]
    mask = flatten(random_masks(rng, shapes, layer_counts(sizes, n_keep(sum(sizes), sparsity))))
    mask = mask.astype(bool)
    init = init_weights(layer_sizes, rng)
    g = dense_genome(task, layer_sizes, init)
    g.conn_enabled = mask
    ev = KWTAEvaluator(task, g, layer_sizes, k)
    try:
        res = cma_es(ev, g, init[mask], settings, seed, label=f"kWTA k={k} {pct(sparsity)}",
                     progress=progress)
    finally:
        ev.close()
    res.genome.meta.update({"check_score": res.check_score, "sparsity": sparsity, "kwta": k})
    return Net(f"kWTA k={k} {pct(sparsity)}", res.genome, res.rollouts * task.max_steps,
               sparsity=sparsity, note="k-winners-take-all hidden layers")
