"""Sparsity curves: return against remaining connections, the figure the pruning literature
is read by, with the WANN's champions on the same axes.

A curve point is one network of one seed: its method (wann.methods), sparsity,
connections, whether an input still reaches an output, and its return with its own weights
(the "tuned weights" column). The WANN adds three points per seed at its connection count:
random shared weight, tuned shared weight and tuned weights. Over several seeds the points of
one (method, sparsity) are aggregated (mean, 95% bootstrap interval, IQM; wann.stats).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from wann.stats import aggregate

OWN = "tuned_weights"
# The WANN's three points per seed: (method name, score column, marker).
WANN_POINTS = (
    ("WANN, random shared weight", "random_shared", "v"),
    ("WANN, tuned shared weight", "tuned_shared", "^"),
    ("WANN, tuned weights", "tuned_weights", "*"),
)
# Rows drawn as one marker each rather than a line: method -> (point name, marker).
SINGLE = {"dense": ("dense start", "s"), "linear": ("linear net", "D")}
POINT_COLUMNS = ("method", "seed", "sparsity", "connections", "connected", "mean", "std")
AGGREGATE_COLUMNS = ("method", "sparsity", "connections", "n_seeds", "n_disconnected", "mean",
                     "ci_low", "ci_high", "iqm")


def curve_points(rows: Sequence, seed: int, families: Sequence[str]) -> list[dict]:
    """The curve points of one seed's rows: every row of a curve family (its own weights),
    the dense start, the linear net, and the WANN's three points."""
    pts = []
    for r in rows:
        if r.family == "wann":
            for name, key, _ in WANN_POINTS:
                pts.append(_point(name, seed, r, key))
        elif r.family in families or r.family in SINGLE:
            name = SINGLE[r.family][0] if r.family in SINGLE else r.family
            pts.append(_point(name, seed, r, OWN))
    return pts


def _point(method: str, seed: int, r, key: str) -> dict:  # noqa: ANN001
    s = r.scores[key]
    return {"method": method, "seed": int(seed), "sparsity": round(float(r.sparsity), 6),
            "connections": int(r.connections), "connected": bool(r.connected),
            "mean": float(s["mean"]), "std": float(s["std"])}


