"""Optimal Brain Damage (LeCun, Denker & Solla 1990): prune the least salient weights.

The saliency of weight k is s_k = h_kk w_k^2 / 2, the rise of the loss that deleting it
predicts from the diagonal of the loss's Hessian (at a minimum, where the gradient term
vanishes). The Hessian diagonal comes from one of two places:

- RL (`fd_hessian_diagonal` on a `ReturnObjective`): the loss is minus the mean return over a
  fixed set of episodes, the same episode seeds for every perturbed network (common random
  numbers), and h_kk is the central second difference (L(w + e e_k) - 2 L(w) + L(w - e e_k)) / e^2.
  It costs 2 n + 1 networks times the episodes, run as one evaluator call.
- a differentiable loss (`gauss_newton_diagonal`): the paper's backpropagation of second
  derivatives for a tanh net with softmax cross-entropy, with its Gauss-Newton (Levenberg-
  Marquardt) approximation that drops f'' terms and off-diagonal terms. For a net without a
  hidden layer this is the exact Hessian diagonal.

`obd_prune` follows the paper's loop: estimate, delete the least salient, retrain, and again
at the next sparsity, each level starting from the retrained net of the previous one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wann import WannError, streams
from wann.baselines.common import Net
from wann.baselines.dense import DenseRun
from wann.baselines.layered import matrices
from wann.baselines.objectives import Objective, ReturnObjective
from wann.baselines.prune import allocate, apply_mask, check_sparsity, n_keep, pct
from wann.cmaes import CMASettings, cma_es
from wann.evaluation import Evaluator
from wann.progress import Progress
from wann.streams import stream_seeds, sub_seed


@dataclass(frozen=True)
class OBDSettings:
    """The finite-difference Hessian: episodes per network and the step e (in weight units)."""

    episodes: int = 16
    step: float = 0.1

    def __post_init__(self) -> None:
        if self.episodes < 1:
            raise WannError(f"OBD episodes must be at least 1, got {self.episodes}")
        if not self.step > 0:
            raise WannError(f"OBD finite-difference step must be positive, got {self.step}")


#: With a progress display, the 2 n + 1 vectors go to the objective in about this many calls
#: (none smaller than FD_MIN_CALL): on the 4,609-weight dense start the estimate takes minutes.
FD_CALLS = 40
FD_MIN_CALL = 256


def fd_hessian_diagonal(objective: Objective, x: np.ndarray, step: float,
                        progress: Progress | None = None, label: str = "Hessian") -> np.ndarray:
    """Diagonal of the Hessian of the loss (minus the objective) at x by central differences.

    The 2 n + 1 vectors go to the objective in one call, or (with `progress`) in chunks that
    each advance the display; each vector's score is the same either way. Exact for a
    quadratic loss.
    """
    x = np.asarray(x, np.float64)
    n = x.size
    xs = np.tile(x, (2 * n + 1, 1))
    idx = np.arange(n)
    xs[1 + idx, idx] += step
    xs[1 + n + idx, idx] -= step
    if progress is None:
        loss = -np.asarray(objective(xs), np.float64)
    else:
        size = max(FD_MIN_CALL, -(-len(xs) // FD_CALLS))
        progress.start(len(xs), label, plain_every=4 * size)
        parts = []
        for a in range(0, len(xs), size):
            parts.append(np.asarray(objective(xs[a : a + size]), np.float64))
            progress.update(a + len(parts[-1]), "networks scored")
        progress.close()
        loss = -np.concatenate(parts)
    return (loss[1 : n + 1] - 2.0 * loss[0] + loss[n + 1 :]) / step**2


def saliency(h_diag: np.ndarray, w: np.ndarray) -> np.ndarray:
    """OBD's saliency s_k = h_kk w_k^2 / 2."""
    return 0.5 * np.asarray(h_diag) * np.asarray(w) ** 2


