"""The classification family's comparison: the WANN champion beside gradient-trained MLPs, as
test-set accuracy.

Columns (the control table's, as accuracy, plus the ensemble): random weights (every
connection from U(-2, 2)), random shared weight (one from U(-2, 2)), the ensemble over the
search's shared weights (softmax averaged), the tuned shared weight (best training accuracy
on a grid, scored on test) and tuned weights (the WANN: Adam from the tuned shared weight;
the baselines: their own weights, trained or not). An MLP row's shared weight sets every live
connection and bias to one value, as a genome's shared weight does; MLP rows are scored in
numpy (ReLU hidden layers, linear outputs), the WANN through its compiled genome.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from wann import WannError, streams
from wann.baselines.classifier import ClassifierNet
from wann.classify import ALIASES
from wann.classify.finetune import train_weights
from wann.classify.mlp import DEFAULT_HIDDEN, MLP, TrainSettings, hidden, mlp_layers, softmax
from wann.classify.scoring import accuracy, table_row, tuned_shared_weight
from wann.comparison.table import Row, Style
from wann.config import STANDARD_WEIGHTS
from wann.genome import Genome
from wann.methods.classification import (
    PIXEL_LEVELS,
    ClassifyContext,
    check_pixel_levels,
    noise_aggregate,
)
from wann.progress import Progress
from wann.scoring import summary

COLUMNS: tuple[tuple[str, str], ...] = (
    ("random_weights", "random weights"),
    ("random_shared", "random shared weight"),
    ("ensemble", "ensemble"),
    ("tuned_shared", "tuned shared weight"),
    ("tuned_weights", "tuned weights"),
)
DEFAULT_SPARSITIES = (0.5, 0.8, 0.9, 0.95)
WANN_LR = 0.01  # Adam's step for the WANN's own weights, from its tuned shared weight

LEGEND = {
    "obd": "OBD: LeCun et al.'s saliency h_kk w_k²/2, h from the Gauss-Newton Hessian diagonal of "
           "the training cross-entropy (second derivatives backpropagated; ReLU f'' = 0); the least "
           "salient weights deleted (each layer's share in proportion to its live weights), then "
           "retrained by Adam; each sparsity from the previous one's retrained net",
    "structured_finetune": "structured fine-tuned: whole hidden units removed, the same share in "
                           "each layer, keeping the largest L1 norm of incoming weights; survivors "
                           "fine-tuned by Adam",
    "structured_scratch": "structured scratch: the same architecture trained from a fresh "
                          "Glorot initialization for the dense net's epochs (Liu et al.'s Scratch-E)",
    "lottery_reinit": "ticket random reinit: each lottery ticket's mask on fresh random weights, "
                      "trained like one lottery round",
    "kwta": "kWTA: k-winners-take-all hidden layers (the k largest pre-activations kept, the rest "
            "zeroed, rarely winning units boosted) with a uniform random weight mask, trained "
            "by Adam",
    "linear": "linear: every input wired to every output and nothing else (softmax regression), "
              "trained by Adam like the dense net; the WANN paper's reference row on MNIST",
    "layer_reinit": "layer_reinit.md: each layer of the trained dense net reset to its initial or "
                    "to fresh random values",
    "noise": "noise.md: every row's accuracy with a share of each test image's pixels set to a "
             "bright value (Ahmad & Scheinkman), and its noise score",
}


def _cell(s: dict) -> str:
    if s["n"] == 1:
        return f"{100 * s['mean']:.1f}"
    return f"{100 * s['mean']:.1f} ± {100 * s['std']:.1f}"


def _notes(rows: Sequence[Row]) -> list[str]:
    lines = [
        "- random weights: every connection (and bias) from U(-2, 2), afresh in each draw;",
        "- random shared weight: one weight from U(-2, 2) on every connection and bias;",
        "- ensemble: softmax outputs averaged over the search's shared weights, then argmax;",
        "- tuned shared weight: the best training accuracy over the nonzero weights of a grid "
        "in [-2, 2], scored on the test set;",
        "- tuned weights: the WANN's connections trained by Adam from its tuned shared weight; "
        "a baseline's own weights (trained, or untrained for signed constants, supermasks and "
        "random weights).",
    ]
    methods = {r.family for r in rows}
    extra = [f"- {text};" for name, text in LEGEND.items() if name in methods]
    return lines + ([""] + extra if extra else [])


STYLE = Style(
    title="WANN against dense, pruned and random networks (test accuracy, %)",
    columns=COLUMNS,
    intro=lambda episodes, seed: (f"Test set accuracy; random columns: mean ± std over "
                                  f"{episodes} draws (seed {seed}); the same test images for "
                                  "every row."),
    cell=_cell, cost_key="training_samples", cost_label="training samples",
    cost=lambda n: "-" if n is None else f"{n:.3g}", notes=_notes, note_in_name=False,
    digits=6, stats=("mean", "std"), scale=100.0, unit="test accuracy", baseline=10.0,
)


def _point(value: float) -> dict:
    return summary(np.array([value]))


def mlp_probs(net: MLP, x: np.ndarray, weights: list[np.ndarray] | None = None,
              biases: list[np.ndarray] | None = None) -> np.ndarray:
    """Softmax outputs with other weights and biases on the net's mask (non-finite: NaN)."""
    h = np.asarray(x, np.float64)
    ws = weights if weights is not None else net.weights
    bs = biases if biases is not None else net.biases
    with np.errstate(all="ignore"):
        for i, (w, b, m) in enumerate(zip(ws, bs, net.masks)):
            h = h @ (w * m) + b
            if i < len(ws) - 1:
                h = hidden(h, net.kwta, i)
        return softmax(h)


