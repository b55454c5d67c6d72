"""Genomes as arrays, and the innovation registry.

A genome holds node genes and connection genes in parallel numpy arrays, never a Python
object per gene, so copying, hashing and compiling a genome stay cheap.
Node ids: 0 is the bias, 1..n_in the inputs, n_in+1..n_in+n_out the outputs, then hidden nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np

BIAS, INPUT, OUTPUT, HIDDEN = 0, 1, 2, 3


@dataclass
class Genome:
    """One network topology: node genes and connection genes."""

    n_in: int
    n_out: int
    node_id: np.ndarray  # int64
    node_kind: np.ndarray  # int8: BIAS, INPUT, OUTPUT, HIDDEN
    node_act: np.ndarray  # int8 activation ids
    conn_innov: np.ndarray  # int64
    conn_src: np.ndarray  # int64 node ids
    conn_dst: np.ndarray  # int64 node ids
    conn_enabled: np.ndarray  # bool
    conn_weight: np.ndarray  # float64; used only when a net is compiled with its own weights
    meta: dict = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return int(self.node_id.size)

    @property
    def n_hidden(self) -> int:
        return int(np.count_nonzero(self.node_kind == HIDDEN))

    @property
    def n_enabled(self) -> int:
        return int(np.count_nonzero(self.conn_enabled))

    def copy(self) -> Genome:
        return Genome(
            self.n_in,
            self.n_out,
            self.node_id.copy(),
            self.node_kind.copy(),
            self.node_act.copy(),
            self.conn_innov.copy(),
            self.conn_src.copy(),
            self.conn_dst.copy(),
            self.conn_enabled.copy(),
            self.conn_weight.copy(),
            dict(self.meta),
        )

    def key(self) -> bytes:
        """A hashable fingerprint of the structure (used to spot clones)."""
        order = np.argsort(self.conn_innov, kind="stable")
        parts = (
            self.node_id,
            self.node_act.astype(np.int64),
            self.conn_innov[order],
            self.conn_enabled[order].astype(np.int64),
        )
        return b"|".join(p.tobytes() for p in parts)


def io_nodes(n_in: int, n_out: int, output_act: int = 1) -> tuple[np.ndarray, ...]:
    """Node arrays holding only the bias, the inputs and the outputs."""
    n = 1 + n_in + n_out
    node_id = np.arange(n, dtype=np.int64)
    kind = np.empty(n, dtype=np.int8)
    kind[0] = BIAS
    kind[1 : 1 + n_in] = INPUT
    kind[1 + n_in :] = OUTPUT
    act = np.ones(n, dtype=np.int8)
    act[1 + n_in :] = output_act
    return node_id, kind, act


class InnovationRegistry:
    """Gives one innovation number to one structural change.

    Connections are numbered by (source, destination) for the whole run, so the same connection
    made twice, in one generation or in two, carries one number. Node splits are numbered per
    generation: splitting the same connection twice in one generation yields the same node id.

    Held in arrays that compiled breeding (`wann.breed`) reads and extends in place: `rows`
    [innovation] = (source, destination, innovation), an open-addressing hash table from
    (source, destination) to the innovation, the node each innovation was split into this
    generation (-1: none) with the split innovations in the order they were made, and the
    counters `ctr` = (next innovation, next node id, splits this generation).
    """

    def __init__(self, n_in: int, n_out: int) -> None:
        self.n_in = n_in
        self.n_out = n_out
        self._alloc(64, np.zeros((0, 3), np.int64))
        self.ctr = np.array([0, 1 + n_in + n_out, 0], dtype=np.int64)
        self.connections(*io_pairs(n_in, n_out))

    def _alloc(self, cap: int, rows: np.ndarray) -> None:
        """Room for `cap` connections (rows, splits) and a hash table at most half full."""
        n = rows.shape[0]
        self.rows = np.zeros((cap, 3), np.int64)
        self.rows[:n] = rows
        old_split = self.__dict__.get("split_of")
        self.split_of = np.full(cap, -1, np.int64)
        if old_split is not None:
            self.split_of[: old_split.size] = old_split
        if self.__dict__.get("split_keys") is None:
            self.split_keys = np.zeros(64, np.int64)
        bits = max(int(2 * cap - 1).bit_length(), 4)
        self.hkeys = np.full(1 << bits, -1, np.int64)
        self.hvals = np.zeros(1 << bits, np.int64)
        _rehash(self.rows, n, self.hkeys, self.hvals)

    def reserve(self, n_conn: int, n_split: int) -> None:
        """Make room for n_conn more connections and n_split more splits (before compiled
        breeding, which never reallocates)."""
        need = int(self.ctr[0]) + n_conn
        if need > self.rows.shape[0]:
            self._alloc(max(need, 2 * self.rows.shape[0]), self.rows[: self.ctr[0]])
        need = int(self.ctr[2]) + n_split
        if need > self.split_keys.size:
            keys = np.zeros(max(need, 2 * self.split_keys.size), np.int64)
            keys[: self.split_keys.size] = self.split_keys
            self.split_keys = keys

    @property
    def next_innov(self) -> int:
        return int(self.ctr[0])

    @property
    def next_node(self) -> int:
        return int(self.ctr[1])

    @property
    def conn(self) -> dict[tuple[int, int], int]:
        """(source, destination) -> innovation, as a dict (a copy, for inspection)."""
        rows = self.rows[: self.ctr[0]].tolist()
        return {(s, d): i for s, d, i in rows}

    @property
    def split(self) -> dict[int, int]:
        """This generation's splits, innovation -> node id, in the order they were made."""
        keys = self.split_keys[: self.ctr[2]].tolist()
        return {k: int(self.split_of[k]) for k in keys}

    def connection(self, src: int, dst: int) -> int:
        self.reserve(1, 0)
        return int(_connection(self.rows, self.hkeys, self.hvals, self.ctr, int(src), int(dst)))

    def connections(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """`connection` for each pair in order, in one compiled call (an MNIST genome's
        2,570 input-output pairs, 960 times at a search's start)."""
        src = np.ascontiguousarray(src, dtype=np.int64)
        dst = np.ascontiguousarray(dst, dtype=np.int64)
        self.reserve(src.size, 0)
        return _connections(self.rows, self.hkeys, self.hvals, self.ctr, src, dst)

    def split_node(self, innov: int, taken: np.ndarray) -> int:
        """Node id for splitting connection `innov`; fresh if the genome already holds that id."""
        innov = int(innov)
        node = int(self.split_of[innov])
        if node < 0 or np.any(taken == node):
            if node < 0:
                self.reserve(0, 1)
                self.split_keys[self.ctr[2]] = innov
                self.ctr[2] += 1
            node = int(self.ctr[1])
            self.ctr[1] += 1
            self.split_of[innov] = node
        return node

    def new_generation(self) -> None:
        n = int(self.ctr[2])
        self.split_of[self.split_keys[:n]] = -1
        self.ctr[2] = 0

    def state(self) -> dict:
        """The registry as plain data: `conn` is [[src, dst, innov], ...] in numbering order
        (an array view; the table only grows, so a snapshot never changes)."""
        return {
            "n_in": self.n_in,
            "n_out": self.n_out,
            "conn": self.rows[: self.ctr[0]],
            "split": [[k, v] for k, v in self.split.items()],
            "next_innov": self.next_innov,
            "next_node": self.next_node,
        }

    @classmethod
    def from_state(cls, st: dict) -> InnovationRegistry:
        reg = cls.__new__(cls)
        reg.n_in, reg.n_out = st["n_in"], st["n_out"]
        rows = np.asarray(st["conn"], dtype=np.int64).reshape(-1, 3)
        if not np.array_equal(rows[:, 2], np.arange(rows.shape[0])):
            raise ValueError("registry rows must be numbered 0, 1, ... in order")
        reg.split_keys = None  # type: ignore[assignment]
        reg._alloc(max(64, rows.shape[0]), rows)
        split = [(int(k), int(v)) for k, v in st["split"]]
        reg.ctr = np.zeros(3, np.int64)
        reg.reserve(0, len(split))
        for j, (k, v) in enumerate(split):
            reg.split_of[k] = v
            reg.split_keys[j] = k
        reg.ctr = np.array([st["next_innov"], st["next_node"], len(split)], dtype=np.int64)
        return reg


@numba.njit(cache=True, inline="always")
def _slot(key, mask):  # pragma: no cover - compiled
    """First probe of a (src, dst) key: Fibonacci hashing of its 64 bits."""
    h = np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)
    return np.int64((h >> np.uint64(20)) & np.uint64(mask))


