"""`wann compare` on a classification task: the WANN champion beside gradient-trained MLPs
and the sparse networks of the pruning literature, as test-set accuracy.

Columns (the control table's, as accuracy, plus the ensemble): random weights (every
connection from U(-2, 2)), random shared weight (one from U(-2, 2)), the ensemble over the
search's shared weights (softmax averaged), the tuned shared weight (best training accuracy
on a grid, scored on test) and tuned weights (the WANN: Adam from the tuned shared weight;
the baselines: their own weights, trained or not). An MLP row's shared weight sets every live
connection and bias to one value, as a genome's shared weight does; the MLP rows are scored
in numpy (ReLU hidden layers, linear outputs), the WANN through its compiled genome.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wann import WannError
from wann.baselines.mlp import DEFAULT_HIDDEN, MLP, TrainSettings, hidden, mlp_layers, softmax
from wann.baselines.noise import DEFAULT_LEVELS
from wann.baselines.sparse_mlp import ClassifierNet, classification_baselines, train_dense
from wann.classify import ALIASES, ClassifyTask, data_digest, is_classification, sparsity
from wann.classify.finetune import train_weights
from wann.classify.report import random_stream
from wann.classify.scoring import accuracy, table_row, tuned_shared_weight
from wann.config import STANDARD_WEIGHTS, preset
from wann.genome import Genome
from wann.io import atomic_write, load_genome
from wann.scoring import summary

COLUMNS: tuple[tuple[str, str], ...] = (
    ("random_weights", "random weights"),
    ("random_shared_weight", "random shared weight"),
    ("ensemble", "ensemble"),
    ("tuned_shared_weight", "tuned shared weight"),
    ("tuned_weights", "tuned weights"),
)
GRID = np.linspace(-2.0, 2.0, 81)
DEFAULT_SPARSITIES = (0.5, 0.8, 0.9, 0.95)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The flags `wann compare` takes only for classification."""
    p.add_argument("--data", metavar="DIR", help="mnist: folder of the IDX files")
    p.add_argument("--epochs", type=int, help="classification: Adam epochs of every trained "
                   "net, each lottery round and the WANN's weights (30; --quick 10)")


def wanted(args: argparse.Namespace) -> bool:
    """Whether the comparison asked for is a classification one (by --task or the champion)."""
    name = args.task
    if name is None and args.champion and not args.champion.endswith(".out"):
        name = load_genome(args.champion).meta.get("task")
    return is_classification(name)


@dataclass
class Row:
    name: str
    connections: int
    sparsity: float
    samples: int | None  # training samples seen (gradient steps x batch); None: not counted
    scores: dict  # column -> accuracy summary (mean, std, ...) in [0, 1]
    note: str = ""


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
                h = hidden(h, net.k)
        return softmax(h)


def shared_probs(net: MLP, x: np.ndarray, w: float) -> np.ndarray:
    ws = [np.full(v.shape, w) for v in net.weights]
    bs = [np.full(b.shape, w) for b in net.biases]
    return mlp_probs(net, x, ws, bs)


def score_mlp(task: ClassifyTask, row: ClassifierNet, weights: Sequence[float], trials: int,
              rng: np.random.Generator) -> Row:
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
    grid = GRID[GRID != 0.0]
    train = np.array([accuracy(shared_probs(net, task.x_train, w), task.y_train) for w in grid])
    best = float(grid[int(np.argmax(train))])
    scores = {
        "random_weights": summary(np.array(rw)),
        "random_shared_weight": summary(np.array(rs)),
        "ensemble": _point(ens),
        "tuned_shared_weight": _point(float(accuracy(shared_probs(net, x, best), y))),
        "tuned_weights": _point(row.test_accuracy(x, y)),
    }
    note = row.note or ("trained" if row.trained else "not trained")
    return Row(row.name, net.n_alive, net.sparsity, row.samples, scores, note)


def wann_capacity(genome: Genome) -> int:
    """Connections of a complete feed-forward net on the genome's nodes."""
    n_h = genome.n_hidden
    n_src = 1 + genome.n_in
    return n_src * (n_h + genome.n_out) + n_h * (n_h - 1) // 2 + n_h * genome.n_out


def score_wann(task: ClassifyTask, genome: Genome, weights: Sequence[float], seed: int,
               trials: int, settings: TrainSettings, name: str, samples: int | None) -> Row:
    r = table_row(task, genome, weights, seed, trials, GRID, settings)
    scores = {
        "random_weights": r["random_weights"],
        "random_shared_weight": r["random_shared_weight"],
        "ensemble": _point(r["ensemble"]),
        "tuned_shared_weight": _point(r["tuned_shared_weight"]),
        "tuned_weights": _point(r["tuned_weights"]),
    }
    return Row(name, int(genome.n_enabled), 1.0 - genome.n_enabled / wann_capacity(genome),
               samples, scores, f"tuned shared weight {r['tuned_weight_value']:+.3g}")