def shared_probs(net: MLP, x: np.ndarray, w: float) -> np.ndarray:
    ws = [np.full(v.shape, w) for v in net.weights]
    bs = [np.full(b.shape, w) for b in net.biases]
    return mlp_probs(net, x, ws, bs)


def score_mlp(task: object, row: ClassifierNet, weights: Sequence[float], trials: int,
              seed: int, grid: np.ndarray) -> Row:
    """The five columns of one MLP row; its random draws from the row's own copy of the
    classification random stream (the same draws whatever the other rows)."""
    rng = streams.generator(seed, streams.CLASSIFY_RANDOM)
    net = row.net
    x, y = task.x_test, task.y_test
    rw = [accuracy(mlp_probs(net, x, [rng.uniform(-2, 2, v.shape) for v in net.weights],
                             [rng.uniform(-2, 2, b.shape) for b in net.biases]), y)
          for _ in range(trials)]
    rs = [accuracy(shared_probs(net, x, w), y) for w in rng.uniform(-2, 2, trials)]
    probs = np.stack([shared_probs(net, x, w) for w in weights])
    finite = np.isfinite(probs)
    mean = np.where(finite, probs, 0.0).sum(axis=0) / np.maximum(finite.sum(axis=0), 1)
    ens = float(np.mean(np.argmax(mean, axis=-1) == y))
    grid = grid[grid != 0.0]
    train = np.array([accuracy(shared_probs(net, task.x_train, w), task.y_train) for w in grid])
    best = float(grid[int(np.argmax(train))])
    scores = {
        "random_weights": summary(np.array(rw)),
        "random_shared": summary(np.array(rs)),
        "ensemble": _point(ens),
        "tuned_shared": _point(float(accuracy(shared_probs(net, x, best), y))),
        "tuned_weights": _point(row.test_accuracy(x, y)),
    }
    note = row.note or ("trained" if row.trained else "not trained")
    return Row(row.name, net.n_alive, net.sparsity, row.samples, scores, note, row.family,
               True, best)


def wann_capacity(genome: Genome) -> int:
    """Connections of a complete feed-forward net on the genome's nodes."""
    n_h = genome.n_hidden
    n_src = 1 + genome.n_in
    return n_src * (n_h + genome.n_out) + n_h * (n_h - 1) // 2 + n_h * genome.n_out


class WannNet:
    """The WANN row before scoring: the champion, the shared weights of its ensemble."""

    def __init__(self, genome: Genome, weights: Sequence[float], name: str) -> None:
        self.genome, self.weights, self.name = genome, list(weights), name
        self.family, self.in_table = "wann", True


def score_wann(task: object, w: WannNet, seed: int, trials: int, grid: np.ndarray,
               settings: TrainSettings) -> tuple[Row, dict]:
    r = table_row(task, w.genome, w.weights, seed, trials, grid, settings)
    scores = {
        "random_weights": r["random_weights"],
        "random_shared": r["random_shared_weight"],
        "ensemble": _point(r["ensemble"]),
        "tuned_shared": _point(r["tuned_shared_weight"]),
        "tuned_weights": _point(r["tuned_weights"]),
    }
    g = w.genome
    row = Row(w.name, int(g.n_enabled), 1.0 - g.n_enabled / wann_capacity(g), None, scores,
              f"tuned shared weight {r['tuned_weight_value']:+.3g}", "wann", True,
              float(r["tuned_weight_value"]))
    return row, r


