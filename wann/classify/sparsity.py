"""`wann compare --task digits --methods ...`: the sparsity literature's methods on
classification, gradient-trained (`wann.baselines.mlp_literature`), as rows of the comparison
table and as reports beside it.

Rows: obd, structured_finetune, structured_scratch, lottery_reinit, kwta. Reports:
layer_reinit (layer_reinit.md/.csv/.png) and noise (noise.md/.csv/.png): every row's test
accuracy, the WANN's ensemble, tuned shared weight and tuned weights included, with Gaussian
noise N(0, sd^2) added to every pixel of every test image. The noise is one standard normal
draw per pixel (seeded), scaled by the level: the same noisy images for every row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from wann import WannError
from wann.baselines.layer_reinit import LayerReinit, reinit_figure
from wann.baselines.methods import method_names
from wann.baselines.mlp import TrainSettings
from wann.baselines.mlp_literature import (
    LayerReset,
    check_kwta_k,
    kwta_net,
    layer_resets,
    obd_prune,
    structured_finetune,
    structured_scratch,
    ticket_reinit,
)
from wann.baselines.noise import DEFAULT_LEVELS, NoiseCurve, check_levels, noise_figure
from wann.baselines.sparse_mlp import ClassifierNet, DenseMLP
from wann.classify import ClassifyTask
from wann.classify.scoring import batch_probs
from wann.genome import Genome
from wann.io import atomic_write
from wann.network import compile_genome

#: The methods that add rows or reports on classification, in the order they run.
EXTRA = ("obd", "structured_finetune", "structured_scratch", "lottery_reinit", "kwta",
         "layer_reinit", "noise")
PIXEL_NOISE = 0xA015E  # the pixel noise's stream (wann.streams.OBS_NOISE)


def select(names: Sequence[str] | None, layers: Sequence[int], kwta_k: int | None,
           levels: Sequence[float]) -> tuple[str, ...]:
    """The extra methods asked for (the standard families always run on classification: they
    take seconds); 'all' is every one. Unknown names, bad k and bad levels are refused."""
    check_levels(levels)
    if not names:
        return ()
    known = method_names()
    wanted: set[str] = set()
    for n in names:
        if n == "all":
            wanted.update(EXTRA)
        elif n == "standard" or n in known and n not in EXTRA:
            continue
        elif n in EXTRA:
            wanted.add(n)
        else:
            raise WannError(f"unknown method {n!r}: use any of {', '.join(known)}, "
                            "standard or all")
    if "kwta" in wanted:
        check_kwta_k(default_k(layers) if kwta_k is None else kwta_k, layers)
    return tuple(m for m in EXTRA if m in wanted)


def default_k(layers: Sequence[int]) -> int:
    """Half the narrowest hidden layer, rounded up."""
    hid = [int(h) for h in layers[1:-1]]
    return max(1, (min(hid) + 1) // 2) if hid else 1


@dataclass
class Extras:
    """What the extra methods made: rows for the main table, and their reports' data."""

    rows: list[ClassifierNet] = field(default_factory=list)
    resets: list[LayerReset] = field(default_factory=list)


def extra_rows(
    methods: Sequence[str], dense: DenseMLP, standard: Sequence[ClassifierNet],
    task: ClassifyTask, sparsities: Sequence[float], settings: TrainSettings, seed: int,
    kwta_k: int | None,
) -> Extras:
    """Train the rows of the chosen methods (and the layer resets) on the training set."""
    x, y = task.x_train, task.y_train
    e = Extras()
    if "obd" in methods:
        e.rows += obd_prune(dense, x, y, sparsities, settings, seed)
    if "structured_finetune" in methods:
        e.rows += [structured_finetune(dense, x, y, s, settings, seed) for s in sparsities]
    if "structured_scratch" in methods:
        e.rows += [structured_scratch(dense, x, y, s, settings, seed) for s in sparsities]
    if "lottery_reinit" in methods:
        tickets = [r for r in standard if r.name.startswith("lottery ticket")]
        e.rows += [ticket_reinit(dense, t, x, y, settings, seed) for t in tickets]
    if "kwta" in methods:
        k = default_k(dense.init.layers) if kwta_k is None else kwta_k
        e.rows += [kwta_net(dense.init.layers, x, y, k, s, settings, seed) for s in sparsities]
    if "layer_reinit" in methods:
        e.resets = layer_resets(dense, task.x_test, task.y_test, seed)
    return e


