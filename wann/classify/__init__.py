"""Classification tasks: a data set scored by softmax cross-entropy, beside the gymnasium tasks.

A `ClassifyTask` is what the search and the evaluators need to know about a data set: input
and output sizes, the reference's hidden activation pool for classification (no step), the
output activation (linear; softmax is applied by the evaluator), the minibatch size of the
fitness, and the data itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from wann import WannError, streams
from wann.activations import CLASSIFICATION_POOL, LINEAR
from wann.datasets import Dataset, load_dataset

if TYPE_CHECKING:
    from wann.classify.evaluator import ClassifyEvaluator

# Reference: 1,000 training images per fitness evaluation.
DEFAULT_MINIBATCH = 1000


@dataclass(frozen=True)
class ClassifyTask:
    """A classification task; picklable (plain arrays), so workers can receive it."""

    #: The task family (wann.families.classification).
    family: ClassVar[str] = "classification"
    name: str
    n_in: int
    x_train: np.ndarray = field(repr=False)
    y_train: np.ndarray = field(repr=False)
    x_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)
    n_out: int = 10
    minibatch: int = DEFAULT_MINIBATCH
    hidden_acts: tuple[int, ...] = CLASSIFICATION_POOL
    output_act: int = LINEAR
    worst_return: float = -1e6
    split: dict = field(default_factory=dict)
    output_names: tuple[str, ...] = tuple(str(i) for i in range(10))

    def __post_init__(self) -> None:
        for what, x, y in (("training", self.x_train, self.y_train), ("test", self.x_test, self.y_test)):
            if x.ndim != 2 or x.shape[1] != self.n_in or y.shape != (x.shape[0],):
                raise WannError(f"task {self.name!r}: {what} data must be [n, {self.n_in}] with n labels")
            if y.size and (y.min() < 0 or y.max() >= self.n_out):
                raise WannError(f"task {self.name!r}: {what} labels must lie in 0..{self.n_out - 1}")
        if not 1 <= self.minibatch <= self.x_train.shape[0]:
            raise WannError(
                f"task {self.name!r}: minibatch {self.minibatch} must lie in 1..{self.x_train.shape[0]} "
                "(the training set's size)"
            )

    @property
    def env_id(self) -> str:
        """A label in the place of a gymnasium id (a classification task makes no env)."""
        return f"wann/classify:{self.name}"

    @property
    def max_steps(self) -> int:
        """A fitness evaluation is one step: one pass over a minibatch."""
        return 1

    @property
    def n_train(self) -> int:
        return int(self.x_train.shape[0])

    def minibatch_indices(self, seed: int) -> np.ndarray:
        """The training samples of one fitness evaluation, drawn (without replacement) from an
        episode seed: every net and weight of a generation gets the same ones."""
        rng = streams.generator(seed, streams.MINIBATCH)
        return np.sort(rng.choice(self.n_train, size=self.minibatch, replace=False)).astype(np.int64)

    def make_evaluator(
        self, backend: str = "auto", workers: int | None = 1, *, scheduler: str | None = None,
        timeout: float | None = None, fast_math: bool = False,
    ) -> ClassifyEvaluator:
        """This task's evaluator (wann.evaluation.make_evaluator calls it): compiled or
        serial only, one compiled call scoring a whole generation."""
        from wann.classify.evaluator import make_classify_evaluator

        return make_classify_evaluator(self, backend, workers, scheduler=scheduler,
                                       timeout=timeout, fast_math=fast_math)

    def config(self) -> dict:
        """Plain values that fix the task (for a run's config): data split and minibatch."""
        return {**self.split, "minibatch": int(self.minibatch)}


def from_dataset(data: Dataset, minibatch: int | None = None) -> ClassifyTask:
    """A task over a loaded data set (minibatch: the reference's 1,000, capped at the train size
    only when not given)."""
    mb = minibatch if minibatch is not None else min(DEFAULT_MINIBATCH, data.x_train.shape[0])
    return ClassifyTask(
        name=data.name,
        n_in=data.n_in,
        x_train=np.ascontiguousarray(data.x_train, np.float64),
        y_train=np.ascontiguousarray(data.y_train, np.int64),
        x_test=np.ascontiguousarray(data.x_test, np.float64),
        y_test=np.ascontiguousarray(data.y_test, np.int64),
        n_out=data.n_classes,
        minibatch=int(mb),
        split=dict(data.split),
    )


def get_classify_task(
    name: str, data_dir: str | Path | None = None, minibatch: int | None = None, **options: object
) -> ClassifyTask:
    """'digits', 'mnist' or 'mnist28' as a task (options go to the data set's loader)."""
    return from_dataset(load_dataset(name, data_dir, **options), minibatch)


# Task names that are data sets; mnist256 is the reference's name for 16x16 MNIST, mnist28
# the 28x28 images as distributed (the LeNet-300-100 baselines' input).
ALIASES = {"digits": "digits", "mnist": "mnist", "mnist256": "mnist", "mnist28": "mnist28"}


def is_classification(name: object) -> bool:
    """Whether a task name (or a task) is a classification data set."""
    if isinstance(name, ClassifyTask):
        return True
    return isinstance(name, str) and name in ALIASES


def data_digest(task: ClassifyTask) -> str:
    """A short checksum of the exact arrays a task holds (inputs after preprocessing, labels,
    the split): two tasks with the same digest saw the same data."""
    h = hashlib.sha256()
    for a in (task.x_train, task.y_train, task.x_test, task.y_test):
        h.update(str(a.shape).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def classify_task(
    name: str, data_dir: str | Path | None = None, *, minibatch: int = 0,
    test_fraction: float = 0.25, split_seed: int = 0, digest: str = "",
) -> ClassifyTask:
    """A classification task by name with a run's data settings (minibatch 0: the default).

    With `digest` (from a run's settings), the data must be the same as the run's: a
    different MNIST folder, a changed split or another scikit-learn's digits is an error.
    """
    dataset = ALIASES.get(name)
    if dataset is None:
        raise WannError(f"unknown classification task {name!r}: use one of {', '.join(ALIASES)}")
    options = {"test_fraction": test_fraction, "split_seed": split_seed} if dataset == "digits" else {}
    task = get_classify_task(dataset, data_dir, minibatch or None, **options)
    if digest and data_digest(task) != digest:
        raise WannError(
            f"the {dataset} data loaded now (digest {data_digest(task)}) differs from the data "
            f"the run used (digest {digest}, data_digest in its config.toml): check --data / "
            "WANN_DATA and the split settings"
        )
    return task


__all__ = ["ClassifyTask", "classify_task", "data_digest", "from_dataset", "get_classify_task",
           "is_classification"]
