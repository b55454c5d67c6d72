"""The methods on classification tasks: masked MLPs trained by Adam on cross-entropy.

`ClassifyContext` is the classification family's `Context`: the training data, the Adam
settings, the trained dense start (`DenseMLP`, set by the dense method), its layered view and
trainer, over which wann.methods.literature's methods run. The functions below are the methods
that exist only here (the learned supermask, the untrained net) or that the family does its
own way (the dense start, kWTA nets, the reports).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from wann import WannError, streams
from wann.baselines.classifier import (
    MASK_LR,
    SET_ZETA,
    ClassifierNet,
    DenseMLP,
    LayerReset,
    kwta_net,
    layer_resets,
    learned_supermask,
    obd_diagonal,
    random_weights,
    train_dense,
    with_masks,
)
from wann.baselines.classifier import sparse_evolutionary as set_train
from wann.baselines.kwta import default_k
from wann.baselines.layer_reinit import LayerReinit
from wann.baselines.masks import pct
from wann.baselines.noise import NoiseCurve, check_levels
from wann.classify.mlp import MLP, TrainLog, TrainSettings, gradients, init_mlp
from wann.classify.mlp import train as adam
from wann.classify.scoring import batch_probs
from wann.methods.literature import uniform_masks
from wann.methods.registry import Context, Report
from wann.network import compile_genome
from wann.plotting.comparison import noise_figure, reinit_figure
from wann.stats import FOOTNOTE, aggregate


@dataclass
class ClassifyContext(Context):
    """A classification task's comparison: Adam's settings and the trained dense start once
    the dense method ran; its layered view is the weight matrices (biases are never pruned:
    a row's biases come from where it starts). The WANN row's genome, its ensemble weights,
    tuned shared weight and trained genome are set by the comparison for the noise report."""

    settings: TrainSettings | None = None
    dense: DenseMLP | None = None
    wann: object = None
    wann_weights: Sequence[float] = ()
    wann_tuned_weight: float | None = None
    wann_trained: object = None

    @property
    def start(self) -> DenseMLP:
        if self.dense is None:
            raise RuntimeError("the dense method must run before the methods derived from it")
        return self.dense

    @property
    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        return self.task.x_train, self.task.y_train

    def initial(self) -> list[np.ndarray]:
        return [w.copy() for w in self.start.init.weights]

    def trained(self) -> list[np.ndarray]:
        return [w.copy() for w in self.start.trained.weights]

    def fresh(self, rng: np.random.Generator) -> list[np.ndarray]:
        return init_mlp(self.layer_sizes, rng, self.start.init.weights[0].dtype).weights

    def init_sd(self) -> list[float]:
        return [float(np.sqrt(2.0 / sum(w.shape))) for w in self.start.init.weights]

    def weights_of(self, net: ClassifierNet) -> list[np.ndarray]:
        return [w.copy() for w in net.net.weights]

    def masks_of(self, net: ClassifierNet) -> list[np.ndarray]:
        return [m.copy() for m in net.net.masks]

    def cost_of(self, net: ClassifierNet) -> int:
        return net.samples

    def _net(self, masks: Sequence[np.ndarray], weights: Sequence[np.ndarray],
             base: object) -> MLP:
        src = {"initial": self.start.init, "trained": self.start.trained}.get(base) \
            if isinstance(base, str) else base.net
        dtype = self.start.init.weights[0].dtype
        return with_masks(src, [np.asarray(m, bool) for m in masks],
                          [np.asarray(w, dtype) for w in weights])

    def make(self, masks: Sequence[np.ndarray], weights: Sequence[np.ndarray], name: str,
             sparsity: float, seed: int | None, base: object = "initial", cost: int = 0,
             note: str = "", meta: dict | None = None) -> ClassifierNet:
        net = self._net(masks, weights, base)
        if seed is None:
            return ClassifierNet(name, net, False, sparsity, cost, note or "no training")
        log = TrainLog()
        net = adam(net, *self.xy, self.settings, seed, log)
        return ClassifierNet(name, net, True, sparsity, cost + log.samples, note)

    def derivatives(self, masks: Sequence[np.ndarray], weights: Sequence[np.ndarray],
                    base: object, seed: int, level: int
                    ) -> tuple[list[np.ndarray], list[np.ndarray], int]:
        """The gradient of the mean training cross-entropy and its Gauss-Newton diagonal by
        backpropagation of second derivatives, over the whole training set (no samples
        trained on)."""
        net = self._net(masks, weights, base)
        _, grad, _ = gradients(net, *self.xy)
        return [g.astype(np.float64) for g in grad], obd_diagonal(net, self.task.x_train), 0


def dense(c: ClassifyContext) -> list[ClassifierNet]:
    c.progress.line(f"training the dense {'-'.join(map(str, c.layer_sizes))} net "
                    f"({c.settings.epochs} epochs of Adam)")
    c.dense = train_dense(c.layer_sizes, *c.xy, c.settings, c.seed)
    return [ClassifierNet("dense " + "-".join(map(str, c.layer_sizes)), c.dense.trained, True,
                          0.0, c.dense.samples)]


def linear(c: ClassifyContext) -> list[ClassifierNet]:
    """A linear classifier (softmax regression: every input wired to every output) trained
    by Adam with the dense start's settings: the WANN paper's reference row on MNIST (91.6%,
    LeCun et al. 1998's linear classifier on deskewed images)."""
    layers = [c.task.n_in, c.task.n_out]
    name = "-".join(map(str, layers))
    c.progress.line(f"training the linear {name} classifier ({c.settings.epochs} epochs of Adam)")
    d = train_dense(layers, *c.xy, c.settings, c.sub())
    return [ClassifierNet(f"linear {name}", d.trained, True, 0.0, d.samples)]


def learned(c: ClassifyContext) -> list[ClassifierNet]:
    return [learned_supermask(c.start, *c.xy, replace(c.settings, lr=MASK_LR), c.seed)]


def untrained(c: ClassifyContext) -> list[ClassifierNet]:
    return [random_weights(c.start)]


def sparse_evolutionary(c: ClassifyContext) -> list[ClassifierNet]:
    """SET at each sparsity: a uniform random mask with the per-layer counts of magnitude
    pruning, pruned and regrown after every epoch of Adam."""
    nets = []
    for i, s in enumerate(c.sparsities):
        c.progress.line(f"SET at {pct(s)}: prune and regrow while training")
        seed = c.sub(i)
        net, samples = set_train(c.start.init, uniform_masks(c, seed, s), *c.xy, c.settings, seed)
        nets.append(ClassifierNet(f"SET {pct(s)}", net, True, s, samples,
                                  note=f"{SET_ZETA:.0%} of each layer regrown after every epoch"))
    return nets


def kwta(c: ClassifyContext) -> list[ClassifierNet]:
    k = c.options.kwta_k if c.options.kwta_k is not None else default_k(c.layer_sizes)
    return [kwta_net(c.layer_sizes, *c.xy, k, s, c.settings, c.sub(i))
            for i, s in enumerate(c.sparsities)]


# ---------------------------------------------------------------------------- reports
def layer_reinit_report(c: ClassifyContext, nets: Sequence, rows: Sequence) -> Report:
    resets = layer_resets(c.start, c.task.x_test, c.task.y_test, c.seed)
    net = "-".join(map(str, c.layer_sizes))
    bars = [LayerReinit(r.layer, r.name, r.weights, np.array([100 * r.trained]),
                        np.array([100 * r.reinit]), np.array([100 * r.rerandom])) for r in resets]
    title = f"{c.task.name}: resetting one layer of the trained {net} net"
    return Report(
        {"layer_reinit.csv": reset_csv(resets, net),
         "layer_reinit.md": reset_markdown(resets, net, c.task.name, c.task.y_test.size)},
        {"layer_reinit.png": lambda p: reinit_figure(
            bars, p, title, ylabel="drop in test accuracy, points (trained − reset)")},
        resets)


# Ahmad & Scheinkman's noise test on MNIST: a share of each test image's pixels set to one
# bright value, from 0 to 50% in steps of 5%; the noise score sums the correct answers over
# the levels (110,000 at most on MNIST's 10,000 test images).
PIXEL_LEVELS: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(11))


def check_pixel_levels(levels: Sequence[float]) -> list[float]:
    """Distinct shares of an image's pixels, in [0, 1], in increasing order."""
    lv = check_levels(levels)
    if lv and lv[-1] > 1.0:
        raise WannError("pixel noise levels are shares of an image's pixels, in [0, 1]; "
                        f"got {lv[-1]:g}")
    return lv


def white_value(x_train: np.ndarray) -> float:
    """The noise pixels' value: the training pixels' mean plus two standard deviations, as
    Ahmad & Scheinkman (0.1307 + 2 x 0.3081 on MNIST's 28x28 images)."""
    x = np.asarray(x_train, np.float64)
    return float(x.mean() + 2.0 * x.std())


def pixel_ranks(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Each test image's pixels in a random order (rank 0 first): at level s the pixels of
    rank below int(s x pixels) are noised, so a level's noise pixels hold the lower levels'.
    The same for every row, from the seed's pixel-noise stream."""
    u = streams.generator(seed, streams.PIXEL_NOISE).random(shape)
    return np.argsort(np.argsort(u, axis=1, kind="stable"), axis=1, kind="stable")


def noised(x: np.ndarray, ranks: np.ndarray, level: float, white: float) -> np.ndarray:
    """The images with the share `level` of their pixels (by `ranks`) set to `white`."""
    return np.where(ranks < int(x.shape[1] * level), np.asarray(white, x.dtype), x)


def noise_report(c: ClassifyContext, nets: Sequence, rows: Sequence) -> Report:
    levels = c.options.noise_levels
    mlps = [n for n in nets if isinstance(n, ClassifierNet)]
    c.progress.line(f"pixel noise: {len(mlps) + 3} rows x {len(levels)} levels")
    curves = noise_curves(c.task, mlps, levels, c.seed, c.wann, c.wann_weights,
                          c.wann_tuned_weight, c.wann_trained)
    pct_curves = [NoiseCurve(k.model, 100 * k.levels, 100 * k.returns) for k in curves]
    title = f"{c.task.name}: test accuracy against pixel noise"
    return Report(
        {"noise.csv": noise_csv(curves),
         "noise.md": noise_markdown(curves, c.task.name, white_value(c.task.x_train), c.seed)},
        {"noise.png": lambda p: noise_figure(
            pct_curves, p, title, xlabel="pixels set to the noise value (%)",
            ylabel="test accuracy (%)",
            highlight=("WANN ensemble", "WANN tuned shared weight", "WANN tuned weights"))},
        curves)


def _correct(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    ok = np.all(np.isfinite(probs), axis=-1)
    return ((np.argmax(np.nan_to_num(probs, nan=-1.0), axis=-1) == y) & ok).astype(np.float64)


def _ensemble(probs: np.ndarray) -> np.ndarray:
    finite = np.isfinite(probs)
    return np.where(finite, probs, 0.0).sum(axis=0) / np.maximum(finite.sum(axis=0), 1)


def noise_curves(
    task: object, nets: Sequence[ClassifierNet], levels: Sequence[float], seed: int,
    wann: object = None, weights: Sequence[float] = (), tuned_weight: float | None = None,
    wann_trained: object = None,
) -> list[NoiseCurve]:
    """Per-image correctness [level, image] of every row on the noisy test sets (Ahmad &
    Scheinkman's noise: `noised`): the WANN's ensemble over `weights`, its tuned shared weight
    and its trained weights (where given), then each net with its own weights. Curve means
    are accuracies; the sum of a curve's returns is its noise score."""
    levels = check_pixel_levels(levels)
    ranks = pixel_ranks(task.x_test.shape, seed)
    white = white_value(task.x_train)
    y = task.y_test
    xs = [noised(task.x_test, ranks, s, white) for s in levels]
    out: list[NoiseCurve] = []
    lv = np.array(levels)
    if wann is not None:
        shared = compile_genome(wann)
        ens = [_correct(_ensemble(batch_probs(task, shared, weights, x)), y) for x in xs]
        out.append(NoiseCurve("WANN ensemble", lv, np.stack(ens)))
        if tuned_weight is not None:
            tw = [_correct(batch_probs(task, shared, [tuned_weight], x)[0], y) for x in xs]
            out.append(NoiseCurve("WANN tuned shared weight", lv, np.stack(tw)))
    if wann_trained is not None:
        own = compile_genome(wann_trained, use_weights=True)
        out.append(NoiseCurve("WANN tuned weights", lv, np.stack(
            [_correct(batch_probs(task, own, [1.0], x)[0], y) for x in xs])))
    for n in nets:
        out.append(NoiseCurve(n.name, lv, np.stack([_correct(n.net.probs(x), y) for x in xs])))
    return out


def noise_csv(curves: Sequence[NoiseCurve]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["model", "pixels_noised", "accuracy", "correct", "images"])
    for c in curves:
        for lv, r in zip(c.levels, c.returns):
            w.writerow([c.model, f"{lv:.6g}", f"{r.mean():.6f}", int(r.sum()), r.size])
    return buf.getvalue()


def noise_markdown(curves: Sequence[NoiseCurve], task: str, white: float, seed: int) -> str:
    levels = curves[0].levels if curves else np.array([])
    n = curves[0].returns.shape[1] if curves else 0
    head = ["model", *(f"{100 * lv:g}%" for lv in levels), "noise score"]
    lines = [
        f"# {task}: robustness to pixel noise (test accuracy, %)", "",
        f"Ahmad & Scheinkman's noise: in each of the {n} test images a share of the pixels "
        f"(the column) is set to {white:.4f}, the training pixels' mean "
        "plus two standard deviations; the pixels in a random order per image (seed "
        f"{seed}), the same noisy images for every row. Noise score: correct answers summed "
        f"over the levels (at most {n * len(levels):,}). Own weights; the WANN as its ensemble "
        "over the search's shared weights, at its tuned shared weight, and with its weights "
        "trained.", "",
        "| " + " | ".join(head) + " |", "|" + "---|" * len(head),
    ]
    for c in curves:
        lines.append("| " + " | ".join([c.model, *(f"{100 * r.mean():.1f}" for r in c.returns),
                                        f"{int(c.returns.sum()):,}"]) + " |")
    return "\n".join(lines) + "\n"


def noise_aggregate(seed_csvs: dict[int, str], task: str) -> dict[str, str]:
    """noise.md of a study over seeds, from each seed's noise.csv: every row's clean accuracy,
    accuracy at the highest level and noise score, mean over the seeds [95% bootstrap
    interval] and standard deviation (as Ahmad & Scheinkman report theirs). {} when fewer
    than two seeds hold one."""
    per_row: dict[str, dict[int, list[dict]]] = {}
    for seed, text in sorted(seed_csvs.items()):
        for r in csv.DictReader(io.StringIO(text)):
            per_row.setdefault(r["model"], {}).setdefault(seed, []).append(r)
    if len(seed_csvs) < 2 or not per_row:
        return {}
    seeds = sorted(seed_csvs)
    first = next(iter(per_row.values()))[seeds[0]]
    levels = [float(r["pixels_noised"]) for r in first]
    images = int(first[0]["images"])
    lines = [f"# {task}: noise scores over {len(seeds)} seeds", "",
             f"Seeds {', '.join(map(str, seeds))} (each seed's `seed-N/noise.md`); pixel levels "
             f"{', '.join(f'{100 * v:g}%' for v in levels)} of {images:,} test images, so a "
             f"noise score is at most {images * len(levels):,}. {FOOTNOTE}", "",
             f"| model | clean accuracy | accuracy at {100 * levels[-1]:g}% | noise score "
             "| noise score sd | seeds |", "|---|---|---|---|---|---|"]
    for model, by_seed in per_row.items():
        rows = [by_seed[s] for s in seeds if s in by_seed]
        clean = aggregate([100 * float(r[0]["accuracy"]) for r in rows])
        worst = aggregate([100 * float(r[-1]["accuracy"]) for r in rows])
        score = aggregate([sum(int(x["correct"]) for x in r) for r in rows])
        sd = float(np.std(score.values, ddof=1)) if score.n > 1 else 0.0
        cell = (f"{score.mean:,.0f} [{score.low:,.0f}, {score.high:,.0f}]" if score.n > 1
                else f"{score.mean:,.0f}")
        lines.append(f"| {model} | {clean.cell(1)} | {worst.cell(1)} | {cell} | {sd:,.0f} | "
                     f"{score.n} |")
    return {"noise.md": "\n".join(lines) + "\n"}


def reset_csv(rows: Sequence[LayerReset], net: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["net", "layer", "name", "weights", "trained_accuracy", "reinit_accuracy",
                "reinit_drop", "rerandom_accuracy", "rerandom_drop"])
    for r in rows:
        w.writerow([net, r.layer, r.name, r.weights, f"{r.trained:.6f}", f"{r.reinit:.6f}",
                    f"{r.trained - r.reinit:.6f}", f"{r.rerandom:.6f}",
                    f"{r.trained - r.rerandom:.6f}"])
    return buf.getvalue()


def reset_markdown(rows: Sequence[LayerReset], net: str, task: str, n_test: int) -> str:
    t = rows[0].trained if rows else float("nan")
    lines = [
        f"# {task}: layer re-initialization of the dense {net} net (test accuracy, %)", "",
        f"Trained net: {100 * t:.1f}% on the {n_test} test images. Each row resets one weight "
        "layer (its biases included) to its recorded initial values or to fresh draws of the "
        "initial distribution (Glorot normal, zero biases); the other layers keep their "
        "trained values.", "",
        "| layer | weights | re-initialized (initial values) | drop | re-randomized | drop |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r.name} | {r.weights} | {100 * r.reinit:.1f} | "
                     f"{100 * (r.trained - r.reinit):.1f} | {100 * r.rerandom:.1f} | "
                     f"{100 * (r.trained - r.rerandom):.1f} |")
    return "\n".join(lines) + "\n"
