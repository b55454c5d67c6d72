"""A dense layered net as weight matrices: the view the sparsity methods work in.

A dense net's connections (`wann.genome.from_dense` order) are, layer by layer, a matrix of
shape (1 + fan-in, fan-out) flattened row by row, row 0 holding the biases. Methods that think
in layers and units (structured pruning, layer re-initialization, OBD's backpropagation of
second derivatives) use these views, so they apply to any dense net given as flat weights and
a mask, however it was trained.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wann.genome import Genome


def layer_slices(layer_sizes: Sequence[int]) -> list[slice]:
    """The flat-vector slice of each weight matrix (bias row included)."""
    out, start = [], 0
    for a, b in zip(layer_sizes[:-1], layer_sizes[1:]):
        n = (int(a) + 1) * int(b)
        out.append(slice(start, start + n))
        start += n
    return out


def n_weights(layer_sizes: Sequence[int]) -> int:
    return sum((int(a) + 1) * int(b) for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))


def matrices(layer_sizes: Sequence[int], flat: np.ndarray) -> list[np.ndarray]:
    """Views of a flat vector as matrices (1 + fan-in, fan-out); row 0 is the bias."""
    flat = np.asarray(flat)
    if flat.shape != (n_weights(layer_sizes),):
        raise ValueError(f"a {list(layer_sizes)} net has {n_weights(layer_sizes)} weights, "
                         f"got {flat.shape}")
    return [flat[s].reshape(int(a) + 1, int(b))
            for s, a, b in zip(layer_slices(layer_sizes), layer_sizes[:-1], layer_sizes[1:])]


def flatten(mats: Sequence[np.ndarray]) -> np.ndarray:
    """The flat vector of a list of matrices (the inverse of `matrices`)."""
    return np.concatenate([np.asarray(m, np.float64).ravel() for m in mats])


def layer_names(layer_sizes: Sequence[int]) -> list[str]:
    """Readable names of the weight layers: 'input→h1', 'h1→h2', ..., 'h2→output'."""
    n = len(layer_sizes) - 1
    ends = ["input", *(f"h{i}" for i in range(1, n)), "output"]
    return [f"{a}→{b}" for a, b in zip(ends[:-1], ends[1:])]


def apply_mask(genome: Genome, mask: np.ndarray, weights: np.ndarray | None = None) -> Genome:
    """A copy with only the masked connections enabled (and optionally new weights)."""
    g = genome.copy()
    g.conn_enabled = np.asarray(mask, bool).copy()
    if weights is not None:
        g.conn_weight = np.asarray(weights, np.float64).copy()
    return g