@numba.njit(cache=True)
def _rehash(rows, n, hkeys, hvals):  # pragma: no cover - compiled
    mask = hkeys.size - 1
    for i in range(n):
        key = (rows[i, 0] << 32) | rows[i, 1]
        h = _slot(key, mask)
        while hkeys[h] != -1:
            h = (h + 1) & mask
        hkeys[h] = key
        hvals[h] = rows[i, 2]


@numba.njit(cache=True)
def _connection(rows, hkeys, hvals, ctr, src, dst):  # pragma: no cover - compiled
    """The innovation of (src, dst), numbered next if new (room reserved by the caller)."""
    key = (src << 32) | dst
    mask = hkeys.size - 1
    h = _slot(key, mask)
    while hkeys[h] != -1:
        if hkeys[h] == key:
            return hvals[h]
        h = (h + 1) & mask
    innov = ctr[0]
    hkeys[h] = key
    hvals[h] = innov
    rows[innov, 0] = src
    rows[innov, 1] = dst
    rows[innov, 2] = innov
    ctr[0] = innov + 1
    return innov


@numba.njit(cache=True)
def _connections(rows, hkeys, hvals, ctr, src, dst):  # pragma: no cover - compiled
    out = np.empty(src.size, np.int64)
    for i in range(src.size):
        out[i] = _connection(rows, hkeys, hvals, ctr, src[i], dst[i])
    return out


