"""The run figures: fitness, complexity, the last population's objectives, the weight sweep,
and several runs overlaid. Each returns a matplotlib Figure (no pyplot state, so it works
headless and in threads); every plotted series carries its source column as its `gid`.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from wann.plotting.data import RunData, solved_threshold
from wann.ranking import nondominated_fronts

POP = "#4C72B0"
BEST = "#DD8452"
EVER = "#222222"
SOLVED = "#C44E52"
FRONT = "#C44E52"


def _title(run: RunData, what: str) -> str:
    task = run.task or "unknown task"
    return f"{what}: {task} ({run.name})"


def _generation_axis(ax: Axes) -> None:
    """Generations are whole numbers: no 0.5 ticks on a short run."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def fitness_figure(run: RunData, solved: float | None = None) -> Figure:
    """Mean, median and best of the population, the best's peak and the best ever."""
    fig = Figure(figsize=(8, 4.8), layout="constrained")
    ax = fig.add_subplot()
    g, log = run.generations, run.log
    series = (
        ("mean_fitness", "population mean", POP, "-", 1.4),
        ("median_fitness", "population median", POP, "--", 1.2),
        ("best_fitness", "best individual (mean over weights)", BEST, "-", 1.6),
        ("best_peak", "best individual's peak (best single weight)", BEST, ":", 1.4),
        ("best_ever_fitness", "best ever (the champion)", EVER, "-", 1.2),
    )
    if np.isfinite(log["champion_retest"]).any():
        series += (("champion_retest", "the champion, re-tested",
                    EVER, "--", 1.2),)
    for col, label, color, style, lw in series:
        (line,) = ax.plot(g, log[col], style, color=color, lw=lw, label=label)
        line.set_gid(col)
    thr = solved if solved is not None else solved_threshold(run.task)
    if thr is not None:
        line = ax.axhline(thr, color=SOLVED, lw=1, ls="-.", label=f"solved ({thr:g})")
        line.set_gid("solved")
    ax.set_xlabel("generation")
    ax.set_ylabel("return (mean over shared weights and episodes)")
    ax.set_title(_title(run, "Fitness"))
    ax.grid(alpha=0.3)
    # Below the axes, so it never hides a curve or the "solved" line.
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=8,
               frameon=False)
    ax.set_xlim(g.min(), max(g.max(), g.min() + 1))
    _generation_axis(ax)
    return fig


def complexity_figure(run: RunData) -> Figure:
    """Connections and hidden nodes of the generation's best and of the population median."""
    fig = Figure(figsize=(8, 5.2), layout="constrained")
    ax_c, ax_n = fig.subplots(2, 1, sharex=True)
    g, log = run.generations, run.log
    for col, label, color, style in (
        ("best_connections", "best individual", BEST, "-"),
        ("median_connections", "population median", POP, "--"),
    ):
        (line,) = ax_c.plot(g, log[col], style, color=color, label=label, lw=1.4)
        line.set_gid(col)
    n_io = run.n_io
    for col, label, color, style in (
        ("best_nodes", "best individual", BEST, "-"),
        ("median_nodes", "population median", POP, "--"),
    ):
        y = log[col] - (n_io or 0)
        (line,) = ax_n.plot(g, y, style, color=color, label=label, lw=1.4)
        line.set_gid(col)
    ax_c.set_ylabel("enabled connections")
    ax_n.set_ylabel("hidden nodes" if n_io is not None else "nodes")
    ax_n.set_xlabel("generation")
    ax_c.set_title(_title(run, "Complexity"))
    for ax in (ax_c, ax_n):
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.2 of a node
        _generation_axis(ax)
    return fig


def pareto_mask(mean: np.ndarray, connections: np.ndarray) -> np.ndarray:
    """Individuals no other beats on both higher mean fitness and fewer connections."""
    obj = np.column_stack([np.asarray(mean, float), -np.asarray(connections, float)])
    return nondominated_fronts(obj) == 0


