"""The Python API: search, evaluate and score from a script, with the CLI's checks.

    result = wann.evolve("swingup", wann.preset("quick").replace(generations=20), seed=1)
    result.champion, result.history, result.population

`evolve` writes no files unless given `out`. A task is a built-in name, a gymnasium id, a
`Task`, or a callable returning a `gymnasium.Env`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from wann import WannError
from wann.config import STANDARD_WEIGHTS, Hyperparameters, load_file, preset
from wann.families import default_settings, family_of, resolve_task, task_for_run
from wann.genome import Genome
from wann.layout import holds_run
from wann.network import compile_population
from wann.reporters import Reporter
from wann.run import Run
from wann.scoring import test_seeds
from wann.tasks import Task, check_task_fits

#: A task name, a task object of any family (wann.tasks.Task, wann.classify.ClassifyTask, ...),
#: or a callable returning a gymnasium.Env.
TaskLike = str | Task | Any | Callable[[], gym.Env]


@dataclass
class RunResult:
    """What a search found: the best-ever genome, the per-generation log, the last population.

    Examples:
        >>> import wann
        >>> result = wann.evolve("cartpole", {"pop_size": 8, "generations": 3, "n_reps": 1})
        >>> result.column("best_fitness").shape
        (3,)
        >>> result.champion.n_in, result.champion.n_out
        (4, 2)
    """

    champion: Genome | None
    fitness: float
    history: list[dict]  # one row per generation, columns wann.layout.LOG_COLUMNS
    population: list[Genome]
    task: Any  # the task object (wann.tasks.Task, wann.classify.ClassifyTask, ...)

    def column(self, name: str) -> np.ndarray:
        """One log column over the generations (e.g. "best_fitness")."""
        return np.array([row[name] for row in self.history])


def as_task(task: TaskLike, data: str | Path | None = None) -> Any:
    """A task from a name (a classification one reads `data` for MNIST), a gymnasium id, a
    task object, or an env factory (wann.families.resolve_task)."""
    return resolve_task(task, data)


def as_settings(
    config: Hyperparameters | str | Path | dict | None, task: TaskLike = "swingup"
) -> Hyperparameters:
    """Settings from Hyperparameters, a TOML/reference JSON file, a dict of changes to the
    task family's settings for a bare run, or None (those settings, as `wann evolve
    --task TASK` without --preset or --config: quick for control tasks, the data set's own
    preset for digits and mnist)."""
    if config is None:
        return default_settings(task)
    if isinstance(config, Hyperparameters):
        return config
    if isinstance(config, dict):
        return default_settings(task).replace(**config)
    return load_file(config, base=preset("quick"))


def evolve(
    task: TaskLike,
    config: Hyperparameters | str | Path | dict | None = None,
    *,
    backend: str = "auto",
    workers: int | None = 1,
    seed: int = 0,
    reporters: Sequence[Reporter] = (),
    out: str | Path | None = None,
    data: str | Path | None = None,
) -> RunResult:
    """Run a WANN search to `config.generations`; with `out`, also write a run folder.

    A classification task ("digits", "mnist" with `data` or $WANN_DATA) is split and batched
    as the settings say (minibatch, test_fraction, split_seed); the run records them.

    Examples:
        >>> import wann
        >>> settings = wann.preset("quick").replace(pop_size=8, generations=2, n_reps=1)
        >>> result = wann.evolve("cartpole", settings, seed=1)
        >>> len(result.history), len(result.population)
        (2, 8)
    """
    hp = as_settings(config, task)
    if isinstance(task, str):
        t, hp = task_for_run(hp.replace(task=task), data)
    else:
        t = as_task(task)
        hp = family_of(t).run_settings(t, hp)  # the run records the task's own settings
    if out is not None and holds_run(out):
        raise WannError(f"run folder {str(out)!r} already holds a run")
    ev = family_of(t).make_evaluator(t, backend, workers)
    try:
        run = Run.new(t, hp, ev, out, seed, list(reporters))
        run.run()
    finally:
        ev.close()
    s = run.search
    return RunResult(s.best_ever, s.best_ever_fitness, run.rows, list(s.population), t)


def evaluate(
    genomes: Sequence[Genome],
    task: TaskLike,
    weights: Sequence[float] = STANDARD_WEIGHTS,
    episodes: int | Sequence[int] = 10,
    *,
    backend: str = "auto",
    workers: int | None = 1,
    seed: int = 0,
) -> np.ndarray:
    """Returns [genome, weight, episode]: every genome with each shared weight on the same
    episodes (`episodes` test-episode seeds drawn from `seed`, or the given episode seeds).

    Examples:
        >>> import wann
        >>> task = wann.get_task("cartpole")
        >>> search = wann.Search(wann.preset("quick"), task.n_in, task.n_out, task.hidden_acts)
        >>> returns = wann.evaluate(search.ask()[:4], task, weights=[-1.0, 1.0], episodes=3)
        >>> returns.shape
        (4, 2, 3)
    """
    t = as_task(task)
    for g in genomes:
        check_task_fits(t, g.n_in, g.n_out, "a genome")
    seeds = (test_seeds(seed, episodes) if isinstance(episodes, int | np.integer)
             else np.asarray(episodes, dtype=np.int64))
    if seeds.size < 1:
        raise WannError("evaluate needs at least one episode")
    ev = family_of(t).make_evaluator(t, backend, workers)
    try:
        returns, _ = ev.evaluate(compile_population(list(genomes)),
                                 np.asarray(weights, dtype=np.float64), seeds)
    finally:
        ev.close()
    return returns


def score(
    genome: Genome | str | Path,
    task: TaskLike | None = None,
    weights: Sequence[float] = STANDARD_WEIGHTS,
    episodes: int = 100,
    *,
    backend: str = "auto",
    seed: int = 0,
) -> dict:
    """`wann eval` from Python: mean, std, min, max of the return per shared weight and over
    all of them, on `episodes` test episodes, and with the genome's own weights where it has
    tuned ones (baselines, tuned WANNs). A path is loaded with `load_genome`. On a
    classification task: `wann eval`'s accuracies (`episodes`: random-weight draws).

    Examples:
        >>> import wann
        >>> task = wann.get_task("cartpole")
        >>> genome = wann.Search(wann.preset("quick"), task.n_in, task.n_out, task.hidden_acts).ask()[0]
        >>> scores = wann.score(genome, task, episodes=5)
        >>> len(scores["shared_weights"]), "mean" in scores["all_shared_weights"]  # six weights
        (6, True)
    """
    from wann.io import load_genome

    if isinstance(genome, str | Path):
        genome = load_genome(genome)
    name = task if task is not None else genome.meta.get("task")
    if name is None:
        raise WannError("the genome names no task; pass one")
    t = as_task(name)
    check_task_fits(t, genome.n_in, genome.n_out, "a genome")
    return family_of(t).score(t, genome, weights, episodes, seed, backend=backend)