def _cell(s: dict) -> str:
    if s["n"] == 1:
        return f"{100 * s['mean']:.1f}"
    return f"{100 * s['mean']:.1f} ± {100 * s['std']:.1f}"


def markdown_table(task: ClassifyTask, rows: Sequence[Row], trials: int, seed: int,
                   layers: Sequence[int], settings: TrainSettings) -> str:
    head = ["model", *(label for _, label in COLUMNS), "connections", "sparsity",
            "training samples"]
    lines = [
        f"# {task.name}: WANN against dense, pruned and random networks (test accuracy, %)",
        "",
        f"Test set: {task.y_test.size} images; random columns: mean ± std over {trials} draws "
        f"(seed {seed}); dense net {'-'.join(map(str, layers))} trained by Adam "
        f"({settings.epochs} epochs, batch {settings.batch_size}, lr {settings.lr:g}).",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for r in rows:
        cells = [r.name, *(_cell(r.scores[k]) for k, _ in COLUMNS), str(r.connections),
                 f"{100 * r.sparsity:.1f}%", "-" if r.samples is None else f"{r.samples:.3g}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "- random weights: every connection (and bias) from U(-2, 2), afresh in each draw;",
        "- random shared weight: one weight from U(-2, 2) on every connection and bias;",
        "- ensemble: softmax outputs averaged over the shared weights "
        f"{', '.join(f'{w:g}' for w in STANDARD_WEIGHTS)}, then argmax;",
        "- tuned shared weight: the best training accuracy over 80 nonzero weights in [-2, 2], "
        "scored on the test set;",
        "- tuned weights: the WANN's connections trained by Adam from its tuned shared weight; "
        "a baseline's own weights (trained, or untrained for signed constants, supermasks and "
        "random weights).",
    ]
    return "\n".join(lines) + "\n"


def csv_table(rows: Sequence[Row]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    head = ["model", "connections", "sparsity", "training_samples"]
    for key, _ in COLUMNS:
        head += [f"{key}_mean", f"{key}_std"]
    w.writerow(head)
    for r in rows:
        cells = [r.name, r.connections, f"{r.sparsity:.6f}", "" if r.samples is None else r.samples]
        for key, _ in COLUMNS:
            cells += [f"{r.scores[key]['mean']:.6f}", f"{r.scores[key]['std']:.6f}"]
        w.writerow(cells)
    return buf.getvalue()


def bar_chart(task: ClassifyTask, rows: Sequence[Row], path: Path) -> None:
    from matplotlib.figure import Figure

    n, k = len(rows), len(COLUMNS)
    x = np.arange(n)
    width = 0.8 / k
    fig = Figure(figsize=(max(8.0, 0.55 * n + 2), 5.0), dpi=120, layout="constrained")
    ax = fig.add_subplot()
    for j, (key, label) in enumerate(COLUMNS):
        ax.bar(x + (j - (k - 1) / 2) * width, [100 * r.scores[key]["mean"] for r in rows], width,
               yerr=[100 * r.scores[key]["std"] for r in rows], label=label, capsize=1.5,
               error_kw={"elinewidth": 0.6})
    ax.axhline(10.0, color="0.6", lw=0.8, ls="--")
    ax.set_xticks(x)
    ax.set_xticklabels([r.name for r in rows], rotation=55, ha="right", fontsize=8)
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 118)
    ax.set_title(f"{task.name}: WANN against dense, pruned and random networks")
    ax.legend(fontsize=8, ncols=k, loc="upper right")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    atomic_write(path, buf.getvalue())


def fresh_search(task: ClassifyTask, args: argparse.Namespace, out: Path) -> tuple[Genome, tuple]:
    """A small WANN search (the data set's preset, 32 or 128 generations)."""
    from wann.evaluation import make_evaluator
    from wann.reporters import ProgressReporter
    from wann.run import Run

    name = args.search_preset or ("digits" if ALIASES[task.name] == "digits" else "mnist256")
    hp = preset(name).replace(task=task.name, minibatch=task.minibatch,
                              data_digest=data_digest(task))
    if args.search_preset is None:
        hp = hp.replace(generations=32 if args.quick else 128)
    ev = make_evaluator(task, args.backend, args.workers)
    try:
        r = Run.new(task, hp, ev, out, args.seed, [ProgressReporter()])
        r.run()
    finally:
        ev.close()
    return r.search.best_ever, hp.weights


def run_classify_compare(args: argparse.Namespace) -> int:
    """`wann compare` for digits / mnist: rows, then table.md, compare.csv, compare.png."""
    from wann.baselines.prune import check_sparsity
    from wann.evaluation import make_evaluator
    from wann.outdir import check_writable
    from wann.progress import Progress
    from wann.tasks import check_task_fits, get_task

    if args.episodes < 1:
        raise WannError(f"--episodes must be at least 1, got {args.episodes}")
    if args.tuned:
        raise WannError("--tuned (reference weights for a *.out) does not apply to classification")
    sparsities = [check_sparsity(s) for s in args.sparsities]
    epochs = args.epochs if args.epochs is not None else (10 if args.quick else 30)
    if epochs < 1:
        raise WannError(f"--epochs must be at least 1, got {epochs}")
    name = args.task or load_genome(args.champion).meta.get("task")
    task = get_task(name, args.data)
    assert isinstance(task, ClassifyTask)
    hidden = tuple(args.hidden) if args.hidden else DEFAULT_HIDDEN[ALIASES[task.name]]
    if any(h < 1 for h in hidden):
        raise WannError(f"--hidden sizes must be at least 1, got {list(hidden)}")
    layers = mlp_layers(task.n_in, task.n_out, hidden)
    levels = list(getattr(args, "noise_levels", None) or DEFAULT_LEVELS)
    kwta_k = getattr(args, "kwta_k", None)
    methods = sparsity.select(getattr(args, "methods", None), layers, kwta_k, levels)
    champion, weights = None, STANDARD_WEIGHTS
    if args.champion:
        from wann.commands import task_and_genome

        task, champion = task_and_genome(args.champion, task.name, data=args.data)
        if champion.n_enabled == 0:
            raise WannError(f"champion {args.champion} has no enabled connection")
        check_task_fits(task, champion.n_in, champion.n_out, f"champion {args.champion}")
    out = Path(args.out or f"results/compare-{task.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    if (out / "compare.csv").exists():
        raise WannError(f"{str(out)!r} already holds a comparison; choose another --out")
    check_writable(out)
    make_evaluator(task, args.backend, args.workers).close()  # the backend is checked as usual
    t0 = time.perf_counter()
    progress = Progress()
    settings = TrainSettings(epochs=epochs)
    try:
        if champion is None:
            champion, weights = fresh_search(task, args, out / "search")
            label = "WANN (fresh search)"
        else:
            label = "WANN (given champion)"
        progress.line("scoring the WANN (and training its weights)")
        rows = [score_wann(task, champion, weights, args.seed, args.episodes,
                           TrainSettings(epochs=epochs, lr=0.01), label, None)]
        progress.line(f"training the baselines ({'-'.join(map(str, layers))}, {epochs} epochs)")
        dense = train_dense(layers, task.x_train, task.y_train, settings, args.seed)
        nets = classification_baselines(layers, task.x_train, task.y_train, sparsities, settings,
                                        args.seed, dense=dense)
        if methods:
            progress.line(f"the sparsity literature: {', '.join(methods)}")
        extras = sparsity.extra_rows(methods, dense, nets, task, sparsities, settings, args.seed,
                                     kwta_k)
        nets = nets[:-2] + extras.rows + nets[-2:]  # learned supermask, random weights last
        rng = random_stream(args.seed)
        rows += [score_mlp(task, n, weights, args.episodes, rng) for n in nets]
        curves = None
        if "noise" in methods:
            progress.line(f"pixel noise: {len(nets) + 3} rows x {len(levels)} levels")
            wann_settings = TrainSettings(epochs=epochs, lr=0.01)
            tw = tuned_shared_weight(task, champion, GRID).weight
            trained = train_weights(task, champion, tw, wann_settings, args.seed)
            curves = sparsity.noise_curves(task, nets, levels, args.seed, champion, weights, tw,
                                           trained)
    finally:
        progress.close()
    out.mkdir(parents=True, exist_ok=True)
    reports = sparsity.write_reports(out, task, extras, curves, layers, args.seed)
    atomic_write(out / "table.md", markdown_table(task, rows, args.episodes, args.seed, layers,
                                                  settings) + sparsity.legend(methods))
    if methods:
        sparsity.curves_figure(rows, out / "curves.png",
                               f"{task.name}: accuracy against connections, own weights")
        reports.insert(0, "curves.png")
    atomic_write(out / "compare.csv", csv_table(rows))
    record = {"task": task.name, "seed": args.seed, "trials": args.episodes, "epochs": epochs,
              "layers": list(layers), "sparsities": sparsities, "data": task.config(),
              "methods": list(methods), "noise_levels": levels if "noise" in methods else None,
              "seconds": round(time.perf_counter() - t0, 1),
              "rows": [{"model": r.name, "connections": r.connections, "sparsity": r.sparsity,
                        "training_samples": r.samples, "note": r.note, **r.scores} for r in rows]}
    atomic_write(out / "compare.json", json.dumps(record, indent=1) + "\n")
    bar_chart(task, rows, out / "compare.png")
    width = max(len(r.name) for r in rows)
    print(f"{'model':<{width}}  " + "  ".join(f"{label:>20}" for _, label in COLUMNS))
    for r in rows:
        print(f"{r.name:<{width}}  " + "  ".join(f"{_cell(r.scores[k]):>20}" for k, _ in COLUMNS))
    print(f"wrote {out / 'table.md'}, {', '.join(['compare.csv', 'compare.json', 'compare.png', *reports])} "
          f"({time.perf_counter() - t0:.0f} s)")
    return 0