def objectives_figure(run: RunData) -> Figure:
    """The last generation on (connections, mean fitness), its Pareto front marked."""
    if run.population is None:
        raise ValueError("the run folder holds no population.csv")
    pop = run.population
    mean, conn = pop["mean_fitness"], pop["connections"]
    front = pareto_mask(mean, conn)
    fig = Figure(figsize=(7, 4.8), layout="constrained")
    ax = fig.add_subplot()
    others = ax.scatter(conn[~front], mean[~front], s=22, color=POP, alpha=0.55,
                        label="population", edgecolors="none")
    others.set_gid("population")
    order = np.flatnonzero(front)[np.argsort(conn[front], kind="stable")]
    (step,) = ax.step(conn[order], mean[order], where="post", color=FRONT, lw=1, alpha=0.7)
    step.set_gid("front_line")
    # Identical individuals share one marker: size it by their number and write "×n" beside it,
    # so a front of 9 drawn at 2 places still reads as 9.
    points, counts = np.unique(np.column_stack([conn[front], mean[front]]), axis=0,
                               return_counts=True)
    n_front = int(front.sum())
    label = f"Pareto front ({n_front})" if points.shape[0] == n_front else (
        f"Pareto front ({n_front} individuals at {points.shape[0]} points)")
    pts = ax.scatter(points[:, 0], points[:, 1], s=46 + 14 * (counts - 1), color=FRONT,
                     marker="D", label=label, zorder=3, edgecolors="white")
    pts.set_gid("front")
    for (x, y), n in zip(points, counts):
        if n > 1:
            ax.annotate(f"×{n}", (x, y), xytext=(6, 5), textcoords="offset points", fontsize=8,
                        color=FRONT, gid="front_count")
    gen = int(run.generations[-1])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # connections are counted
    ax.set_xlabel("enabled connections (fewer is better)")
    ax.set_ylabel("mean return over shared weights")
    ax.set_title(_title(run, f"Objectives of generation {gen}"))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def sweep_figure(run: RunData, train_weights: Sequence[float] | None = None) -> Figure:
    """The champion's return (mean ± std over episodes) against the shared weight."""
    if run.sweep is None:
        raise ValueError("the run folder holds no sweep.csv")
    w, m, s = run.sweep["weight"], run.sweep["mean"], run.sweep["std"]
    fig = Figure(figsize=(7, 4.4), layout="constrained")
    ax = fig.add_subplot()
    band = ax.fill_between(w, m - s, m + s, color=BEST, alpha=0.25, lw=0, label="± 1 std")
    band.set_gid("std_band")
    (line,) = ax.plot(w, m, "-o", color=BEST, ms=2.5, lw=1.4, label="mean return")
    line.set_gid("mean")
    k = int(np.argmax(m))
    (best,) = ax.plot([w[k]], [m[k]], "*", color=EVER, ms=12,
                      label=f"best: w = {w[k]:+.3g} ({m[k]:.1f})")
    best.set_gid("best")
    tw = train_weights if train_weights is not None else run.settings.get("weights")
    if tw:
        for i, x in enumerate(tw):
            ax.axvline(x, color="#888888", lw=0.8, ls=":",
                       label="weights used in the search" if i == 0 else None)
    ax.axvline(0, color="#bbbbbb", lw=0.6)
    ax.set_xlabel("shared weight")
    ax.set_ylabel("return")
    ax.set_title(_title(run, "Champion over the shared weight"))
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def _group_label(settings: dict, varying: Sequence[str], fallback: str) -> str:
    if not varying:
        return fallback
    return ", ".join(f"{k}={settings.get(k)}" for k in varying)


# Settings that do not change what a generation does: runs differing only in these are
# seeds of one setting (a run extended with --resume --generations stays in its group).
NOT_SETTINGS = ("generations", "checkpoint_every", "save_mod")


