"""Pruning arithmetic on the layered view every task family gives its methods: one matrix per
weight layer (a family whose biases are prunable puts them in the first row), a boolean mask
of the same shape per layer.

Pruning is layer-wise with Frankle & Carbin's rates: the output layer is pruned at half the
rate of the other layers (`layer_counts`), so no layer is cut away whole and the small output
layer is not emptied first. The total kept is exact: round(n (1 - sparsity)) of the n weights,
the layers' shares rounded by largest remainder with at least one survivor per layer. Every
method that prunes by a score (magnitude, lottery, random masks, signed constants,
supermasks) keeps the same count per layer at a given sparsity, on every family.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from wann import WannError

ROUND_RATE = 0.2  # Frankle & Carbin's per-round pruning rate of the hidden layers
OUTPUT_RATIO = 0.5  # the output layer is pruned at this fraction of that rate


def check_sparsity(s: float) -> float:
    """A sparsity must lie in [0, 1): the share of weights removed."""
    if not (isinstance(s, int | float) and math.isfinite(s) and 0.0 <= s < 1.0):
        raise WannError(f"sparsity must lie in [0, 1), got {s}")
    return float(s)


def pct(sparsity: float) -> str:
    """A sparsity for row names: 50%, 99.5%, 99.85% (never rounded up to 100%)."""
    return f"{sparsity * 100:.4g}%"


def n_keep(n: int, sparsity: float) -> int:
    """How many of n weights survive at a sparsity: round(n (1 - s)), halves up, at least 1."""
    check_sparsity(sparsity)
    return max(1, min(n, math.floor(n * (1.0 - sparsity) + 0.5)))


def _round_shares(share: np.ndarray, cap: np.ndarray, keep: int) -> np.ndarray:
    """Largest-remainder rounding of real shares to integers summing to `keep` (capped), then
    at least one per layer when there are enough survivors to go round."""
    counts = np.minimum(np.floor(share).astype(np.int64), cap)
    for i in np.argsort(-(share - counts), kind="stable"):
        if counts.sum() >= keep:
            break
        if counts[i] < cap[i]:
            counts[i] += 1
    live = np.flatnonzero(cap > 0)
    if keep >= live.size:
        for layer in live:
            if counts[layer] > 0:
                continue
            donor = int(np.argmax(counts))
            counts[donor] -= 1
            counts[layer] += 1
    return counts


def allocate(keep: int, alive: Sequence[int]) -> np.ndarray:
    """Split `keep` survivors over layers in proportion to their live weights."""
    alive = np.asarray(alive, dtype=np.int64)
    if not 0 < keep <= int(alive.sum()):
        raise ValueError(f"cannot keep {keep} of {int(alive.sum())} weights")
    return _round_shares(keep * alive / alive.sum(), alive, keep)


def layer_counts(sizes: Sequence[int], keep: int, rate: float = ROUND_RATE,
                 output_ratio: float = OUTPUT_RATIO) -> np.ndarray:
    """Survivors per layer (the last is the output layer) when `keep` weights survive.

    After k rounds of Frankle & Carbin's iterative pruning a layer keeps (1 - rate)^k of its
    weights and the output layer (1 - rate * output_ratio)^k; k (a real number) is solved so
    that the layers keep `keep` in all.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    total = int(sizes.sum())
    if not 0 < keep <= total:
        raise ValueError(f"cannot keep {keep} of {total} weights")
    survive = np.full(sizes.size, np.log1p(-rate))
    survive[-1] = np.log1p(-rate * output_ratio)
    if sizes.size == 1 or keep == total:
        share = sizes * (keep / total)
    else:
        lo, hi = 0.0, 1.0
        while (sizes * np.exp(hi * survive)).sum() > keep:
            hi *= 2.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if (sizes * np.exp(mid * survive)).sum() > keep else (lo, mid)
        share = sizes * np.exp(hi * survive)
        share *= keep / share.sum()
    return _round_shares(share, sizes, keep)


def counts_within(sizes: Sequence[int], keep: int, alive: Sequence[int]) -> np.ndarray:
    """`layer_counts` on the dense sizes, capped by each layer's live weights (nested masks)."""
    live = np.asarray(alive, np.int64)
    counts = np.minimum(layer_counts(sizes, keep), live)
    while counts.sum() < keep:
        counts[int(np.argmax(live - counts))] += 1
    return counts