def pixel_noise(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Standard normal draws, one per pixel of every test image: scaled by each level, the
    same for every row."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), PIXEL_NOISE])).standard_normal(shape)


def _correct(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    ok = np.all(np.isfinite(probs), axis=-1)
    return ((np.argmax(np.nan_to_num(probs, nan=-1.0), axis=-1) == y) & ok).astype(np.float64)


def _ensemble(probs: np.ndarray) -> np.ndarray:
    finite = np.isfinite(probs)
    return np.where(finite, probs, 0.0).sum(axis=0) / np.maximum(finite.sum(axis=0), 1)


def noise_curves(
    task: ClassifyTask, nets: Sequence[ClassifierNet], levels: Sequence[float], seed: int,
    wann: Genome | None = None, weights: Sequence[float] = (), tuned_weight: float | None = None,
    wann_trained: Genome | None = None,
) -> list[NoiseCurve]:
    """Per-image correctness [level, image] of every row on the noisy test sets: the WANN's
    ensemble over `weights`, its tuned shared weight and its trained weights (where given),
    then each net with its own weights. Curve means are accuracies."""
    levels = check_levels(levels)
    z = pixel_noise(task.x_test.shape, seed)
    y = task.y_test
    xs = [task.x_test + s * z for s in levels]
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
        out.append(NoiseCurve("WANN tuned weights", lv,
                              np.stack([_correct(batch_probs(task, own, [1.0], x)[0], y) for x in xs])))
    for n in nets:
        out.append(NoiseCurve(n.name, lv, np.stack([_correct(n.net.probs(x), y) for x in xs])))
    return out


def noise_csv(curves: Sequence[NoiseCurve]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["model", "noise_sd", "accuracy", "images"])
    for c in curves:
        for lv, r in zip(c.levels, c.returns):
            w.writerow([c.model, f"{lv:.6g}", f"{r.mean():.6f}", r.size])
    return buf.getvalue()


def noise_markdown(curves: Sequence[NoiseCurve], task: str, seed: int) -> str:
    levels = curves[0].levels if curves else np.array(DEFAULT_LEVELS)
    n = curves[0].returns.shape[1] if curves else 0
    head = ["model", *(f"sd {lv:g}" for lv in levels)]
    lines = [
        f"# {task}: robustness to pixel noise (test accuracy, %)",
        "",
        f"N(0, sd²) added to every pixel (pixels in [0, 1], not clipped) of the {n} test images; "
        f"one standard normal draw per pixel (seed {seed}) scaled by each level, the same noisy "
        "images for every row. Own weights; the WANN as its ensemble over the search's shared "
        "weights, at its tuned shared weight, and with its weights trained.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for c in curves:
        lines.append("| " + " | ".join([c.model, *(f"{100 * r.mean():.1f}" for r in c.returns)])
                     + " |")
    return "\n".join(lines) + "\n"


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
        f"# {task}: layer re-initialization of the dense {net} net (test accuracy, %)",
        "",
        f"Trained net: {100 * t:.1f}% on the {n_test} test images. Each row resets one weight "
        "layer (its biases included) to its recorded initial values or to fresh draws of the "
        "initial distribution (Glorot normal, zero biases); the other layers keep their "
        "trained values.",
        "",
        "| layer | weights | re-initialized (initial values) | drop | re-randomized | drop |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r.name} | {r.weights} | {100 * r.reinit:.1f} | "
                     f"{100 * (r.trained - r.reinit):.1f} | {100 * r.rerandom:.1f} | "
                     f"{100 * (r.trained - r.rerandom):.1f} |")
    return "\n".join(lines) + "\n"


def write_reports(out: Path, task: ClassifyTask, extras: Extras, curves: list[NoiseCurve] | None,
                  layers: Sequence[int], seed: int) -> list[str]:
    """layer_reinit.* and noise.* in the run folder; the names written."""
    written = []
    net = "-".join(map(str, layers))
    if extras.resets:
        atomic_write(out / "layer_reinit.csv", reset_csv(extras.resets, net))
        atomic_write(out / "layer_reinit.md",
                     reset_markdown(extras.resets, net, task.name, task.y_test.size))
        bars = [LayerReinit(r.layer, r.name, r.weights, np.array([100 * r.trained]),
                            np.array([100 * r.reinit]), np.array([100 * r.rerandom]))
                for r in extras.resets]
        reinit_figure(bars, out / "layer_reinit.png",
                      f"{task.name}: resetting one layer of the trained {net} net",
                      ylabel="drop in test accuracy, points (trained − reset)")
        written += ["layer_reinit.md", "layer_reinit.csv", "layer_reinit.png"]
    if curves is not None:
        atomic_write(out / "noise.csv", noise_csv(curves))
        atomic_write(out / "noise.md", noise_markdown(curves, task.name, seed))
        pct = [NoiseCurve(c.model, c.levels, 100 * c.returns) for c in curves]
        noise_figure(pct, out / "noise.png", f"{task.name}: test accuracy against pixel noise",
                     xlabel="pixel noise sd (pixels in [0, 1])", ylabel="test accuracy (%)",
                     highlight=("WANN ensemble", "WANN tuned shared weight", "WANN tuned weights"))
        written += ["noise.md", "noise.csv", "noise.png"]
    return written


LEGEND = {
    "obd": "OBD: LeCun et al.'s saliency h_kk w_k²/2, h from the Gauss-Newton Hessian diagonal of "
           "the training cross-entropy (second derivatives backpropagated; ReLU f'' = 0); the least "
           "salient weights of each layer deleted (magnitude pruning's counts), then retrained by "
           "Adam; each sparsity from the previous one's retrained net",
    "structured_finetune": "structured fine-tuned: whole hidden units removed, the same share in "
                           "each layer, keeping the largest L1 norm of incoming weights; survivors "
                           "fine-tuned by Adam",
    "structured_scratch": "structured scratch: the same architecture trained from a fresh "
                          "Glorot initialization for the dense net's epochs (Liu et al.'s Scratch-E)",
    "lottery_reinit": "ticket random reinit: each lottery ticket's mask on fresh random weights, "
                      "trained like one lottery round",
    "kwta": "kWTA: k-winners-take-all hidden layers (the k largest pre-activations kept, the rest "
            "zeroed) with a uniform random weight mask, trained by Adam (no boosting)",
    "layer_reinit": "layer_reinit.md: each layer of the trained dense net reset to its initial or "
                    "to fresh random values",
    "noise": "noise.md: every row's accuracy with Gaussian noise on the test pixels",
}


def legend(methods: Sequence[str]) -> str:
    """The table's notes on the extra rows and reports."""
    if not methods:
        return ""
    return "\n" + "\n".join(f"- {LEGEND[m]};" for m in methods) + "\n"


def curves_figure(rows: Sequence, path: Path, title: str) -> None:
    """Tuned-weights test accuracy against live connections (log axis), one line per family of
    sparse rows; the dense net and the WANN's columns as markers."""
    import matplotlib

    matplotlib.use("Agg")
    import re

    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10.0, 5.5), dpi=120)
    groups: dict[str, list] = {}
    for r in rows:
        if r.name.endswith("%"):
            groups.setdefault(re.sub(r"\s*[\d.]+%$", "", r.name), []).append(r)
    cmap = plt.get_cmap("tab20")
    for i, (f, rs) in enumerate(groups.items()):
        rs = sorted(rs, key=lambda r: r.connections)
        ax.plot([r.connections for r in rs], [100 * r.scores["tuned_weights"]["mean"] for r in rs],
                "-o", markersize=3, color=cmap((2 * i + (i // 10) % 2) % 20), label=f,
                linewidth=1.0)
    for r in rows:
        if r.name.startswith("WANN"):
            for key, mark in (("ensemble", "*"), ("tuned_shared_weight", "P"),
                              ("tuned_weights", "X")):
                ax.plot([r.connections], [100 * r.scores[key]["mean"]], mark, markersize=11,
                        color="black", label=f"WANN {key.replace('_', ' ')}")
        elif r.name.startswith("dense"):
            ax.plot([r.connections], [100 * r.scores["tuned_weights"]["mean"]], "s",
                    markersize=8, color="0.4", label=r.name)
    ax.set_xscale("log")
    ax.set_xlabel("live connections (log)")
    ax.set_ylabel("test accuracy, own weights (%)")
    ax.axhline(10.0, color="0.6", lw=0.8, ls="--")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
