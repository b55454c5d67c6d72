"""Figures of a classification run: the champion's ensemble as a confusion matrix, and its
accuracy against the shared weight (train and test), beside the ensemble's."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from wann import WannError
from wann.plotting.data import RunData
from wann.plotting.figures import BEST, EVER

if TYPE_CHECKING:
    from wann.classify import ClassifyTask

GRID = np.linspace(-2.0, 2.0, 81)


def run_task(run: RunData, data: str | Path | None = None) -> ClassifyTask:
    """The run's classification task, split as its config.toml says (the data digest checked)."""
    from wann.config import from_dict
    from wann.families import resolve_task

    if run.task is None:
        raise WannError(f"{str(run.path)!r} names no task (no config.toml)")
    hp = from_dict(run.settings, source=str(run.path / "config.toml")) if run.settings else None
    return resolve_task(run.task, data, hp)


def confusion_figure(confusion: np.ndarray, accuracy: float, title: str) -> Figure:
    """counts[true, predicted] as a heat map, each cell labelled."""
    n = confusion.shape[0]
    fig = Figure(figsize=(6.2, 5.4), layout="constrained")
    ax = fig.add_subplot()
    rate = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    im = ax.imshow(rate, cmap="Blues", vmin=0.0, vmax=1.0)
    for i in range(n):
        for j in range(n):
            if confusion[i, j]:
                ax.text(j, i, str(int(confusion[i, j])), ha="center", va="center", fontsize=7,
                        color="white" if rate[i, j] > 0.6 else "black")
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(f"{title}\nensemble test accuracy {100 * accuracy:.1f}%", fontsize=10)
    fig.colorbar(im, ax=ax, shrink=0.8, label="share of the true class")
    return fig


def accuracy_figure(sweep: dict, ensemble_accuracy: float, weights: tuple[float, ...],
                    title: str) -> Figure:
    """Train and test accuracy over the shared weight, the ensemble's as a line."""
    fig = Figure(figsize=(7, 4.4), layout="constrained")
    ax = fig.add_subplot()
    w = sweep["weight"]
    ax.plot(w, 100 * sweep["train_accuracy"], "-", color="#999999", lw=1.2, label="training set")
    ax.plot(w, 100 * sweep["test_accuracy"], "-o", color=BEST, ms=2.5, lw=1.4, label="test set")
    b = sweep["best"]
    ax.plot([w[b]], [100 * sweep["test_accuracy"][b]], "*", color=EVER, ms=12,
            label=f"tuned (best on training): w = {w[b]:+.3g}, "
                  f"{100 * sweep['test_accuracy'][b]:.1f}% test")
    ax.axhline(100 * ensemble_accuracy, color=EVER, lw=1.0, ls="--",
               label=f"ensemble of the search's weights: {100 * ensemble_accuracy:.1f}%")
    for i, x in enumerate(weights):
        ax.axvline(x, color="#888888", lw=0.8, ls=":",
                   label="weights used in the search" if i == 0 else None)
    ax.axhline(10.0, color="#cccccc", lw=0.8, label="chance (10%)")
    ax.set_xlabel("shared weight")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 100)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=7)
    return fig


def classify_figures(run: RunData, data: str | Path | None = None) -> dict[str, Figure]:
    """{'confusion': ..., 'accuracy': ...} for the run's champion."""
    from wann.classify.report import sweep
    from wann.classify.scoring import ensemble
    from wann.config import STANDARD_WEIGHTS
    from wann.tasks import check_task_fits

    if run.champion is None:
        return {}
    task = run_task(run, data)
    check_task_fits(task, run.champion.n_in, run.champion.n_out, "the champion")
    weights = tuple(run.settings.get("weights") or STANDARD_WEIGHTS)
    ens = ensemble(task, run.champion, weights)
    sw = sweep(task, run.champion, GRID)
    head = f"Champion of {run.name} on {task.name} ({run.champion.n_enabled} connections)"
    return {
        "confusion": confusion_figure(ens.confusion, ens.accuracy, head),
        "accuracy": accuracy_figure(sw, ens.accuracy, weights, head),
    }