def io_pairs(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """(sources, destinations) of every bias/input to output connection, source-major."""
    src = np.repeat(np.arange(1 + n_in, dtype=np.int64), n_out)
    dst = np.tile(np.arange(1 + n_in, 1 + n_in + n_out, dtype=np.int64), 1 + n_in)
    return src, dst


def initial_genome(
    n_in: int,
    n_out: int,
    registry: InnovationRegistry,
    rng: np.random.Generator,
    p_enable: float,
    output_act: int = 1,
) -> Genome:
    """Every bias/input to output connection exists, each enabled with probability p_enable."""
    node_id, kind, act = io_nodes(n_in, n_out, output_act)
    src, dst = io_pairs(n_in, n_out)
    innov = registry.connections(src, dst)
    enabled = rng.random(src.size) < p_enable
    weight = np.ones(src.size, dtype=np.float64)
    return Genome(n_in, n_out, node_id, kind, act, innov, src, dst, enabled, weight)


def from_dense(
    layer_sizes: list[int],
    weights: np.ndarray | None = None,
    hidden_act: int = 5,
    output_act: int = 1,
) -> Genome:
    """A fully connected layered network as a genome; layer_sizes = [n_in, h1, ..., n_out].

    The bias node feeds every hidden and output node, so a 5-10-1 net has 71 connections.
    """
    n_in, n_out = layer_sizes[0], layer_sizes[-1]
    hidden = layer_sizes[1:-1]
    node_id, kind, act = io_nodes(n_in, n_out, output_act)
    next_id = 1 + n_in + n_out
    layers: list[np.ndarray] = [np.arange(1, 1 + n_in, dtype=np.int64)]
    h_ids: list[int] = []
    for size in hidden:
        ids = np.arange(next_id, next_id + size, dtype=np.int64)
        next_id += size
        layers.append(ids)
        h_ids.extend(ids.tolist())
    layers.append(np.arange(1 + n_in, 1 + n_in + n_out, dtype=np.int64))
    src_l: list[np.ndarray] = []
    dst_l: list[np.ndarray] = []
    for a, b in zip(layers[:-1], layers[1:]):
        srcs = np.concatenate([[0], a])
        src_l.append(np.repeat(srcs, b.size))
        dst_l.append(np.tile(b, srcs.size))
    src = np.concatenate(src_l).astype(np.int64)
    dst = np.concatenate(dst_l).astype(np.int64)
    m = src.size
    w = np.ones(m) if weights is None else np.asarray(weights, dtype=np.float64).copy()
    if w.shape != (m,):
        raise ValueError(f"dense net {layer_sizes} has {m} weights, got {w.shape}")
    return Genome(
        n_in,
        n_out,
        np.concatenate([node_id, np.array(h_ids, dtype=np.int64)]),
        np.concatenate([kind, np.full(len(h_ids), HIDDEN, dtype=np.int8)]),
        np.concatenate([act, np.full(len(h_ids), hidden_act, dtype=np.int8)]),
        np.arange(m, dtype=np.int64),
        src,
        dst,
        np.ones(m, dtype=bool),
        w,
    )


def node_index(genome: Genome, ids: np.ndarray) -> np.ndarray:
    """Positions in the node arrays of the given node ids (vectorised: genomes of classification
    tasks have thousands of connections). ValueError on an id that is not a node."""
    ids = np.asarray(ids, dtype=np.int64)
    order = np.argsort(genome.node_id, kind="stable")
    sorted_ids = genome.node_id[order]
    pos = np.minimum(np.searchsorted(sorted_ids, ids), max(sorted_ids.size - 1, 0))
    if sorted_ids.size == 0 or not np.array_equal(sorted_ids[pos], ids):
        bad = ids[sorted_ids[pos] != ids] if sorted_ids.size else ids
        raise ValueError(f"connection to unknown node {int(bad[0])}")
    return order[pos].astype(np.int64)


def topological_order(genome: Genome) -> np.ndarray:
    """Indices (into the node arrays) of all nodes in an order where every edge goes forward.

    All connections count, enabled or not, so re-enabling one can never close a cycle.
    Raises ValueError on a cycle or on an edge whose end is not a node of the genome.
    """
    n = genome.n_nodes
    src = node_index(genome, genome.conn_src)
    dst = node_index(genome, genome.conn_dst)
    indeg = np.bincount(dst, minlength=n).tolist()
    children: list[list[int]] = [[] for _ in range(n)]
    for s, d in zip(src.tolist(), dst.tolist()):
        children[s].append(d)
    # Bias and inputs first, in id order, then Kahn's algorithm by node index.
    ready = [i for i in range(n) if indeg[i] == 0]
    order: list[int] = []
    head = 0
    while head < len(ready):
        i = ready[head]
        head += 1
        order.append(i)
        for c in children[i]:
            indeg[c] -= 1
            if indeg[c] == 0:
                ready.append(c)
    if len(order) != n:
        raise ValueError("the connections form a cycle")
    return np.array(order, dtype=np.int64)


def validate(genome: Genome) -> None:
    """Check the invariants every genome must satisfy; raise ValueError naming the first broken one."""
    g = genome
    n_io = 1 + g.n_in + g.n_out
    arrays = (g.node_id, g.node_kind, g.node_act)
    if len({a.size for a in arrays}) != 1:
        raise ValueError("node arrays differ in length")
    carrays = (g.conn_innov, g.conn_src, g.conn_dst, g.conn_enabled, g.conn_weight)
    if len({a.size for a in carrays}) != 1:
        raise ValueError("connection arrays differ in length")
    if g.n_nodes < n_io or not np.array_equal(g.node_id[:n_io], np.arange(n_io)):
        raise ValueError("bias, inputs and outputs must be the first nodes, ids 0..n_in+n_out")
    if np.unique(g.node_id).size != g.n_nodes:
        raise ValueError("duplicate node ids")
    kinds = g.node_kind
    if kinds[0] != BIAS or np.any(kinds[1 : 1 + g.n_in] != INPUT):
        raise ValueError("node kinds do not match the bias/input layout")
    if np.any(kinds[1 + g.n_in : n_io] != OUTPUT) or np.any(kinds[n_io:] != HIDDEN):
        raise ValueError("node kinds do not match the output/hidden layout")
    if np.any((g.node_act < 1) | (g.node_act > 11)):
        raise ValueError("activation id outside 1..11")
    kind_of = dict(zip(g.node_id.tolist(), kinds.tolist()))
    for s, d in zip(g.conn_src.tolist(), g.conn_dst.tolist()):
        if s not in kind_of or d not in kind_of:
            raise ValueError(f"connection {s}->{d} names a node that does not exist")
        if kind_of[s] == OUTPUT or kind_of[d] in (BIAS, INPUT):
            raise ValueError(f"connection {s}->{d} has an invalid end")
        if s == d:
            raise ValueError(f"self-connection on node {s}")
    pairs = g.conn_src * (int(g.node_id.max()) + 1) + g.conn_dst
    if np.unique(pairs).size != pairs.size:
        raise ValueError("two connections share a (source, destination)")
    if np.unique(g.conn_innov).size != g.conn_innov.size:
        raise ValueError("duplicate innovation numbers")
    topological_order(g)