def top_masks(scores: Sequence[np.ndarray], keep: Sequence[int],
              alive: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
    """Per layer, a mask of the `keep[l]` largest scores among the live weights (ties: the
    lower index)."""
    out = []
    for i, (s, k) in enumerate(zip(scores, keep)):
        flat = np.asarray(s, np.float64).ravel()
        if alive is not None:
            flat = np.where(np.asarray(alive[i], bool).ravel(), flat, -np.inf)
        mask = np.zeros(flat.size, bool)
        mask[np.argsort(-flat, kind="stable")[: int(k)]] = True
        out.append(mask.reshape(np.shape(s)))
    return out


def random_masks(rng: np.random.Generator, shapes: Sequence[tuple[int, ...]],
                 keep: Sequence[int]) -> list[np.ndarray]:
    """Per layer, `keep[l]` weights chosen uniformly (layer by layer, from one generator)."""
    out = []
    for shape, k in zip(shapes, keep):
        mask = np.zeros(int(np.prod(shape)), bool)
        mask[rng.choice(mask.size, size=int(k), replace=False)] = True
        out.append(mask.reshape(shape))
    return out


def imp_schedule(n: int, sparsities: Sequence[float], rate: float = ROUND_RATE) -> list[int]:
    """Iterative magnitude pruning's survivor counts after each round, down to the highest
    requested sparsity: each round removes `rate` of the survivors, and no round skips past a
    requested level (it prunes exactly to it, so a ticket exists at every one)."""
    if not 0.0 < rate < 1.0:
        raise ValueError(f"pruning rate must lie in (0, 1), got {rate}")
    counts: list[int] = []
    k = n
    for t in sorted({n_keep(n, check_sparsity(s)) for s in sparsities}, reverse=True):
        while k > t:
            k = max(t, min(k - 1, math.floor(k * (1.0 - rate) + 0.5)))
            counts.append(k)
    return counts


def units_to_keep(layer_sizes: Sequence[int], sparsity: float, bias_rows: int = 0) -> list[int]:
    """Structured pruning's units per hidden layer: the same share in each (at least one unit),
    the share whose remaining weights (bias rows counted where the view has them) come closest
    to round(n (1 - sparsity)); ties keep more units."""
    check_sparsity(sparsity)
    hidden = [int(h) for h in layer_sizes[1:-1]]
    if not hidden:
        raise WannError("structured pruning needs at least one hidden layer")

    def weights(sizes: Sequence[int]) -> int:
        return sum((int(a) + bias_rows) * int(b) for a, b in zip(sizes[:-1], sizes[1:]))

    target = n_keep(weights(layer_sizes), sparsity)
    widest = max(hidden)
    best, gap = hidden, None
    for m in range(widest, 0, -1):  # from more units to fewer: ties keep more
        units = [max(1, min(h, math.floor(h * m / widest + 0.5))) for h in hidden]
        g = abs(weights([layer_sizes[0], *units, layer_sizes[-1]]) - target)
        if gap is None or g < gap:
            best, gap = units, g
    return best


def unit_masks(mats: Sequence[np.ndarray], sparsity: float, bias_rows: int = 0
               ) -> tuple[list[np.ndarray], list[int]]:
    """Structured pruning (Li et al.'s L1 criterion): per hidden layer, keep the units whose
    incoming weights (bias excluded) have the largest L1 norm (ties: lower index); every
    connection into or out of a removed unit is cut. The masks and the kept unit counts."""
    sizes = [mats[0].shape[0] - bias_rows, *(m.shape[1] for m in mats)]
    counts = units_to_keep(sizes, sparsity, bias_rows)
    alive = [np.ones(sizes[0], bool)]
    for m, k in zip(mats[:-1], counts):
        unit = np.zeros(m.shape[1], bool)
        unit[np.argsort(-np.abs(np.asarray(m, np.float64)[bias_rows:]).sum(axis=0),
                        kind="stable")[:k]] = True
        alive.append(unit)
    alive.append(np.ones(sizes[-1], bool))
    rows = [np.concatenate([np.ones(bias_rows, bool), a]) for a in alive[:-1]]
    return [np.outer(r, dst) for r, dst in zip(rows, alive[1:])], counts
