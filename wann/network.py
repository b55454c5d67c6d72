"""Compiling genomes to flat arrays and the numba forward pass.

`compile_genome` runs once per genome per generation. A whole population is packed into one
`NetBatch` (concatenated arrays plus offsets), which is what evaluators receive: compact to
send to workers and directly usable by compiled kernels.

With a shared weight w every edge weight is 1 and a node's input sum is scaled by w, so one
kernel serves shared-weight, per-connection-weight (w = 1) and dense networks alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numba
import numpy as np

from wann.activations import apply
from wann.genome import Genome
from wann.netcompile import CYCLE, UNKNOWN_NODE, compile_arrays, compile_many
from wann.population import Population


class NetBatch(NamedTuple):
    """Many compiled nets in flat arrays. Node positions and edge sources are net-local.

    Within a net, positions 0..n_in hold the bias and the inputs; the rest follow in
    topological order.
    """

    n_in: int
    n_out: int
    node_off: np.ndarray  # int64[n_nets + 1]
    act: np.ndarray  # int64[total_nodes]
    in_start: np.ndarray  # int64[total_nodes], global edge index
    in_end: np.ndarray  # int64[total_nodes]
    edge_src: np.ndarray  # int64[total_edges], net-local node position
    edge_w: np.ndarray  # float64[total_edges]
    out_pos: np.ndarray  # int64[n_nets, n_out], net-local node position
    n_conn: np.ndarray  # int64[n_nets], enabled connections

    @property
    def n_nets(self) -> int:
        return int(self.node_off.size - 1)

    @property
    def max_nodes(self) -> int:
        return int(np.max(np.diff(self.node_off))) if self.n_nets else 0

    def select(self, idx: Sequence[int]) -> NetBatch:
        """A batch of a subset of the nets (used to send sub-batches to workers)."""
        return pack_batches([self], [list(idx)])


def compile_genome(genome: Genome, use_weights: bool = False) -> NetBatch:
    """One genome as a batch of one net. Edge weights are 1 unless use_weights is set.

    Node positions follow `topological_order`; the work is one compiled call
    (`wann.netcompile`), since this runs for every genome of every generation.
    """
    g = genome
    status, detail, act, start, end, src, w, outs = compile_arrays(
        g.node_id, g.node_kind, g.node_act, g.conn_src, g.conn_dst, g.conn_enabled,
        np.asarray(g.conn_weight, dtype=np.float64), g.n_in, use_weights,
    )
    if status == UNKNOWN_NODE:
        raise ValueError(f"connection to unknown node {int(detail)}")
    if status == CYCLE:
        raise ValueError("the connections form a cycle")
    if act.size != g.n_nodes or outs.size != g.n_out:
        raise ValueError("a genome's first nodes must be the bias and its inputs")
    return NetBatch(
        n_in=g.n_in,
        n_out=g.n_out,
        node_off=np.array([0, g.n_nodes], dtype=np.int64),
        act=act,
        in_start=start,
        in_end=end,
        edge_src=src,
        edge_w=w,
        out_pos=outs.reshape(1, g.n_out),
        n_conn=np.array([src.size], dtype=np.int64),
    )


def pack_batches(batches: Sequence[NetBatch], picks: Sequence[Sequence[int]] | None = None) -> NetBatch:
    """Concatenate batches (optionally only the nets `picks[b]` of batch b) into one."""
    if not batches:
        raise ValueError("no nets to pack")
    n_in, n_out = batches[0].n_in, batches[0].n_out
    acts, starts, ends, srcs, ws, outs, conns, sizes = [], [], [], [], [], [], [], []
    edge_base = 0
    for b, batch in enumerate(batches):
        if (batch.n_in, batch.n_out) != (n_in, n_out):
            raise ValueError("nets in one batch must share input and output sizes")
        idx = range(batch.n_nets) if picks is None else picks[b]
        for k in idx:
            lo, hi = batch.node_off[k], batch.node_off[k + 1]
            e_lo = batch.in_start[lo] if hi > lo else 0
            e_hi = batch.in_end[hi - 1] if hi > lo else 0
            acts.append(batch.act[lo:hi])
            starts.append(batch.in_start[lo:hi] - e_lo + edge_base)
            ends.append(batch.in_end[lo:hi] - e_lo + edge_base)
            srcs.append(batch.edge_src[e_lo:e_hi])
            ws.append(batch.edge_w[e_lo:e_hi])
            outs.append(batch.out_pos[k])
            conns.append(batch.n_conn[k])
            sizes.append(hi - lo)
            edge_base += e_hi - e_lo
    return NetBatch(
        n_in=n_in,
        n_out=n_out,
        node_off=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        act=np.concatenate(acts).astype(np.int64),
        in_start=np.concatenate(starts).astype(np.int64),
        in_end=np.concatenate(ends).astype(np.int64),
        edge_src=np.concatenate(srcs).astype(np.int64),
        edge_w=np.concatenate(ws).astype(np.float64),
        out_pos=np.array(outs, dtype=np.int64).reshape(len(outs), n_out),
        n_conn=np.array(conns, dtype=np.int64),
    )


def compile_population(genomes: Sequence[Genome], use_weights: bool = False) -> NetBatch:
    """Compile every genome once and pack them into one batch: one compiled call for the whole
    population (the same arrays as packing each `compile_genome`, without a Python step and a
    small batch per genome: a GPU run does this every generation)."""
    if not genomes:
        raise ValueError("no nets to pack")
    pop = Population.from_genomes(genomes)  # a search's generation is one already
    if not pop.uniform_sizes():
        raise ValueError("nets in one batch must share input and output sizes")
    n_in, n_out, node_off = pop.n_in, pop.n_out, pop.node_off
    failed, act, start, end, src, w, outs, n_conn = compile_many(
        node_off, pop.node_id, pop.node_kind, pop.node_act, pop.conn_off, pop.conn_src,
        pop.conn_dst, pop.conn_enabled, pop.conn_weight, n_in, n_out, use_weights,
    )
    if failed >= 0:
        compile_genome(genomes[failed], use_weights)  # raises the genome's own error
        raise ValueError(f"genome {failed} of the population does not compile")
    return NetBatch(n_in=n_in, n_out=n_out, node_off=node_off, act=act, in_start=start,
                    in_end=end, edge_src=src, edge_w=w, out_pos=outs, n_conn=n_conn)


@numba.njit(cache=True, inline="always")
def forward(
    node_off: np.ndarray,
    act: np.ndarray,
    in_start: np.ndarray,
    in_end: np.ndarray,
    edge_src: np.ndarray,
    edge_w: np.ndarray,
    out_pos: np.ndarray,
    k: int,
    n_in: int,
    obs: np.ndarray,
    w: float,
    values: np.ndarray,
    out: np.ndarray,
    unit: bool = False,
) -> None:
    """Activate net k of a batch on one observation; `values` is scratch of >= its node count.

    With `unit` the edge weights are taken as 1 and not read. A search's nets have only
    weights of 1 (the shared weight scales each node's sum), and the GPU kernel, compiled with
    `unit` a constant, then saves a load and a multiply per edge; x * 1.0 is x, so the values
    are the same."""
    base = node_off[k]
    n = node_off[k + 1] - base
    values[0] = 1.0
    for i in range(n_in):
        values[1 + i] = obs[i]
    for i in range(1 + n_in, n):
        s = 0.0
        for e in range(in_start[base + i], in_end[base + i]):
            if unit:
                s += values[edge_src[e]]
            else:
                s += values[edge_src[e]] * edge_w[e]
        values[i] = apply(act[base + i], w * s)
    for o in range(out.size):
        out[o] = values[out_pos[k, o]]


@numba.njit(cache=True, inline="always")
def choose_action(out: np.ndarray, action: np.ndarray, low: np.ndarray, high: np.ndarray,
                  discrete: bool) -> int:
    """-1 where an output is NaN or infinite; else the argmax of the outputs (a discrete
    action) or 0, with the outputs clipped to [low, high] written to `action` (continuous).
    One definition for every backend: the CPU kernels call it, the CUDA kernel compiles it
    for the device from the same source."""
    for o in range(out.size):
        if math.isinf(out[o]) or math.isnan(out[o]):
            return -1
    if discrete:
        best = 0
        for o in range(1, out.size):
            if out[o] > out[best]:
                best = o
        return best
    for o in range(out.size):
        action[o] = min(max(out[o], low[o]), high[o])
    return 0


@numba.njit(cache=True)
def _forward_many(
    node_off, act, in_start, in_end, edge_src, edge_w, out_pos, k, n_in, obs, w, out
):  # pragma: no cover - compiled
    values = np.empty(node_off[k + 1] - node_off[k])
    for b in range(obs.shape[0]):
        forward(
            node_off, act, in_start, in_end, edge_src, edge_w, out_pos, k, n_in, obs[b], w,
            values, out[b],
        )


def activate(batch: NetBatch, k: int, obs: np.ndarray, w: float = 1.0) -> np.ndarray:
    """Outputs of net k for one observation (shape [n_in]) or many (shape [B, n_in])."""
    x = np.ascontiguousarray(obs, dtype=np.float64)
    many = np.atleast_2d(x)
    if many.shape[1] != batch.n_in:
        raise ValueError(f"net takes {batch.n_in} inputs, got {many.shape[1]}")
    out = np.empty((many.shape[0], batch.n_out))
    _forward_many(*kernel_args(batch), k, batch.n_in, many, float(w), out)
    return out if x.ndim == 2 else out[0]


def kernel_args(batch: NetBatch) -> tuple[np.ndarray, ...]:
    """The arrays the compiled kernels take, in their order."""
    return (
        batch.node_off,
        batch.act,
        batch.in_start,
        batch.in_end,
        batch.edge_src,
        batch.edge_w,
        batch.out_pos,
    )
