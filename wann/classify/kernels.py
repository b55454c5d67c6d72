"""Compiled kernels: cross-entropy of every (net, shared weight) on minibatches, and softmax.

Work is cut into fixed chunks of CHUNK samples. Each (net, repetition, chunk) job sums its
samples' losses in order into its own slot, and the chunks are then added in order by one
serial loop, so the sums never depend on how jobs were spread over threads: the parallel and
serial drivers run the same job code and give bit-identical results.

One chunk's sum is `chunk_loss`, made by `make_chunk_loss` from the forward pass and the loss
it is given: here the CPU's, in wann.classify.cuda_kernels the same source compiled for the
device, so the GPU sums each chunk exactly as the CPU does.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import prange

from wann.network import forward

CHUNK = 64


@numba.njit(cache=True, inline="always")
def log_softmax_loss(out: np.ndarray, label: int) -> float:
    """-log softmax(out)[label], computed as logsumexp(out) - out[label] (stable)."""
    m = out[0]
    for o in range(1, out.size):
        if out[o] > m:
            m = out[o]
    z = 0.0
    for o in range(out.size):
        z += math.exp(out[o] - m)
    return m + math.log(z) - out[label]


def make_chunk_loss(forward, loss):  # noqa: ANN001, ANN201 - a function of compiled functions
    """`chunk_loss` over the given forward pass and per-sample loss (CPU or device versions)."""

    def chunk_loss(
        node_off, act, in_start, in_end, edge_src, edge_w, out_pos, k, n_in, w, x, y, rows,
        lo, hi, values, out, unit,
    ):  # pragma: no cover - compiled
        """(sum of the losses of samples rows[lo:hi] of net k at shared weight w, in order;
        whether an output or the sum was NaN or infinite, which stops the sum)."""
        s = 0.0
        for j in range(lo, hi):
            row = rows[j]
            forward(node_off, act, in_start, in_end, edge_src, edge_w, out_pos, k, n_in,
                    x[row], w, values, out, unit)
            for o in range(out.size):
                if math.isinf(out[o]) or math.isnan(out[o]):
                    return s, True
            s += loss(out, y[row])
        return s, math.isinf(s) or math.isnan(s)

    return chunk_loss


chunk_loss = numba.njit(cache=True, inline="always")(make_chunk_loss(forward, log_softmax_loss))


@numba.njit(cache=True, inline="always")
def _job(
    i, node_off, act, in_start, in_end, edge_src, edge_w, out_pos, n_in, n_out,
    weights, x, y, idx, max_nodes, part, part_bad,
):  # pragma: no cover - compiled
    n_rep, batch = idx.shape
    n_chunks = part.shape[3]
    k = i // (n_rep * n_chunks)
    r = (i // n_chunks) % n_rep
    c = i % n_chunks
    lo = c * CHUNK
    hi = min(lo + CHUNK, batch)
    values = np.empty(max_nodes)
    out = np.empty(n_out)
    rows = idx[r]
    for wi in range(weights.size):
        s, failed = chunk_loss(node_off, act, in_start, in_end, edge_src, edge_w, out_pos, k,
                               n_in, weights[wi], x, y, rows, lo, hi, values, out, False)
        part[k, wi, r, c] = s
        part_bad[k, wi, r, c] = failed


@numba.njit(cache=True)
def _max_nodes(node_off):  # pragma: no cover - compiled
    m = 1
    for k in range(node_off.size - 1):
        m = max(m, node_off[k + 1] - node_off[k])
    return m


@numba.njit(parallel=True, cache=True)
def losses_parallel(
    node_off, act, in_start, in_end, edge_src, edge_w, out_pos, n_in, n_out,
    weights, x, y, idx, part, part_bad,
):  # pragma: no cover - compiled
    """Per-chunk loss sums of every (net, weight, repetition), one prange job per chunk."""
    max_nodes = _max_nodes(node_off)
    for i in prange(part.shape[0] * part.shape[2] * part.shape[3]):
        _job(i, node_off, act, in_start, in_end, edge_src, edge_w, out_pos, n_in, n_out,
             weights, x, y, idx, max_nodes, part, part_bad)


@numba.njit(cache=True)
def losses_serial(
    node_off, act, in_start, in_end, edge_src, edge_w, out_pos, n_in, n_out,
    weights, x, y, idx, part, part_bad,
):  # pragma: no cover - compiled
    """The same jobs as losses_parallel, one after another."""
    max_nodes = _max_nodes(node_off)
    for i in range(part.shape[0] * part.shape[2] * part.shape[3]):
        _job(i, node_off, act, in_start, in_end, edge_src, edge_w, out_pos, n_in, n_out,
             weights, x, y, idx, max_nodes, part, part_bad)


@numba.njit(cache=True)
def reduce_chunks(part, part_bad, batch, worst, returns, bad):  # pragma: no cover - compiled
    """returns = -(sum of chunk sums, in chunk order) / batch; worst where any chunk failed."""
    n_nets, n_w, n_rep, n_chunks = part.shape
    for k in range(n_nets):
        for wi in range(n_w):
            for r in range(n_rep):
                total = 0.0
                failed = False
                for c in range(n_chunks):
                    total += part[k, wi, r, c]
                    failed = failed or part_bad[k, wi, r, c]
                bad[k, wi, r] = failed
                returns[k, wi, r] = worst if failed else -total / batch


@numba.njit(parallel=True, cache=True)
def softmax_outputs(
    node_off, act, in_start, in_end, edge_src, edge_w, out_pos, k, n_in, n_out, weights, x, probs,
):  # pragma: no cover - compiled
    """probs[w, sample, class] = softmax of net k's outputs (NaN where they are not finite)."""
    n = x.shape[0]
    n_nodes = node_off[k + 1] - node_off[k]
    for i in prange(weights.size * n):
        wi = i // n
        s = i % n
        values = np.empty(max(1, n_nodes))
        out = np.empty(n_out)
        forward(node_off, act, in_start, in_end, edge_src, edge_w, out_pos, k, n_in, x[s],
                weights[wi], values, out)
        m = out[0]
        for o in range(1, n_out):
            if out[o] > m:
                m = out[o]
        z = 0.0
        for o in range(n_out):
            z += math.exp(out[o] - m)
        for o in range(n_out):
            probs[wi, s, o] = math.exp(out[o] - m) / z
