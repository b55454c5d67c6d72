"""The comparison's figures: the table as grouped bars, return (or accuracy) against noise,
and the drop from resetting each layer. Each reads plain values (rows, curves) and writes one
PNG; the comparison's methods and table writer call them (wann.methods, wann.comparison).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from wann.io import atomic_write


def family(name: str) -> str:
    """A row's family: its name without the trailing sparsity ('lottery ticket 50%' -> ...)."""
    return name.rstrip("0123456789.% ") or name


def noise_figure(curves: Sequence, path: Path, title: str,
                 xlabel: str = "observation noise sd", ylabel: str = "mean return",
                 highlight: Sequence[str] = ("WANN",)) -> None:
    """Mean return against noise level, one line per network: one colour per family, one
    line style per member (sparsity) of the family."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11.0, 5.5), dpi=120)
    cmap = plt.get_cmap("tab20")  # dark shades for the first 10 families, then light ones
    families: dict[str, int] = {}
    seen: dict[str, int] = {}
    styles = ("-", "--", "-.", ":")
    for c in curves:
        f = family(c.model)
        i = families.setdefault(f, len(families))
        colour = cmap((2 * i + (i // 10) % 2) % 20)
        k = seen[f] = seen.get(f, -1) + 1
        ax.plot(c.levels, c.mean, styles[k % len(styles)], marker="o", markersize=3,
                color=colour, label=c.model, linewidth=2.5 if c.model in highlight else 1.0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=6, ncols=1 + len(curves) // 20, loc="center left",
              bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)



def reinit_figure(rows: Sequence, path: Path, title: str,
                  ylabel: str = "drop in mean return (trained − reset)") -> None:
    """Bars: layers on the x axis, the drop in score on the y axis, both resets side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(rows) + 3), 4.2), dpi=120)
    drops = [d for r in rows for d in (r.reinit_drop, r.rerandom_drop)]
    ax.bar(x - 0.2, [r.reinit_drop for r in rows], 0.4, label="re-initialized (initial values)")
    ax.bar(x + 0.2, [r.rerandom_drop for r in rows], 0.4, label="re-randomized")
    ax.set_xticks(x)
    ax.set_xticklabels([r.name for r in rows])
    ax.set_xlabel("weight layer reset")
    ax.set_ylabel(ylabel)
    ax.axhline(0.0, color="black", linewidth=0.5)
    top, low = max([0.0, *drops]), min([0.0, *drops])
    ax.set_ylim(low - 0.05 * (top - low or 1.0), top + 0.3 * (top - low or 1.0))  # legend room
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper center", ncols=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)



def bar_chart(style: object, task: str, rows: Sequence, path: Path, ylabel: str) -> None:
    """Grouped bars: one group per row, one bar per column, std as error bars."""
    from matplotlib.figure import Figure

    n, k = len(rows), len(style.columns)
    x = np.arange(n)
    width = 0.8 / k
    fig = Figure(figsize=(max(8.0, 0.55 * n + 2), 5.0), dpi=120, layout="tight")
    ax = fig.add_subplot()
    sc = style.scale
    for j, (key, label) in enumerate(style.columns):
        ax.bar(x + (j - (k - 1) / 2) * width, [sc * r.scores[key]["mean"] for r in rows], width,
               yerr=[sc * r.scores[key]["std"] for r in rows], label=label, capsize=1.5,
               error_kw={"elinewidth": 0.6})
    ax.set_xticks(x)
    ax.set_xticklabels([r.name for r in rows], rotation=55, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{task}: WANN against dense, pruned and random networks")
    if style.baseline is not None:
        ax.axhline(style.baseline, color="black" if style.baseline == 0 else "0.6",
                   linewidth=0.5 if style.baseline == 0 else 0.8,
                   ls="-" if style.baseline == 0 else "--")
    family = [r.name.rstrip("0123456789.% ") for r in rows]
    for i in range(1, n):
        if family[i] != family[i - 1]:
            ax.axvline(i - 0.5, color="0.8", linewidth=0.8, zorder=0)
    ax.set_xlim(-0.6, n - 0.4)
    vals = [(sc * r.scores[key]["mean"], sc * r.scores[key]["std"])
            for r in rows for key, _ in style.columns]
    top = max(m + s for m, s in vals)
    low = min(m - s for m, s in vals)
    span = max(top, 0.0) - min(low, 0.0) or 1.0
    ax.set_ylim(min(low, 0.0) - 0.04 * span, max(top, 0.0) + 0.2 * span)  # room for the legend
    ax.legend(fontsize=8, ncols=k, loc="upper right")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    atomic_write(path, buf.getvalue())
