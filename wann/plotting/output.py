"""Writing figures: where they go, checked before any drawing, and the sweep on request."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from wann import WannError
from wann.io import atomic_write
from wann.plotting.data import SWEEP_FILE, RunData, load_run, read_sweep
from wann.plotting.figures import (
    complexity_figure,
    fitness_figure,
    objectives_figure,
    overlay_figure,
    sweep_figure,
)
from wann.plotting.network import network_figure

FIGURES_DIR = "figures"


def _classification_figures(run: RunData, data: str | Path | None) -> dict[str, Figure]:
    from wann.plotting.classify import classify_figures

    return classify_figures(run, data)


#: The figures a task family adds to one run's (run, data folder) -> {stem: figure}, by the
#: family's name; a family registered elsewhere may add its own here.
FAMILY_FIGURES: dict[str, Callable[[RunData, str | Path | None], dict[str, Figure]]] = {
    "classification": _classification_figures,
}


def check_out_dir(out: Path) -> Path:
    """Make sure figures can be written to `out` (creating it); one clear error if not."""
    p = out
    while not p.exists() and p != p.parent:
        p = p.parent
    if p.exists() and not p.is_dir():
        raise WannError(f"cannot write figures to {str(out)!r}: {str(p)!r} is a file")
    if not os.access(p, os.W_OK):
        raise WannError(f"cannot write figures to {str(out)!r}: permission denied "
                        "(choose another folder with {out})")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WannError(f"cannot write figures to {str(out)!r}: {exc.strerror or exc}") from None
    return out


def save_figure(fig: Figure, out_dir: Path, stem: str, svg: bool = False) -> list[Path]:
    """PNG (and SVG) of fig, each written atomically; returns the paths."""
    paths = []
    for fmt in ("png", "svg") if svg else ("png",):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=150 if fmt == "png" else None)
        path = out_dir / f"{stem}.{fmt}"
        try:
            atomic_write(path, buf.getvalue())
        except OSError as exc:
            raise WannError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
        paths.append(path)
    return paths


def compute_sweep(
    run: RunData, grid: int = 81, episodes: int = 32, seed: int = 0, backend: str = "auto",
    workers: int = 1,
) -> Path:
    """The champion's shared-weight sweep over [-2, 2], written as the run's sweep.csv.

    Same grid, episodes and seeds as `wann tune --sweep-only`, so either makes the same file.
    """
    from wann.families import family_of, resolve_task
    from wann.streams import SWEEP, stream_seeds
    from wann.sweep import sweep_shared_weight, weight_grid
    from wann.tasks import check_task_fits

    if run.champion is None:
        raise WannError(f"{str(run.path)!r} holds no champion.json to sweep")
    if run.task is None:
        raise WannError(f"{str(run.path)!r} names no task (no config.toml)")
    task = resolve_task(run.task)
    check_task_fits(task, run.champion.n_in, run.champion.n_out, "the champion")
    ev = family_of(task).make_evaluator(task, backend, workers)
    try:
        sweep = sweep_shared_weight(
            ev, run.champion, stream_seeds(seed, SWEEP, episodes), weight_grid(grid)
        )
    finally:
        ev.close()
    path = run.path / SWEEP_FILE
    atomic_write(path, sweep.to_csv())
    run.sweep = read_sweep(path)
    return path


def plot_run(
    run_dir: str | Path, out: str | Path | None = None, svg: bool = False, sweep: bool = False,
    backend: str = "auto", workers: int = 1, data: str | Path | None = None,
) -> tuple[list[Path], list[str]]:
    """Every figure of one run; returns (paths written, notes on figures left out).

    A family adds its own figures (FAMILY_FIGURES): a classification run the champion's
    confusion matrix (its ensemble over the shared weights) and its accuracy against the
    shared weight; `data`: the MNIST folder."""
    from wann.families import CONTROL, family_of

    run = load_run(run_dir)
    out_dir = check_out_dir(Path(out) if out else run.path / FIGURES_DIR)
    notes: list[str] = []
    family = family_of(run.task) if run.task else CONTROL
    if sweep and not family.episode_sweep:
        notes.append(f"--sweep: a {family.name} run's accuracy.png is its sweep (drawn anyway)")
        sweep = False
    if sweep:
        if not os.access(run.path, os.W_OK):
            raise WannError(f"cannot write {SWEEP_FILE} into {str(run.path)!r}: permission denied")
        compute_sweep(run, backend=backend, workers=workers)
    written: list[Path] = []
    written += save_figure(fitness_figure(run), out_dir, "fitness", svg)
    written += save_figure(complexity_figure(run), out_dir, "complexity", svg)
    if run.population is not None:
        written += save_figure(objectives_figure(run), out_dir, "objectives", svg)
    else:
        notes.append("no population.csv (a run from before it was written): objectives skipped")
    if run.champion is not None:
        fit = run.champion.meta.get("fitness")
        title = (f"Champion of {run.name}: {run.champion.n_enabled} connections, "
                 f"{run.champion.n_hidden} hidden nodes"
                 + (f", fitness {fit:.1f}" if isinstance(fit, int | float) else ""))
        written += save_figure(network_figure(run.champion, run.task, title), out_dir,
                               "network", svg)
    else:
        notes.append("no champion.json: network figure skipped")
    figures = FAMILY_FIGURES.get(family.name)
    if figures is not None:
        for stem, fig in figures(run, data).items():
            written += save_figure(fig, out_dir, stem, svg)
    if run.sweep is not None:
        written += save_figure(sweep_figure(run), out_dir, "sweep", svg)
    elif family.episode_sweep:
        notes.append("no sweep.csv (run wann tune, or wann plot --sweep): sweep figure skipped")
    return written, notes


def plot_overlay(
    run_dirs: list[str | Path], out: str | Path | None = None, svg: bool = False,
    column: str = "best_fitness",
) -> list[Path]:
    """One figure of several runs; written to `out` or beside the runs (their common parent)."""
    runs = [load_run(d) for d in run_dirs]
    if out is None:
        parents = [str(r.path.resolve().parent) for r in runs]
        out = Path(os.path.commonpath(parents))
    out_dir = check_out_dir(Path(out))
    return save_figure(overlay_figure(runs, column), out_dir, f"overlay_{column}", svg)
