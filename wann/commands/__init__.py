"""Subcommands of the `wann` command; each module defines NAME, ORDER, register() and run()."""

from __future__ import annotations

from pathlib import Path

from wann import WannError, layout
from wann.classify import ALIASES, ClassifyTask, is_classification
from wann.config import Hyperparameters, load_file
from wann.genome import Genome
from wann.io import load_genome
from wann.tasks import Task, check_task_fits, get_task


def check_genome_path(path: str) -> None:
    """A folder where a genome file is expected: say which file the user likely meant."""
    p = Path(path)
    if p.is_dir():
        hint = next((p / n for n in ("champion.json", "tuned.json", "best.json")
                     if (p / n).is_file()), None)
        raise WannError(
            f"{str(p)!r} is a folder; pass a genome file"
            + (f", such as {str(hint)!r}" if hint else " (genome JSON or *.out)")
        )


def run_settings(genome_path: str | Path) -> Hyperparameters | None:
    """The settings of the run folder a genome file lies in (its config.toml), if any."""
    cfg = Path(genome_path).parent / layout.CONFIG
    if not cfg.is_file():
        return None
    try:
        return load_file(cfg)
    except WannError:
        return None


def task_and_genome(
    path: str, task_name: str | None, tuned: str | None = None, data: str | None = None,
) -> tuple[Task | ClassifyTask, Genome]:
    """The task (given, or named in the genome file) and the genome, checked to fit it.

    A classification task takes its split and minibatch from the config.toml beside the
    genome when that run used the same task (so a champion is scored on its run's test set)."""
    check_genome_path(path)
    if task_name is None:
        if path.endswith(".out"):
            raise WannError("a reference champion (*.out) needs --task")
        task_name = load_genome(path).meta.get("task")
        if task_name is None:
            raise WannError("the genome names no task; pass --task")
    hp = run_settings(path) if is_classification(task_name) else None
    same = hp is not None and ALIASES.get(hp.task) == ALIASES.get(task_name)
    task = get_task(task_name, data, hp if same else None)
    genome = load_genome(path, task.name, task.n_in, task.n_out, tuned)
    check_task_fits(task, genome.n_in, genome.n_out, f"genome {path}")
    return task, genome
