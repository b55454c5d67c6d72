"""Subcommands of the `wann` command; each module defines NAME, ORDER, register() and run()."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wann import WannError, layout
from wann.config import Hyperparameters, load_file
from wann.families import family_of
from wann.genome import Genome
from wann.io import load_genome
from wann.tasks import check_task_fits


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
) -> tuple[Any, Genome]:
    """The task (given, or named in the genome file) and the genome, checked to fit it.

    The task takes its run settings (a classification task: its split and minibatch) from
    the config.toml beside the genome when that run used the same task (so a champion is
    scored on its run's test set)."""
    check_genome_path(path)
    if task_name is None:
        if path.endswith(".out"):
            raise WannError("a reference champion (*.out) needs --task")
        task_name = load_genome(path).meta.get("task")
        if task_name is None:
            raise WannError("the genome names no task; pass --task")
    family = family_of(task_name)
    hp = run_settings(path)
    same = (hp is not None and family_of(hp.task) is family
            and family.canonical(hp.task) == family.canonical(task_name))
    task = family.resolve(task_name, data, hp if same else None)
    genome = load_genome(path, task.name, task.n_in, task.n_out, tuned)
    check_task_fits(task, genome.n_in, genome.n_out, f"genome {path}")
    return task, genome
