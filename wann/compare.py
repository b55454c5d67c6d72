"""One protocol for every row of the paper's table: WANN against dense, pruned, lottery-ticket,
signed-constant, supermask and random-mask networks.

Every row is a genome scored the same way on the same 100 test episodes: random weights
(every connection U(-2, 2) per episode), a random shared weight (one U(-2, 2) value per
episode), the tuned shared weight (best of a grid sweep on training episodes) and the row's
own tuned weights. The same seed gives the same table.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from wann import WannError, streams
from wann.baselines.common import Net
from wann.baselines.connectivity import input_reaches_output
from wann.baselines.dense import connection_layers
from wann.baselines.families import STANDARD, Baseline, Context
from wann.baselines.prune import check_sparsity, n_keep
from wann.cmaes import CMASettings, journal
from wann.curves import curve_points, write_curves
from wann.evaluation import Evaluator
from wann.genome import HIDDEN, Genome
from wann.io import atomic_write, save_genome
from wann.progress import Progress
from wann.scoring import (
    own_weight_returns,
    random_shared_returns,
    random_weight_returns,
    shared_weight_returns,
    summary,
    test_seeds,
)
from wann.streams import stream_seeds, sub_seed
from wann.sweep import Sweep, sweep_shared_weight, weight_grid
from wann.tasks import Task
from wann.tune import tune_weights

COLUMNS: tuple[tuple[str, str], ...] = (
    ("random_weights", "random weights"),
    ("random_shared", "random shared weight"),
    ("tuned_shared", "tuned shared weight"),
    ("tuned_weights", "tuned weights"),
)
JOURNAL = ".cma-journal"  # finished CMA-ES trainings of a comparison under way
# From the dense start down to a few connections (5-64-64-1: 4,609 weights down to 9).
DEFAULT_SPARSITIES: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998)


@dataclass(frozen=True)
class Budget:
    """Training budgets. `dense`: the paper's fixed-topology row; `start`: the
    over-parameterized dense start of the pruning rows (None: `dense`, made separable);
    `retrain` serves every lottery round and every random mask."""

    dense: CMASettings
    retrain: CMASettings
    finetune: CMASettings
    tune: CMASettings
    grid: int = 81
    sweep_episodes: int = 32
    search_preset: str = "laptop_swing"
    start: CMASettings | None = None
    search_generations: int | None = None  # None: the preset's
    search_pop_size: int | None = None  # None: the preset's

    @property
    def start_cma(self) -> CMASettings:
        return self.start if self.start is not None else self.dense.replace(diagonal=True)


# The papers' budgets: CMA-ES popsize 32 and 4 rollouts everywhere; WANN tuning 150
# generations from sd 0.5 (the reference's tuning tool); lottery rounds retrain in full.
# The dense start (thousands of weights) trains by separable CMA-ES from its LeCun-normal
# initial weights, with a step size of the order of theirs (sd 0.41 and 0.12 on 5-64-64-1).
PAPER = Budget(
    dense=CMASettings(generations=500, rollouts=4, sigma0=1.0),
    retrain=CMASettings(generations=500, rollouts=4, sigma0=1.0),
    finetune=CMASettings(generations=150, rollouts=4, sigma0=0.5),
    tune=CMASettings(generations=150, rollouts=4, sigma0=0.5),
    start=CMASettings(generations=500, rollouts=4, sigma0=0.1, diagonal=True),
)
QUICK = Budget(
    dense=CMASettings(generations=200, rollouts=2, sigma0=1.0),
    retrain=CMASettings(generations=80, rollouts=2, sigma0=1.0),
    finetune=CMASettings(generations=40, rollouts=2, sigma0=0.5),
    tune=CMASettings(generations=100, rollouts=2, sigma0=0.5),
    sweep_episodes=16,
    search_preset="quick",
    start=CMASettings(generations=100, rollouts=2, sigma0=0.1, diagonal=True),
)


@dataclass
class Row:
    """One line of the table."""

    name: str
    connections: int
    sparsity: float
    env_steps: int | None
    best_shared_weight: float
    scores: dict[str, dict]
    note: str = ""
    sweep: Sweep | None = field(default=None, repr=False)
    family: str = ""
    connected: bool = True  # some input reaches some output (else it computes a constant)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def dag_capacity(genome: Genome) -> int:
    """Connections of a complete feed-forward net on the genome's nodes (every earlier node
    to every later hidden or output node)."""
    n_src = 1 + genome.n_in
    n_h = int(np.count_nonzero(genome.node_kind == HIDDEN))
    return n_src * (n_h + genome.n_out) + n_h * (n_h - 1) // 2 + n_h * genome.n_out


def score_net(
    ev: Evaluator, net: Net, seed: int, episodes: int, budget: Budget,
    dense_size: int | None = None,
) -> Row:
    """The four columns for one network, on the shared test episodes.

    The random columns draw from a generator seeded like `wann eval --random`, so the WANN
    row matches what `wann eval` prints for the same seed. `dense_size`: the connections the
    row's sparsity is relative to (default: a complete feed-forward net on its nodes).
    """
    g = net.genome
    test = test_seeds(seed, episodes)
    rng = streams.generator(seed, streams.RANDOM_WEIGHTS)
    scores = {
        "random_weights": summary(random_weight_returns(ev, g, test, rng)),
        "random_shared": summary(random_shared_returns(ev, g, test, rng)),
    }
    sweep = sweep_shared_weight(
        ev, g, stream_seeds(seed, streams.SWEEP, budget.sweep_episodes), weight_grid(budget.grid)
    )
    scores["tuned_shared"] = summary(shared_weight_returns(ev, g, [sweep.best_weight], test)[0])
    scores["tuned_weights"] = summary(own_weight_returns(ev, g, test))
    capacity = dense_size if dense_size is not None else dag_capacity(g)
    connected = input_reaches_output(g)
    note = net.note if connected else "; ".join(filter(None, [net.note, "disconnected"]))
    return Row(net.name, g.n_enabled, 1.0 - g.n_enabled / capacity, net.env_steps,
               sweep.best_weight, scores, note, sweep, net.family, connected)


def wann_net(
    ev: Evaluator, task: Task, genome: Genome, search_steps: int | None, budget: Budget,
    seed: int, progress: Progress,
) -> Net:
    """The WANN row's network: the champion, with its tuned weights (tuned here if absent)."""
    sweep = sweep_shared_weight(
        ev, genome, stream_seeds(seed, streams.SWEEP, budget.sweep_episodes), weight_grid(budget.grid)
    )
    if genome.meta.get("weights") == "tuned":
        note = "given champion and tuned weights" if search_steps is None else ""
        return Net("WANN", genome, search_steps, note=note)
    progress.line(f"tuning the WANN's {genome.n_enabled} weights from the best shared weight "
                  f"{sweep.best_weight:+.2f}")
    res = tune_weights(ev, genome, sweep.best_weight, budget.tune, sub_seed(seed, 7), progress)
    steps = res.rollouts * task.max_steps
    if search_steps is None:
        return Net("WANN", res.genome, steps, note="given champion; steps of tuning only")
    return Net("WANN", res.genome, search_steps + steps)


