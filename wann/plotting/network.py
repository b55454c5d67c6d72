"""Drawing a network: nodes in columns by depth, inputs left, outputs right.

Depth counts enabled connections only (what the network computes); a hidden node sits one
column right of its deepest enabled source. Within a column, nodes are ordered by the mean
height of their neighbours (a few barycentre sweeps), which keeps crossings few enough that a
200-connection network stays legible. Connections spanning several columns bend, so they do
not run through the nodes they skip.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from wann.activations import NAMES
from wann.genome import BIAS, HIDDEN, INPUT, OUTPUT, Genome, topological_order
from wann.plotting.data import io_names

ABBREV = {1: "lin", 2: "step", 3: "sin", 4: "gau", 5: "tanh", 6: "sig", 7: "inv", 8: "abs",
          9: "relu", 10: "cos", 11: "sq"}
ACT_COLORS = {1: "#cfcfcf", 2: "#8c564b", 3: "#1f77b4", 4: "#2ca02c", 5: "#d62728",
              6: "#9467bd", 7: "#e377c2", 8: "#bcbd22", 9: "#17becf", 10: "#ff7f0e",
              11: "#7f7f7f"}
IO_COLOR = "#f2f2f2"


@dataclass
class Layout:
    """Where each node goes, and the enabled connections to draw."""

    node_id: np.ndarray
    x: np.ndarray  # column (depth)
    y: np.ndarray
    edges: np.ndarray  # [n_enabled, 2] node indices (source, destination)
    labels: dict[int, str]  # node index -> text beside inputs, bias and outputs

    def index(self, node_id: int) -> int:
        return int(np.flatnonzero(self.node_id == node_id)[0])


def depths(g: Genome) -> np.ndarray:
    """Column of every node: 0 for bias and inputs, the last column for all outputs."""
    idx = {int(n): i for i, n in enumerate(g.node_id)}
    en = g.conn_enabled
    src = np.array([idx[int(s)] for s in g.conn_src[en]], dtype=np.int64)
    dst = np.array([idx[int(d)] for d in g.conn_dst[en]], dtype=np.int64)
    d = np.zeros(g.n_nodes, dtype=np.int64)
    hidden = g.node_kind == HIDDEN
    d[hidden] = 1
    for i in topological_order(g):
        incoming = src[dst == i]
        if incoming.size and g.node_kind[i] == HIDDEN:
            d[i] = max(1, int(d[incoming].max()) + 1)
    last = int(d[hidden].max()) + 1 if hidden.any() else 1
    d[g.node_kind == OUTPUT] = last
    return d


def _height(y: np.ndarray, first: list, second: list, i: int) -> float:
    """Mean height of node i's neighbours on the side just placed (else the other side)."""
    nb = first[i] if first[i].size else second[i]
    return float(y[nb].mean()) if nb.size else float(y[i])


def layout(g: Genome, task: str | None = None, sweeps: int = 8) -> Layout:
    """Node positions: inputs in the task's order with the bias last, outputs in order,
    hidden columns ordered by their neighbours' mean height."""
    idx = {int(n): i for i, n in enumerate(g.node_id)}
    en = g.conn_enabled
    edges = np.array([[idx[int(s)], idx[int(d)]] for s, d in zip(g.conn_src[en], g.conn_dst[en])],
                     dtype=np.int64).reshape(-1, 2)
    x = depths(g).astype(float)
    n_cols = int(x.max()) + 1
    kind = g.node_kind
    inputs = list(np.flatnonzero(kind == INPUT)) + list(np.flatnonzero(kind == BIAS))
    outputs = list(np.flatnonzero(kind == OUTPUT))
    columns = [[] for _ in range(n_cols)]
    columns[0], columns[-1] = inputs, outputs
    for i in np.flatnonzero(kind == HIDDEN):
        columns[int(x[i])].append(int(i))
    y = np.zeros(g.n_nodes)

    def place(col: list[int]) -> None:
        # Top to bottom, centred on 0; one unit apart.
        for rank, i in enumerate(col):
            y[i] = (len(col) - 1) / 2 - rank

    for col in columns:
        place(col)
    nbrs_in = [edges[edges[:, 1] == i, 0] for i in range(g.n_nodes)]
    nbrs_out = [edges[edges[:, 0] == i, 1] for i in range(g.n_nodes)]
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        cols = range(1, n_cols - 1) if forward else range(n_cols - 2, 0, -1)
        first, second = (nbrs_in, nbrs_out) if forward else (nbrs_out, nbrs_in)
        for c in cols:
            columns[c] = sorted(columns[c], key=lambda i, a=first, b=second: -_height(y, a, b, i))
            place(columns[c])
    ins, outs = io_names(task, g.n_in, g.n_out)
    labels = {int(i): name for i, name in zip(np.flatnonzero(kind == INPUT), ins)}
    labels[int(np.flatnonzero(kind == BIAS)[0])] = "bias"
    labels.update({int(i): name for i, name in zip(outputs, outs)})
    return Layout(g.node_id.copy(), x, y, edges, labels)