def _csv(columns: Sequence[str], rows: Sequence[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def points_csv(points: Sequence[dict]) -> str:
    return _csv(POINT_COLUMNS, points)


def curves_title(task: str, unit: str, seeds: Sequence[int]) -> str:
    """The curves' title: one seed's, or the number of seeds aggregated."""
    return f"{task}: {unit} against remaining connections" + (
        f", {len(seeds)} seeds" if len(seeds) > 1 else f" (seed {seeds[0]})")


def read_points(path: str | Path) -> list[dict]:
    """The points of a curves.csv, as `curve_points` made them."""
    with open(path, newline="") as f:
        return [{"method": r["method"], "seed": int(r["seed"]),
                 "sparsity": float(r["sparsity"]), "connections": int(r["connections"]),
                 "connected": r["connected"] == "True", "mean": float(r["mean"]),
                 "std": float(r["std"])} for r in csv.DictReader(f)]


def champion_points(eval_result: dict, tune_result: dict, seed: int) -> list[dict]:
    """The WANN's three points from a champion's `wann eval --random --json` and `wann tune`
    results (classification): random shared weight, tuned shared weight, tuned weights."""
    values = {"random_shared": eval_result["random_shared_weight"],
              "tuned_shared": tune_result["tuned_shared_weight"],
              "tuned_weights": tune_result["tuned_weights"]}
    return [{"method": name, "seed": int(seed), "sparsity": -1.0,
             "connections": int(eval_result["connections"]), "connected": True,
             "mean": float(values[key].get("mean", values[key].get("accuracy"))),
             "std": float(values[key].get("std", 0.0))}
            for name, key, _ in WANN_POINTS]


def aggregate_points(points: Sequence[dict]) -> list[dict]:
    """Per (method, sparsity): mean connections, mean return over seeds with its interval."""
    groups: dict[tuple[str, float], list[dict]] = {}
    for p in points:
        key = (p["method"], p["sparsity"]) if not p["method"].startswith("WANN") else (
            p["method"], -1.0)
        groups.setdefault(key, []).append(p)
    out = []
    for (method, sparsity), ps in groups.items():
        a = aggregate([p["mean"] for p in ps])
        out.append({"method": method, "sparsity": sparsity if sparsity >= 0 else "",
                    "connections": float(np.mean([p["connections"] for p in ps])),
                    "n_seeds": len(ps), "n_disconnected": sum(not p["connected"] for p in ps),
                    "mean": a.mean, "ci_low": a.low, "ci_high": a.high, "iqm": a.iqm})
    return out


def aggregate_csv(points: Sequence[dict]) -> str:
    return _csv(AGGREGATE_COLUMNS, aggregate_points(points))


def curves_figure(points: Sequence[dict], labels: dict[str, str], title: str,
                  unit: str = "return") -> Figure:
    """Return against remaining connections (log axis): a line per method (mean over seeds,
    95% bootstrap band), hollow markers where some seed's net is disconnected, the dense start
    and each seed's WANN champion under three weight settings."""
    fig = Figure(figsize=(8.5, 5.4), layout="constrained")
    ax = fig.add_subplot()
    agg = aggregate_points(points)
    n_seeds = len({p["seed"] for p in points if not p["method"].startswith("WANN")} or
                  {p["seed"] for p in points})
    for i, (method, label) in enumerate(labels.items()):
        a = sorted((r for r in agg if r["method"] == method), key=lambda r: r["connections"])
        if not a:
            continue
        color = f"C{i % 10}"
        x = np.array([r["connections"] for r in a])
        y = np.array([r["mean"] for r in a])
        style = ("-", "--", ":")[i // 10 % 3]  # past ten methods the colours repeat
        (line,) = ax.plot(x, y, style, color=color, lw=1.4, label=label)
        line.set_gid(f"curve:{method}")
        if n_seeds > 1:
            band = ax.fill_between(x, [r["ci_low"] for r in a], [r["ci_high"] for r in a],
                                   color=color, alpha=0.18, lw=0)
            band.set_gid(f"band:{method}")
        dead = np.array([r["n_disconnected"] > 0 for r in a])
        ax.scatter(x[~dead], y[~dead], s=22, color=color, zorder=3).set_gid(f"connected:{method}")
        if dead.any():
            ax.scatter(x[dead], y[dead], s=30, facecolors="none", edgecolors=color, lw=1.2,
                       zorder=3).set_gid(f"disconnected:{method}")
    for name, marker in SINGLE.values():
        ps = [p for p in points if p["method"] == name]
        if ps:
            ax.scatter([p["connections"] for p in ps], [p["mean"] for p in ps], marker=marker,
                       s=36, color="0.3", zorder=4, label=name).set_gid(name)
    for name, _, marker in WANN_POINTS:
        ps = [p for p in points if p["method"] == name]
        if ps:
            sc = ax.scatter([p["connections"] for p in ps], [p["mean"] for p in ps],
                            marker=marker, s=70 if marker == "*" else 44, color="black",
                            facecolors="black" if marker == "*" else "none", zorder=5,
                            label=name + (" (one point per seed)" if n_seeds > 1 else ""))
            sc.set_gid(name)
    ax.set_xscale("log")
    ax.set_xlabel("remaining connections (log scale)")
    ax.set_ylabel("return, mean over test episodes" if unit == "return" else unit)
    ax.set_title(title + (f"\nlines: mean over {n_seeds} seeds; bands: 95% bootstrap interval"
                          if n_seeds > 1 else ""), fontsize=10)
    ax.grid(alpha=0.3, which="both")
    handles, lab = ax.get_legend_handles_labels()
    if unit == "return":
        ax.axhline(0.0, color="black", lw=0.5)
    if any(p for p in points if not p["connected"]):
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], ls="", marker="o", mfc="none", mec="0.3"))
        lab.append("hollow: disconnected (no input reaches an output) in some seed")
    fig.legend(handles, lab, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    return fig


def write_curves(out: Path, points: Sequence[dict], labels: dict[str, str], title: str,
                 unit: str = "return") -> None:
    """curves.csv (every point), curves_aggregate.csv (over seeds) and curves.png."""
    from wann.io import write_files

    files = {"curves.csv": points_csv(points), "curves_aggregate.csv": aggregate_csv(points)}
    write_files(out, files)
    fig = curves_figure(points, labels, title, unit)
    fig.savefig(out / "curves.png", dpi=120)
