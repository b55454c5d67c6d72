"""The control family's comparison: every row a genome scored on the same test episodes.

Columns: random weights (every connection U(-2, 2) per episode), a random shared weight (one
U(-2, 2) value per episode), the tuned shared weight (best of a grid sweep on training
episodes) and the row's own tuned weights. Networks are trained by CMA-ES (`Budget`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wann import WannError, streams
from wann.baselines.common import Net
from wann.baselines.connectivity import input_reaches_output
from wann.baselines.dense import connection_layers, dense_layers, start_layers
from wann.baselines.masks import n_keep
from wann.baselines.noise import DEFAULT_LEVELS, check_levels
from wann.cmaes import CMASettings
from wann.comparison.table import Row, Style, slug
from wann.genome import HIDDEN, Genome
from wann.io import save_genome
from wann.methods.control import ControlContext
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
from wann.sweep import sweep_shared_weight, weight_grid
from wann.tune import tune_weights

COLUMNS: tuple[tuple[str, str], ...] = (
    ("random_weights", "random weights"),
    ("random_shared", "random shared weight"),
    ("tuned_shared", "tuned shared weight"),
    ("tuned_weights", "tuned weights"),
)
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


def _steps(n: int | None) -> str:
    return "—" if n is None else f"{n:.2e}".replace("e+0", "e").replace("e+", "e")


def _notes(rows: Sequence[Row]) -> list[str]:
    lines = [
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
    if any(r.family == "linear" for r in rows):
        lines += ["- linear: every input (and the bias) wired to every output, nothing else,",
                  "  trained by CMA-ES with the fixed topology's budget."]
    wann = next((r for r in rows if r.family == "wann"), None)
    if wann is not None:
        ratios = summary_ratios(wann)
        lines += ["", "The WANN paper's summary ratios (WANN row; column mean over the random-"
                  "weights mean):", ""]
        lines += [f"- {label}: {_ratio(ratios[key])}" for key, _, label in RATIOS]
    return lines


STYLE = Style(
    title="WANN against dense, pruned and random networks",
    columns=COLUMNS,
    intro=lambda episodes, seed: (f"Mean ± std over {episodes} test episodes (seed {seed}), "
                                  "the same episodes for every row."),
    cell=lambda s: f"{s['mean']:.0f} ± {s['std']:.0f}",
    cost_key="env_steps", cost_label="env steps", cost=_steps, notes=_notes,
    extra=summary_ratios,
)


def dag_capacity(genome: Genome) -> int:
    """Connections of a complete feed-forward net on the genome's nodes (every earlier node
    to every later hidden or output node)."""
    n_src = 1 + genome.n_in
    n_h = int(np.count_nonzero(genome.node_kind == HIDDEN))
    return n_src * (n_h + genome.n_out) + n_h * (n_h - 1) // 2 + n_h * genome.n_out


def score_net(
    ev: object, net: Net, seed: int, episodes: int, budget: Budget,
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
    return Row(net.name, g.n_enabled, 1.0 - g.n_enabled / capacity, net.env_steps, scores, note,
               net.family, connected, sweep.best_weight, sweep)


def wann_net(
    ev: object, task: object, genome: Genome, search_steps: int | None, budget: Budget,
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
    res = tune_weights(ev, genome, sweep.best_weight, budget.tune,
                       sub_seed(seed, streams.method_tag("wann_tune")), progress)
    steps = res.rollouts * task.max_steps
    if search_steps is None:
        return Net("WANN", res.genome, steps, note="given champion; steps of tuning only")
    return Net("WANN", res.genome, search_steps + steps)


def check_grid(layer_sizes: Sequence[int], sparsities: Sequence[float],
               wann_connections: int | None = None) -> list[float]:
    """The sparsity grid, checked against the dense start: distinct connection counts, and
    (given the WANN's size) a start larger than the WANN."""
    grid = sorted(sparsities)
    n = int(connection_layers(layer_sizes).size)
    if wann_connections is not None and n <= wann_connections:
        raise WannError(
            f"the dense start {'-'.join(map(str, layer_sizes))} has {n} weights, no more than "
            f"the WANN's {wann_connections} connections: it cannot be pruned down to the WANN; "
            "give larger {dense_hidden} sizes"
        )
    keeps = [n_keep(n, s) for s in grid]
    for a, b, ka, kb in zip(grid, grid[1:], keeps, keeps[1:]):
        if ka == kb:
            raise WannError(
                f"sparsities {a:g} and {b:g} both keep {ka} of the dense start's {n} weights; "
                "drop one, or give larger {dense_hidden} sizes"
            )
    return grid


class Ratios:
    """The WANN paper's summary ratios, as the aggregate over seeds reports them."""

    labels = RATIOS
    of = staticmethod(summary_ratios)


class ControlComparison:
    """The control family's part of a comparison (wann.comparison.run)."""

    name = "control"
    style = STYLE
    ratios = Ratios
    sparsities = DEFAULT_SPARSITIES
    noise_levels = DEFAULT_LEVELS  # observation noise sds
    check_noise = staticmethod(check_levels)
    refuses = ("data", "epochs")  # classification's settings

    def check_grid(self, layer_sizes: Sequence[int], sparsities: Sequence[float],
                   champion: Genome | None) -> list[float]:
        return check_grid(layer_sizes, sparsities,
                          None if champion is None else champion.n_enabled)

    def settings(self, r: object) -> dict:
        """What a seed folder's record adds to the settings every family records."""
        return {}

    def search_settings(self, r: object, family: object) -> object:
        """The fresh WANN search's settings: the budget's preset."""
        from wann.config import preset

        return preset(r.budget.search_preset).replace(task=r.task.name)
    ylabel = "return (mean ± std, {episodes} episodes)"

    def layers(self, task: object, hidden: Sequence[int] | None,
               dense_hidden: Sequence[int] | None) -> tuple[list[int] | None, list[int]]:
        """The paper's fixed-topology layers and the dense start's."""
        return dense_layers(task, hidden), start_layers(task, dense_hidden)

    def context(self, plan: object, task: object, seed: int, ev: object, layers: tuple,
                progress: Progress) -> ControlContext:
        b = plan.budget
        retrain = b.retrain.replace(sigma0=b.start_cma.sigma0)
        return ControlContext(task, seed, plan.sparsities, layers[1], progress, plan.options,
                              ev=ev, dense_cma=b.start_cma, retrain_cma=retrain,
                              finetune_cma=b.finetune, paper_layers=layers[0], paper_cma=b.dense,
                              lottery_rate=plan.lottery_rate)

    def wann(self, ctx: ControlContext, plan: object, genome: Genome, steps: int | None,
             weights: Sequence[float]) -> Net:
        return wann_net(ctx.ev, ctx.task, genome, steps, plan.budget, ctx.seed, ctx.progress)

    def score(self, ctx: ControlContext, plan: object, net: Net, first: bool) -> Row:
        return score_net(ctx.ev, net, ctx.seed, plan.episodes, plan.budget,
                         None if first else net.genome.conn_enabled.size)

    def intro(self, ctx: ControlContext, plan: object) -> str | None:
        """The line under the table's title (None: the style's)."""
        return None

    def study_files(self, task: str, seed_dirs: dict[int, Path]) -> dict[str, str]:
        """The study's files over its seeds beyond the table: none (each seed's noise and
        kWTA tables stand on their own)."""
        return {}

    def save(self, out: object, net: Net) -> None:
        save_genome(net.genome, out / "genomes" / f"{slug(net.name)}.json")