def edge_paths(lay: Layout, points: int = 20) -> list[np.ndarray]:
    """One polyline per enabled connection: straight to the next column, bent beyond it."""
    paths = []
    t = np.linspace(0.0, 1.0, points)[:, None]
    for k, (s, d) in enumerate(lay.edges):
        p0 = np.array([lay.x[s], lay.y[s]])
        p2 = np.array([lay.x[d], lay.y[d]])
        span = lay.x[d] - lay.x[s]
        if span <= 1:
            paths.append(np.vstack([p0, p2]))
            continue
        # A quadratic Bezier bowed sideways, alternating direction to spread bundles.
        mid = (p0 + p2) / 2
        direction = p2 - p0
        normal = np.array([-direction[1], direction[0]]) / np.hypot(*direction)
        bow = 0.18 * span * (1 if k % 2 == 0 else -1)
        p1 = mid + bow * normal
        paths.append((1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2)
    return paths


def network_figure(g: Genome, task: str | None = None, title: str | None = None) -> Figure:
    """The genome with enabled connections only; hidden nodes coloured and marked with their
    activation; inputs, bias and outputs labelled with the task's names."""
    lay = layout(g, task)
    n_cols = int(lay.x.max()) + 1
    tallest = max(np.sum(lay.x == c) for c in range(n_cols))
    width = min(3.0 + 0.85 * n_cols, 20.0)
    height = min(max(4.5, 0.42 * tallest + 1.8), 24.0)
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    paths = edge_paths(lay)
    lw = 1.1 if len(paths) < 60 else 0.8 if len(paths) < 150 else 0.6
    lines = LineCollection(paths, colors="#555555", linewidths=lw, alpha=0.45, zorder=1)
    lines.set_gid("connections")
    ax.add_collection(lines)
    kind = g.node_kind
    connected = np.zeros(g.n_nodes, dtype=bool)
    connected[lay.edges.ravel()] = True
    io = kind != HIDDEN
    ax.scatter(lay.x[io], lay.y[io], s=170, marker="s", c=IO_COLOR, edgecolors="#333333",
               linewidths=1.0, zorder=3).set_gid("io_nodes")
    hid = np.flatnonzero(kind == HIDDEN)
    colors = [ACT_COLORS.get(int(a), "#cccccc") for a in g.node_act[hid]]
    alpha = np.where(connected[hid], 1.0, 0.3)
    pts = ax.scatter(lay.x[hid], lay.y[hid], s=300, c=colors, edgecolors="#333333",
                     linewidths=0.8, zorder=3)
    if hid.size:
        pts.set_alpha(alpha)  # hidden nodes with no enabled connection are drawn faint
    pts.set_gid("hidden_nodes")
    fs = 6.5 if tallest < 30 else 5.5
    for i in hid:
        a = int(g.node_act[i])
        dark = a in (2, 3, 5, 6, 11)
        ax.text(lay.x[i], lay.y[i], ABBREV.get(a, str(a)), ha="center", va="center",
                fontsize=fs, color="white" if dark else "black", zorder=4, gid="act_label")
    for i, name in lay.labels.items():
        left = kind[i] in (BIAS, INPUT)
        ax.text(lay.x[i] + (-0.14 if left else 0.14), lay.y[i], name,
                ha="right" if left else "left", va="center", fontsize=9, gid="io_label")
    ax.set_xlim(-0.9, n_cols - 1 + 0.9)
    pad = 0.7
    ax.set_ylim(lay.y.min() - pad, lay.y.max() + pad)
    ax.set_axis_off()
    used = sorted({int(a) for a in g.node_act[hid]})
    handles = [Line2D([], [], marker="o", ls="", ms=8, markerfacecolor=ACT_COLORS[a],
                      markeredgecolor="#333333", label=f"{ABBREV[a]} = {NAMES[a]}")
               for a in used]
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6),
                   fontsize=8, frameon=False)
    n_hidden = int(hid.size)
    depth = n_cols - 1
    ax.set_title(title or f"{g.n_enabled} connections, {n_hidden} hidden nodes, "
                          f"{depth} layer{'s' if depth != 1 else ''} deep")
    return fig