def group_runs(runs: Sequence[RunData]) -> list[tuple[str, list[RunData]]]:
    """Runs with the same settings (config.toml, length aside) form one group: its seeds."""
    groups: dict[str, list[RunData]] = {}
    for r in runs:
        same = {k: v for k, v in r.settings.items() if k not in NOT_SETTINGS}
        key = repr(sorted(same.items())) if r.settings else f"\0{r.path}"
        groups.setdefault(key, []).append(r)
    members = list(groups.values())
    keys = sorted({k for g in members for k in g[0].settings} - set(NOT_SETTINGS))
    varying = [k for k in keys if len({repr(g[0].settings.get(k)) for g in members}) > 1]
    out = []
    for g in members:
        if not g[0].settings:
            label = g[0].name
        else:
            label = _group_label(g[0].settings, varying, g[0].task or g[0].name)
        out.append((f"{label} ({len(g)} run{'s' if len(g) > 1 else ''})", g))
    return out


def stack_series(runs: Sequence[RunData], column: str) -> tuple[np.ndarray, np.ndarray]:
    """Generations and a [run, generation] array of `column`, NaN where a run is shorter."""
    n = max(len(r.generations) for r in runs)
    gens = np.arange(n, dtype=float)
    y = np.full((len(runs), n), np.nan)
    for i, r in enumerate(runs):
        y[i, : len(r.generations)] = r.log[column]
    return gens, y


def seed_band(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per generation, the 95% bootstrap confidence interval of the mean over runs (rows of
    y); NaN where fewer than two runs reached the generation."""
    from wann.stats import mean_interval

    count = np.sum(~np.isnan(y), axis=0)
    lo = np.full(y.shape[1], np.nan)
    hi = np.full(y.shape[1], np.nan)
    full = count == y.shape[0]
    if y.shape[0] > 1 and np.any(full):
        lo[full], hi[full] = mean_interval(y[:, full], axis=0)
    for j in np.flatnonzero(~full & (count > 1)):  # generations only some runs reached
        lo[j], hi[j] = mean_interval(y[~np.isnan(y[:, j]), j])
    return lo, hi


def overlay_figure(runs: Sequence[RunData], column: str = "best_fitness") -> Figure:
    """Several runs on one fitness figure: per group of equal settings (its seeds), the mean
    over its runs as a line and the 95% bootstrap confidence interval of that mean as a band."""
    fig = Figure(figsize=(8, 4.8), layout="constrained")
    ax = fig.add_subplot()
    colors = [f"C{i % 10}" for i in range(len(runs))]
    for (label, group), color in zip(group_runs(runs), colors):
        gens, y = stack_series(group, column)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(y, axis=0)
        (line,) = ax.plot(gens, mean, color=color, lw=1.6, label=label)
        line.set_gid(f"mean:{label}")
        if len(group) > 1:
            lo, hi = seed_band(y)
            band = ax.fill_between(gens, lo, hi, color=color, alpha=0.2, lw=0)
            band.set_gid(f"band:{label}")
    tasks = {r.task for r in runs}
    if len(tasks) > 1:
        names = ", ".join(sorted(str(t) for t in tasks))
        warnings.warn(f"overlaying runs of different tasks ({names}): their returns are not "
                      "on one scale", stacklevel=2)
    thr = solved_threshold(next(iter(tasks))) if len(tasks) == 1 else None
    if thr is not None:
        ax.axhline(thr, color=SOLVED, lw=1, ls="-.", label=f"solved ({thr:g})").set_gid("solved")
    ax.set_xlabel("generation")
    ax.set_ylabel(f"{column.replace('_', ' ')}\n(line: mean over runs; band: 95% bootstrap CI)")
    if len(tasks) == 1:
        what = f"{len(runs)} {next(iter(tasks))} runs"
    else:
        what = f"{len(runs)} runs of different tasks ({', '.join(sorted(map(str, tasks)))})"
    ax.set_title(f"{column.replace('_', ' ').capitalize()} of {what}")
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    # Group labels list every setting that differs and can be long: one column, wrapped.
    labels = [textwrap.fill(t, 100, subsequent_indent="  ") for t in labels]
    fig.legend(handles, labels, loc="outside lower center", fontsize=8, frameon=False,
               ncol=2 if max(map(len, labels)) <= 45 else 1)
    _generation_axis(ax)
    return fig