def _forward(layer_sizes: Sequence[int], w: np.ndarray, x: np.ndarray) -> list[np.ndarray]:
    """Activations of every layer (inputs first, output logits last); tanh hidden units."""
    mats = matrices(layer_sizes, w)
    acts = [np.asarray(x, np.float64)]
    for i, m in enumerate(mats):
        z = m[0] + acts[-1] @ m[1:]
        acts.append(z if i == len(mats) - 1 else np.tanh(z))
    return acts


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(layer_sizes: Sequence[int], w: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Mean softmax cross-entropy of a tanh net with linear outputs (logits)."""
    logits = _forward(layer_sizes, w, x)[-1]
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), np.asarray(y)].mean())


def gauss_newton_diagonal(
    layer_sizes: Sequence[int], w: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """The Hessian diagonal of the mean cross-entropy by OBD's backpropagation (flat order).

    At the logits the second derivative is p_i (1 - p_i); going down a layer,
    d2E/da_j^2 = f'(a_j)^2 sum_i w_ij^2 d2E/da_i^2; a weight's is d2E/da_i^2 times its input
    squared, summed over the samples. `y` is unused by the approximation (it depends on the
    outputs only) but kept so the signature matches the loss's.
    """
    del y
    acts = _forward(layer_sizes, w, x)
    mats = matrices(layer_sizes, w)
    n = acts[0].shape[0]
    p = _softmax(acts[-1])
    d2z = p * (1.0 - p) / n  # [sample, unit] second derivative w.r.t. pre-activations
    out: list[np.ndarray] = [np.empty(0)] * len(mats)
    for li in range(len(mats) - 1, -1, -1):
        a = acts[li]
        inp2 = np.concatenate([np.ones((n, 1)), a**2], axis=1)  # bias input is 1
        out[li] = inp2.T @ d2z
        if li > 0:
            d2a = d2z @ (mats[li][1:] ** 2).T
            d2z = (1.0 - a**2) ** 2 * d2a  # tanh' = 1 - tanh^2
    return np.concatenate([o.ravel() for o in out])


def salient_mask(
    sal: np.ndarray, layers: np.ndarray, keep: int, alive: np.ndarray | None = None
) -> np.ndarray:
    """Mask of the `keep` most salient live weights, layer by layer as magnitude pruning
    allocates them (ties: lower index)."""
    sal = np.asarray(sal, np.float64)
    alive = np.ones(sal.size, bool) if alive is None else np.asarray(alive, bool)
    n_layers = int(layers.max()) + 1
    counts = allocate(keep, np.bincount(layers[alive], minlength=n_layers))
    mask = np.zeros(sal.size, bool)
    for layer in range(n_layers):
        idx = np.flatnonzero(alive & (layers == layer))
        mask[idx[np.argsort(-sal[idx], kind="stable")[: counts[layer]]]] = True
    return mask


def obd_prune(
    ev: Evaluator,
    dense: DenseRun,
    sparsities: Sequence[float],
    settings: CMASettings,
    seed: int,
    max_steps: int,
    obd: OBDSettings = OBDSettings(),
    progress: Progress | None = None,
) -> list[Net]:
    """OBD on RL: at each sparsity, in increasing order, estimate the Hessian diagonal of the
    current net on common episodes, delete the least salient weights, retrain the rest."""
    n = dense.trained.size
    genome = dense.result.genome
    weights, alive = dense.trained.copy(), np.ones(n, bool)
    steps = dense.net.env_steps or 0
    nets: list[Net] = []
    for i, s in enumerate(sorted({check_sparsity(s) for s in sparsities})):
        keep = n_keep(n, s)
        if keep < int(alive.sum()):
            seeds = stream_seeds(seed, streams.OBD, obd.episodes, i)
            free = np.flatnonzero(alive)
            objective = ReturnObjective(ev, apply_mask(genome, alive, weights), seeds)
            h = np.zeros(n)
            h[free] = fd_hessian_diagonal(objective, weights[free], obd.step, progress,
                                          f"OBD {s:.0%} Hessian ({free.size} weights)")
            sal = saliency(h, weights)
            alive = salient_mask(sal, dense.conn_layer, keep, alive)
            g = apply_mask(genome, alive, weights)
            res = cma_es(ev, g, weights[alive], settings, sub_seed(seed, i),
                         label=f"OBD {pct(s)}", progress=progress)
            steps += (objective.rollouts + res.rollouts) * max_steps
            weights = res.genome.conn_weight.copy()
            genome_s = res.genome
            genome_s.meta.update({"check_score": res.check_score, "sparsity": s,
                                  "obd_saliency": [float(v) for v in sal]})
        else:
            genome_s = apply_mask(genome, alive, weights)
        nets.append(Net(f"OBD {pct(s)}", genome_s, steps, sparsity=s))
    return nets
