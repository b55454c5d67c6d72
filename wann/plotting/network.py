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
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

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


# Sizes in inches: the drawing is laid out at a fixed scale, so the routing below knows
# exactly how far an edge passes from each node and where the arrowheads must stop.
COL_IN, ROW_IN = 0.85, 0.42  # preferred distance between columns, between rows
MAX_W_IN, MAX_H_IN = 20.0, 24.0
NODE_R_IN = {True: 0.125, False: 0.095}  # marker radius: hidden circle, input/output square
CLEAR_IN = 0.07  # an edge passes at least this far outside any node it does not connect
X_SLACK_IN = 0.12  # and reach at most this far left of their source or right of their target
BAND = 1.2  # edges may bow this many rows beyond the outermost nodes, no further
RADS = (0.0, 0.04, 0.08, 0.12, 0.17, 0.23, 0.3, 0.4, 0.5, 0.65, 0.8)
TITLE_FS, LABEL_FS, LEGEND_FS = 10.5, 9.0, 8.0
CHAR_IN = {LABEL_FS: 0.075, TITLE_FS: 0.085}  # generous mean glyph widths
TOP_IN, LEGEND_ROW_IN = 0.45, 0.24


@dataclass
class Scale:
    """Inches per column (sx) and per row (sy) of the drawing."""

    sx: float
    sy: float


def arc_points(p0: np.ndarray, p2: np.ndarray, rad: float, points: int = 48) -> np.ndarray:
    """matplotlib's arc3 curve (a quadratic Bezier, control point mid + rad * (dy, -dx))."""
    d = p2 - p0
    p1 = (p0 + p2) / 2 + rad * np.array([d[1], -d[0]])
    t = np.linspace(0.0, 1.0, points)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2


def _best_rad(p0: np.ndarray, p2: np.ndarray, others: np.ndarray, r_other: np.ndarray,
              lo: float, hi: float, toward: float) -> tuple[float, float]:
    """The smallest |rad| whose arc clears all `others` within [lo, hi] (else the clearest),
    and its clearance in inches."""
    best, best_gap = 0.0, -np.inf
    for r in RADS:
        for sign in ((1.0,) if r == 0 else (toward, -toward)):
            pts = arc_points(p0, p2, sign * r)
            if (pts[:, 1].min() < lo - 1e-9 or pts[:, 1].max() > hi + 1e-9
                    or pts[:, 0].min() < p0[0] - X_SLACK_IN
                    or pts[:, 0].max() > p2[0] + X_SLACK_IN):
                continue  # out of the band, or back over the labels / past the target
            gap = np.inf
            if others.size:
                dist = np.hypot(pts[:, None, 0] - others[None, :, 0],
                                pts[:, None, 1] - others[None, :, 1])
                gap = float((dist.min(axis=0) - r_other).min())
            if gap > best_gap:
                best, best_gap = sign * r, gap
            if gap >= 0:
                return best, best_gap
    return best, best_gap


def route(lay: Layout, hidden: np.ndarray, scale: Scale) -> np.ndarray:
    """The arc3 `rad` of each edge: the straightest curve that keeps clear of every node it
    does not connect and stays between its own columns, bowing toward the middle first;
    within a band near the nodes if it can, over (or under) them all if it must."""
    s = np.array([scale.sx, scale.sy])
    pos = np.column_stack([lay.x, lay.y]) * s  # inches
    radius = np.where(hidden, NODE_R_IN[True], NODE_R_IN[False]) + CLEAR_IN
    lo, hi = (lay.y.min() - BAND) * scale.sy, (lay.y.max() + BAND) * scale.sy
    wide = (lay.y.max() - lay.y.min() + 2 * BAND) * scale.sy
    centre = (lo + hi) / 2
    rads = np.zeros(len(lay.edges))
    for k, (a, b) in enumerate(lay.edges):
        p0, p2 = pos[a], pos[b]
        near = (lay.x >= lay.x[a]) & (lay.x <= lay.x[b])
        near[[a, b]] = False
        toward = 1.0 if (p0[1] + p2[1]) / 2 > centre else -1.0  # rad > 0 bows down
        rad, gap = _best_rad(p0, p2, pos[near], radius[near], lo, hi, toward)
        if gap < 0:
            wider, wide_gap = _best_rad(p0, p2, pos[near], radius[near], lo - wide, hi + wide,
                                        toward)
            if wide_gap > gap:
                rad = wider
        rads[k] = rad
    return rads


def edge_paths(lay: Layout, rads: np.ndarray, scale: Scale, points: int = 48) -> list[np.ndarray]:
    """One polyline per enabled connection in data coordinates, centre to centre, along the
    curve the figure draws."""
    s = np.array([scale.sx, scale.sy])
    paths = []
    for (a, b), r in zip(lay.edges, rads):
        p0 = np.array([lay.x[a], lay.y[a]]) * s
        p2 = np.array([lay.x[b], lay.y[b]]) * s
        paths.append(arc_points(p0, p2, float(r), points) / s)
    return paths


def _legend_label(act: int) -> str:
    """'lin = linear', but plain 'cos' where the short name is the name."""
    short, name = ABBREV[act], NAMES[act]
    return name if short == name else f"{short} = {name}"


def _text_in(text: str, size: float) -> float:
    return len(text) * CHAR_IN.get(size, 0.085 * size / TITLE_FS)


