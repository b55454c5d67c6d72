"""What a task family implements, so that every verb is written once for all of them.

A family (control: gymnasium environments; classification: data sets) owns a set of task
names and knows how its tasks are resolved, which settings a bare run starts from, how a
population is evaluated, how one network is scored and tuned, and what `wann plot` and
`wann render` can do with its runs. The verbs (evolve, eval, tune, plot, render, the Python
API) ask `wann.families.family_of(task)` for the family and call these methods; they never
test a task's type.

Every task object carries its family's name as `task.family` (a string, so the core can read
it without importing any family); a task of a family other than control also has
`make_evaluator(backend, workers, *, scheduler, timeout, fast_math)`, which
`wann.evaluation.make_evaluator` calls after the checks every family shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from wann.config import Hyperparameters
    from wann.evaluation.protocol import Evaluator
    from wann.genome import Genome
    from wann.progress import Progress


def numbered(n_in: int, n_out: int) -> tuple[list[str], list[str]]:
    """Generic input and output names: in 1.., out 1.."""
    return [f"in {i + 1}" for i in range(n_in)], [f"out {i + 1}" for i in range(n_out)]


@dataclass(frozen=True)
class TuneOptions:
    """What `wann tune` asks of a family: the shared-weight sweep, then every weight trained.

    Control tasks train by CMA-ES (`generations`, `popsize`, `rollouts`, `sigmas`), a
    classification task by Adam (`epochs`, `lr`, `batch_size`), choosing the sweep's weight
    `by` training accuracy or cross-entropy. `source` names the genome in results.
    """

    grid: int = 81
    range: tuple[float, float] = (-2.0, 2.0)
    train_episodes: int = 32
    episodes: int = 100
    sweep_only: bool = False
    generations: int = 150
    popsize: int = 32
    rollouts: int = 4
    sigmas: tuple[float, ...] = (0.5,)
    by: str = "accuracy"
    epochs: int = 30
    lr: float = 0.01
    batch_size: int = 64
    source: str = ""

    def weight_grid(self) -> np.ndarray:
        """The sweep's shared weights."""
        from wann.sweep import weight_grid

        return weight_grid(self.grid, *self.range)


@runtime_checkable
class Family(Protocol):
    """A task family; see the module docstring. Implementations: wann.families.control,
    wann.families.classification."""

    #: "control", "classification": the value of `task.family` for its tasks.
    name: str
    #: Whether its tasks have an environment that `wann render` can record.
    can_render: bool
    #: Whether its networks are swept over episodes (sweep.csv from `wann tune` or
    #: `wann plot --sweep`); a family without it draws its own sweep figure.
    episode_sweep: bool

    def owns(self, name: str) -> bool:
        """Whether a task name belongs to this family (by the name only: nothing is loaded)."""
        ...

    def task_names(self) -> tuple[str, ...]:
        """Its built-in task names (for help and error messages)."""
        ...

    def canonical(self, name: str) -> str:
        """The task a name stands for (mnist256 and mnist are one data set): two names with
        the same canonical name share a run's task settings."""
        ...

    def resolve(
        self, name: str, data: str | Path | None = None, hp: Hyperparameters | None = None
    ) -> Any:
        """The task a name stands for; `data`: where its data lies, `hp`: a run's settings
        that shape the task (a split, a minibatch); defaults without them."""
        ...

    def io_names(self, name: str, n_in: int, n_out: int) -> tuple[list[str], list[str]]:
        """Names of a network's inputs and outputs on task `name` (for figures)."""
        ...

    def default_preset(self, name: str) -> str:
        """The preset a bare run of task `name` starts from (no --preset, no --config)."""
        ...

    def run_settings(self, task: Any, hp: Hyperparameters) -> Hyperparameters:
        """The settings as a run on `task` records them (a classification run: its minibatch
        and its data's digest)."""
        ...

    def make_evaluator(
        self, task: Any, backend: str = "auto", workers: int | None = 1, *,
        scheduler: str | None = None, timeout: float | None = None, fast_math: bool = False,
    ) -> Evaluator:
        """An evaluator of populations on `task`; a backend the family cannot use is a
        WannError."""
        ...

    def score(
        self, task: Any, genome: Genome, weights: Sequence[float], episodes: int, seed: int, *,
        backend: str = "auto", workers: int | None = 1, fast_math: bool = False,
        random: bool = False,
    ) -> dict:
        """`wann eval`'s numbers for one network (plain values, JSON-ready): per shared weight
        and over them, its own weights where tuned, with `random` random weights."""
        ...

    def print_score(self, result: dict) -> None:
        """`score`'s result (with its "genome" label) as `wann eval` prints it."""
        ...

    def check_tune(self, options: TuneOptions, seeds: Sequence[int] | None) -> None:
        """Bad tuning options (or several seeds where the family tunes once): WannError."""
        ...

    def tune(
        self, task: Any, genome: Genome, options: TuneOptions, out: Path, seed: int,
        evaluator: Evaluator, progress: Progress,
    ) -> dict:
        """The sweep, then (unless sweep-only) every weight trained; writes its files into
        `out` and returns what tune.json holds."""
        ...

    def print_tune(self, result: dict, out: Path) -> None:
        """`tune`'s result as `wann tune` prints it."""
        ...


def missing_members(family: object) -> list[str]:
    """The protocol's attributes and methods that `family` lacks."""
    names = [n for n in dir(Family) if not n.startswith("_")]
    names += list(getattr(Family, "__annotations__", {}))
    return sorted({n for n in names if not hasattr(family, n)})