class ClassifyComparison:
    """The classification family's part of a comparison (wann.comparison.run)."""

    name = "classification"
    style = STYLE
    ratios = None
    sparsities = DEFAULT_SPARSITIES
    noise_levels = PIXEL_LEVELS  # shares of an image's pixels noised
    check_noise = staticmethod(check_pixel_levels)
    refuses = ("budget", "tuned", "generations", "finetune_generations", "tune_generations",
               "rollouts", "sweep_episodes", "noise_episodes", "fast_math", "hidden")

    def check_grid(self, layer_sizes: Sequence[int], sparsities: Sequence[float],
                   champion: Genome | None) -> list[float]:
        return list(sparsities)

    def settings(self, r: object) -> dict:
        """What a seed folder's record adds: the epochs, the data split, the method options."""
        from dataclasses import asdict

        return {"epochs": r.epochs, "data": r.task.config(), "options": asdict(r.options)}

    def search_settings(self, r: object, family: object) -> object:
        """The fresh WANN search's settings: the data set's preset (32 generations with
        --quick, else 128, unless a preset is given)."""
        from wann.config import preset

        p = r.plan
        hp = preset(p.search_preset or family.default_preset(r.task.name))
        hp = family.run_settings(r.task, hp.replace(task=r.task.name))
        return hp if p.search_preset is not None else hp.replace(
            generations=32 if p.quick else 128)
    ylabel = "test accuracy (%)"

    def layers(self, task: object, hidden: Sequence[int] | None,
               dense_hidden: Sequence[int] | None) -> tuple[None, list[int]]:
        if hidden is not None:
            raise WannError("{hidden} sets the control tasks' fixed-topology row; on "
                            f"{task.name} the dense start is set by {{dense_hidden}}")
        dataset = ALIASES.get(task.name, task.name)
        h = (tuple(dense_hidden) if dense_hidden is not None
             else DEFAULT_HIDDEN.get(dataset, (100, 50)))
        return None, mlp_layers(task.n_in, task.n_out, h)

    def context(self, plan: object, task: object, seed: int, ev: object, layers: tuple,
                progress: Progress) -> ClassifyContext:
        return ClassifyContext(task, seed, plan.sparsities, layers[1], progress, plan.options,
                               settings=TrainSettings(epochs=plan.epochs),
                               lottery_rate=plan.lottery_rate)

    def wann(self, ctx: ClassifyContext, plan: object, genome: Genome, steps: int | None,
             weights: Sequence[float]) -> WannNet:
        name = "WANN (given champion)" if steps is None else "WANN (fresh search)"
        return WannNet(genome, weights or STANDARD_WEIGHTS, name)

    def score(self, ctx: ClassifyContext, plan: object, net: object, first: bool) -> Row:
        grid = np.linspace(-2.0, 2.0, plan.budget.grid)
        if isinstance(net, WannNet):
            ctx.progress.line("scoring the WANN (and training its weights)")
            settings = TrainSettings(epochs=plan.epochs, lr=WANN_LR)
            row, _ = score_wann(ctx.task, net, ctx.seed, plan.episodes, grid, settings)
            ctx.wann, ctx.wann_weights = net.genome, net.weights
            ctx.wann_tuned_weight = tuned_shared_weight(ctx.task, net.genome, grid).weight
            if "noise" in plan.method_names:
                ctx.wann_trained = train_weights(ctx.task, net.genome, ctx.wann_tuned_weight,
                                                 settings, ctx.seed)
            return row
        return score_mlp(ctx.task, net, ctx.wann_weights, plan.episodes, ctx.seed, grid)

    def intro(self, ctx: ClassifyContext, plan: object) -> str:
        """The line under the table's title: the test set, the draws, the dense net's training."""
        t = ctx.settings
        return (f"Test set: {ctx.task.y_test.size} images; random columns: mean ± std over "
                f"{plan.episodes} draws (seed {ctx.seed}); dense net "
                f"{'-'.join(map(str, ctx.layer_sizes))} trained by Adam ({t.epochs} epochs, "
                f"batch {t.batch_size}, lr {t.lr:g}).")

    def study_files(self, task: str, seed_dirs: dict[int, Path]) -> dict[str, str]:
        """The study's files over its seeds beyond the table: the noise scores."""
        csvs = {s: (d / "noise.csv").read_text() for s, d in seed_dirs.items()
                if (d / "noise.csv").is_file()}
        return noise_aggregate(csvs, task)

    def save(self, out: object, net: object) -> None:
        """MLP rows are described by the table; their weights are not written."""