class _Timer:
    """`with timer(name):` adds the block's wall-clock seconds to timings[name]."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = time.perf_counter() - t


def check_grid(layer_sizes: Sequence[int], sparsities: Sequence[float],
               wann_connections: int | None = None) -> list[float]:
    """The sparsity grid, checked against the dense start: each level in [0, 1), distinct
    connection counts, and (given the WANN's size) a start larger than the WANN."""
    grid = sorted({check_sparsity(s) for s in sparsities})
    n = int(connection_layers(layer_sizes).size)
    if wann_connections is not None and n <= wann_connections:
        raise WannError(
            f"the dense start {'-'.join(map(str, layer_sizes))} has {n} weights, no more than "
            f"the WANN's {wann_connections} connections: it cannot be pruned down to the WANN; "
            "give larger --dense-hidden sizes"
        )
    keeps = [n_keep(n, s) for s in grid]
    for a, b, ka, kb in zip(grid, grid[1:], keeps, keeps[1:]):
        if ka == kb:
            raise WannError(
                f"sparsities {a:g} and {b:g} both keep {ka} of the dense start's {n} weights; "
                "drop one, or give larger --dense-hidden sizes"
            )
    return grid


def run_compare(
    ev: Evaluator,
    task: Task,
    wann: Genome,
    wann_steps: int | None,
    layer_sizes: Sequence[int],
    budget: Budget,
    sparsities: Sequence[float] = DEFAULT_SPARSITIES,
    seed: int = 0,
    episodes: int = 100,
    out: Path | None = None,
    progress: Progress | None = None,
    baselines: Sequence[Baseline] = STANDARD,
    paper_layers: Sequence[int] | None = None,
    lottery_rate: float = 0.2,
    settings: dict | None = None,
) -> list[Row]:
    """Build every row's network (the WANN, then each baseline family in order) and score it;
    save each network under out/genomes/. Each family is timed alike.

    `layer_sizes`: the dense start the pruning families derive from; `paper_layers`: the
    paper's fixed-topology row (None: left out). `settings` go into compare.json, so that a
    later several-seed command can tell whether this folder holds its seed.

    With `out`, every CMA-ES training is kept in out/.cma-journal/ until the comparison is
    written (wann.cmaes.journal): the same command started again after a stop resumes after
    the last finished training, with the same results.
    """
    kept = None if out is None else Path(out) / JOURNAL
    with journal(kept):
        rows = _compare(ev, task, wann, wann_steps, layer_sizes, budget, sparsities, seed,
                        episodes, out, progress, baselines, paper_layers, lottery_rate,
                        settings)
    if kept is not None:
        shutil.rmtree(kept, ignore_errors=True)
    return rows


def _compare(
    ev: Evaluator, task: Task, wann: Genome, wann_steps: int | None,
    layer_sizes: Sequence[int], budget: Budget, sparsities: Sequence[float], seed: int,
    episodes: int, out: Path | None, progress: Progress | None,
    baselines: Sequence[Baseline], paper_layers: Sequence[int] | None, lottery_rate: float,
    settings: dict | None,
) -> list[Row]:
    progress = progress or Progress(quiet=True)
    sparsities = check_grid(layer_sizes, sparsities)
    # Lottery rounds and random masks train from the dense start's initial weights, as the
    # start did: with its initial step size (0.1 for a 5-64-64-1 start's LeCun-scaled weights).
    retrain = budget.retrain.replace(sigma0=budget.start_cma.sigma0)
    ctx = Context(ev, task, layer_sizes, sparsities, budget.start_cma, retrain,
                  budget.finetune, seed, progress, paper_layers=paper_layers,
                  paper_cma=budget.dense, lottery_rate=lottery_rate)
    timings: dict[str, float] = {}
    timer = _Timer(timings)
    with timer("wann"):
        nets = [wann_net(ev, task, wann, wann_steps, budget, seed, progress)]
    nets[0].family = "wann"
    for b in baselines:
        with timer(b.name):
            built = b.build(ctx)
        for n in built:
            n.family = n.family or b.name
        nets += built
    rows: list[Row] = []
    with timer("scoring"):
        progress.start(len(nets), "scoring")
        for k, n in enumerate(nets):
            progress.update(k + 1, n.name)
            rows.append(score_net(ev, n, seed, episodes, budget,
                                  n.genome.conn_enabled.size if k else None))
            if out is not None:
                save_genome(n.genome, Path(out) / "genomes" / f"{slug(n.name)}.json")
        progress.close()
    progress.line("scored every row")
    for b in baselines:
        if b.after is not None:
            with timer(f"{b.name} report"):
                b.after(ctx, nets, out)
    if out is not None:
        write_outputs(Path(out), task, rows, budget, seed, episodes, timings, baselines,
                      settings)
    return rows


# ---------------------------------------------------------------------------- outputs
def _cell(s: dict) -> str:
    return f"{s['mean']:.0f} ± {s['std']:.0f}"


def _steps(n: int | None) -> str:
    return "—" if n is None else f"{n:.2e}".replace("e+0", "e").replace("e+", "e")


RATIOS: tuple[tuple[str, str, str], ...] = (
    ("wann_over_random", "random_shared", "WANN (random shared weight) / random weights"),
    ("tuned_shared_over_random", "tuned_shared", "tuned shared weight / random weights"),
    ("tuned_weights_over_random", "tuned_weights", "tuned weights / random weights"),
)


def summary_ratios(row: Row) -> dict[str, float]:
    """The WANN paper's summary ratios of a row: each column's mean over the random-weights
    mean (NaN where that mean is not positive: a ratio would then mean nothing)."""
    base = row.scores["random_weights"]["mean"]
    return {key: (row.scores[col]["mean"] / base if base > 0 else float("nan"))
            for key, col, _ in RATIOS}


def _ratio(x: float) -> str:
    return "—" if x != x else f"{x:.1f}×"


def markdown_table(task: Task, rows: Sequence[Row], episodes: int, seed: int) -> str:
    head = ["model", *(label for _, label in COLUMNS), "connections", "sparsity", "env steps"]
    lines = [
        f"# {task.name}: WANN against dense, pruned and random networks",
        "",
        f"Mean ± std over {episodes} test episodes (seed {seed}), the same episodes for every "
        "row.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for r in rows:
        name = r.name + (f" ({r.note})" if r.note else "")
        cells = [name, *(_cell(r.scores[key]) for key, _ in COLUMNS), str(r.connections),
                 f"{r.sparsity:.1%}", _steps(r.env_steps)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "- random weights: every connection drawn from U(-2, 2), afresh for each episode;",
        "  random shared weight: one U(-2, 2) value for all connections per episode;",
        "  tuned shared weight: the best nonzero value of a grid over [-2, 2] on separate",
        "  training episodes (per row in compare.csv; 0 would cut every connection);",
        "  tuned weights: the row's own weights.",
        "- sparsity: 1 - connections / those of the dense net for rows made from it; for the",
        "  WANN, relative to a complete feed-forward net on its nodes.",
        "- env steps: rollouts x episode length spent making the network (search, training,",
        "  fine-tuning, tuning; cumulative for derived rows), an upper bound since failing",
        "  episodes stop early; test episodes and sweeps are not counted.",
        "- signed constant and supermask rows are not trained: their own weights are scored.",
        "- disconnected: no input reaches an output (the net computes a constant); such rows",
        "  are drawn hollow in curves.png.",
        "- fixed topology: the paper's dense net; dense (...): the over-parameterized start the",
        "  pruned, lottery, signed-constant, supermask and random-mask rows derive from, pruned",
        "  layer-wise with the output layer at half the rate (Frankle & Carbin).",
    ]
    wann = next((r for r in rows if r.family == "wann"), None)
    if wann is not None:
        ratios = summary_ratios(wann)
        lines += ["", "The WANN paper's summary ratios (WANN row; column mean over the random-"
                  "weights mean):", ""]
        lines += [f"- {label}: {_ratio(ratios[key])}" for key, _, label in RATIOS]
    return "\n".join(lines) + "\n"


def csv_table(rows: Sequence[Row]) -> str:
    buf = io.StringIO()
    cols = ["model", "note", "connections", "sparsity", "env_steps", "best_shared_weight"]
    for key, _ in COLUMNS:
        cols += [f"{key}_mean", f"{key}_std", f"{key}_median"]
    cols += ["family", "connected", *(key for key, _, _ in RATIOS)]
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        line = [r.name, r.note, r.connections, f"{r.sparsity:.6f}",
                "" if r.env_steps is None else r.env_steps, f"{r.best_shared_weight:.4g}"]
        for key, _ in COLUMNS:
            s = r.scores[key]
            line += [f"{s['mean']:.4f}", f"{s['std']:.4f}", f"{s['median']:.4f}"]
        line += [r.family, int(r.connected),
                 *(f"{v:.4f}" if v == v else "" for v in summary_ratios(r).values())]
        w.writerow(line)
    return buf.getvalue()


def sweeps_csv(rows: Sequence[Row]) -> str:
    lines = ["model,weight,mean,std"]
    for r in rows:
        if r.sweep is None:
            continue
        for w, m, s in zip(r.sweep.weights, r.sweep.mean, r.sweep.std):
            lines.append(f"{r.name},{w:.6g},{m:.6f},{s:.6f}")
    return "\n".join(lines) + "\n"


def bar_chart(task: Task, rows: Sequence[Row], path: Path, episodes: int) -> None:
    """Grouped bars: one group per row, one bar per column, std as error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n, k = len(rows), len(COLUMNS)
    x = np.arange(n)
    width = 0.8 / k
    fig, ax = plt.subplots(figsize=(max(8.0, 0.55 * n + 2), 5.0), dpi=120)
    for j, (key, label) in enumerate(COLUMNS):
        means = [r.scores[key]["mean"] for r in rows]
        stds = [r.scores[key]["std"] for r in rows]
        ax.bar(x + (j - (k - 1) / 2) * width, means, width, yerr=stds, label=label,
               capsize=1.5, error_kw={"elinewidth": 0.6})
    ax.set_xticks(x)
    ax.set_xticklabels([r.name for r in rows], rotation=55, ha="right", fontsize=8)
    ax.set_ylabel(f"return (mean ± std, {episodes} episodes)")
    ax.set_title(f"{task.name}: WANN against dense, pruned and random networks")
    ax.axhline(0.0, color="black", linewidth=0.5)
    family = [r.name.rstrip("0123456789% ") for r in rows]
    for i in range(1, n):
        if family[i] != family[i - 1]:
            ax.axvline(i - 0.5, color="0.8", linewidth=0.8, zorder=0)
    ax.set_xlim(-0.6, n - 0.4)
    top = max(r.scores[key]["mean"] + r.scores[key]["std"] for r in rows for key, _ in COLUMNS)
    low = min(r.scores[key]["mean"] - r.scores[key]["std"] for r in rows for key, _ in COLUMNS)
    span = max(top, 0.0) - min(low, 0.0) or 1.0
    ax.set_ylim(min(low, 0.0) - 0.04 * span, max(top, 0.0) + 0.2 * span)  # room for the legend
    ax.legend(fontsize=8, ncols=k, loc="upper right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def curve_labels(baselines: Sequence[Baseline]) -> dict[str, str]:
    """The curve families of a baseline list and their legend labels."""
    return {b.name: b.legend for b in baselines if b.curve}


def row_from_record(r: dict) -> Row:
    """A row as compare.json holds it (without its sweep)."""
    return Row(r["model"], int(r["connections"]), float(r["sparsity"]), r["env_steps"],
               float(r["best_shared_weight"]), r["scores"], r.get("note", ""),
               family=r.get("family", ""), connected=bool(r.get("connected", True)))


def write_outputs(
    out: Path, task: Task, rows: Sequence[Row], budget: Budget, seed: int, episodes: int,
    timings: dict[str, float], baselines: Sequence[Baseline] = STANDARD,
    settings: dict | None = None,
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "table.md", markdown_table(task, rows, episodes, seed))
    atomic_write(out / "compare.csv", csv_table(rows))
    atomic_write(out / "sweeps.csv", sweeps_csv(rows))
    record = {
        "task": task.name, "seed": seed, "episodes": episodes,
        "budget": asdict(budget),
        "seconds": {k: round(v, 2) for k, v in timings.items()},
        **({} if settings is None else {"settings": settings}),
        "rows": [{"model": r.name, "note": r.note, "connections": r.connections,
                  "sparsity": r.sparsity, "env_steps": r.env_steps,
                  "best_shared_weight": r.best_shared_weight, "scores": r.scores,
                  "family": r.family, "connected": r.connected,
                  "ratios": {k: (v if v == v else None) for k, v in summary_ratios(r).items()}}
                 for r in rows],
    }
    atomic_write(out / "compare.json", json.dumps(record, indent=1) + "\n")
    bar_chart(task, rows, out / "compare.png", episodes)
    labels = curve_labels(baselines)
    write_curves(out, curve_points(rows, seed, list(labels)), labels,
                 f"{task.name}: return against remaining connections (seed {seed})")