def network_figure(g: Genome, task: str | None = None, title: str | None = None) -> Figure:
    """The genome with enabled connections only, as arrows from source to destination;
    hidden nodes coloured and marked with their activation; inputs, bias and outputs
    labelled with the task's names. Laid out at a fixed scale so that nothing (arcs, labels,
    title, legend) leaves the frame."""
    lay = layout(g, task)
    kind = g.node_kind
    hidden = kind == HIDDEN
    hid = np.flatnonzero(hidden)
    n_cols = int(lay.x.max()) + 1
    left_in = 0.3 + max((_text_in(t, LABEL_FS) for i, t in lay.labels.items()
                         if kind[i] in (BIAS, INPUT)), default=0.0)
    right_in = 0.3 + max((_text_in(t, LABEL_FS) for i, t in lay.labels.items()
                          if kind[i] == OUTPUT), default=0.0)
    sx = min(COL_IN, (MAX_W_IN - left_in - right_in) / (n_cols - 1))
    span_rows = float(lay.y.max() - lay.y.min()) + 2 * BAND
    sy = min(ROW_IN, (MAX_H_IN - 2.0) / max(span_rows, 1.0))
    scale = Scale(sx, sy)
    rads = route(lay, hidden, scale)
    paths = edge_paths(lay, rads, scale)
    ys = np.concatenate([lay.y] + [p[:, 1] for p in paths])
    y_lo, y_hi = float(ys.min()) - 0.55, float(ys.max()) + 0.55

    used = sorted({int(a) for a in g.node_act[hid]})
    n_hidden = int(hid.size)
    depth = n_cols - 1
    title = title or (f"{g.n_enabled} connections, {n_hidden} hidden nodes, "
                      f"{depth} layer{'s' if depth != 1 else ''} deep")
    ax_w = left_in + sx * (n_cols - 1) + right_in
    fig_w = max(ax_w, _text_in(title, TITLE_FS) + 0.4, 3.2)
    ncol = min(len(used), max(1, int(fig_w / 1.45)), 6)
    legend_in = (LEGEND_ROW_IN * -(-len(used) // ncol) + 0.12) if used else 0.1
    ax_h = sy * (y_hi - y_lo)
    fig_h = ax_h + TOP_IN + legend_in
    fig = Figure(figsize=(fig_w, fig_h))
    ax = fig.add_axes((((fig_w - ax_w) / 2) / fig_w, legend_in / fig_h, ax_w / fig_w, ax_h / fig_h))
    ax.set_xlim(-left_in / sx, n_cols - 1 + right_in / sx)
    ax.set_ylim(y_lo, y_hi)
    ax.set_axis_off()

    lw = 1.0 if len(paths) < 60 else 0.8 if len(paths) < 150 else 0.6
    head = 7.0 if len(paths) < 150 else 5.5
    for (a, b), r in zip(lay.edges, rads):
        arrow = FancyArrowPatch(
            (lay.x[a], lay.y[a]), (lay.x[b], lay.y[b]), connectionstyle=f"arc3,rad={r:.4f}",
            arrowstyle="-|>,head_length=0.55,head_width=0.22", mutation_scale=head,
            shrinkA=NODE_R_IN[bool(hidden[a])] * 72, shrinkB=NODE_R_IN[bool(hidden[b])] * 72 + 1,
            color="#555555", lw=lw, alpha=0.55, zorder=1, gid="connection",
        )
        ax.add_patch(arrow)
    connected = np.zeros(g.n_nodes, dtype=bool)
    connected[lay.edges.ravel()] = True
    io = ~hidden
    side = 2 * NODE_R_IN[False] * 72
    ax.scatter(lay.x[io], lay.y[io], s=side**2, marker="s", c=IO_COLOR, edgecolors="#333333",
               linewidths=1.0, zorder=3).set_gid("io_nodes")
    colors = [ACT_COLORS.get(int(a), "#cccccc") for a in g.node_act[hid]]
    diameter = 2 * NODE_R_IN[True] * 72
    pts = ax.scatter(lay.x[hid], lay.y[hid], s=diameter**2, c=colors, edgecolors="#333333",
                     linewidths=0.8, zorder=3)
    if hid.size:
        pts.set_alpha(np.where(connected[hid], 1.0, 0.3))  # unconnected hidden nodes: faint
    pts.set_gid("hidden_nodes")
    for i in hid:
        a = int(g.node_act[i])
        dark = a in (2, 3, 5, 6, 11)
        ax.text(lay.x[i], lay.y[i], ABBREV.get(a, str(a)), ha="center", va="center",
                fontsize=6.0, color="white" if dark else "black", zorder=4, gid="act_label")
    off = (NODE_R_IN[False] + 0.06) / sx
    for i, name in lay.labels.items():
        left = kind[i] in (BIAS, INPUT)
        ax.text(lay.x[i] + (-off if left else off), lay.y[i], name,
                ha="right" if left else "left", va="center", fontsize=LABEL_FS, gid="io_label")
    handles = [Line2D([], [], marker="o", ls="", ms=8, markerfacecolor=ACT_COLORS[a],
                      markeredgecolor="#333333", label=_legend_label(a)) for a in used]
    if handles:
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0),
                   ncol=ncol, fontsize=LEGEND_FS, frameon=False, handletextpad=0.3,
                   columnspacing=1.2, borderaxespad=0.2)
    fig.suptitle(title, fontsize=TITLE_FS, y=1 - 0.12 / fig_h, va="top")
    return fig
