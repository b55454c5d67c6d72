"""One notion of a comparison method: what it needs, what it makes, on which task families.

A `Method` names its dependencies (other methods whose products it reads, such as the
trained dense start or the lottery tickets), builds the networks of its rows from a
`Context`, and may add a `Report` (tables and figures beside the comparison table) once every
row is scored. A method is written either once against the family-neutral part of the
context (`Context.initial`, `keep_per_layer`, `train_masked`: every family has them), or per
task family (`build={"control": f, "classification": g}`). `select` turns names into the
methods to run, dependencies first, and refuses a method a family cannot run with one line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from wann import WannError, streams
from wann.baselines.masks import layer_counts, n_keep
from wann.io import atomic_write
from wann.progress import Progress


@dataclass
class Report:
    """What a method writes beside the comparison table: texts (markdown, CSV) by file name,
    and figures as functions drawing into a path. `data` keeps what the report computed, for
    the Python API."""

    texts: dict[str, str] = field(default_factory=dict)
    figures: dict[str, Callable[[Path], None]] = field(default_factory=dict)
    data: object = None

    def write(self, out: Path) -> list[str]:
        """Write every file atomically into `out`; the names written."""
        out.mkdir(parents=True, exist_ok=True)
        for name, text in self.texts.items():
            atomic_write(out / name, text)
        for name, draw in self.figures.items():
            draw(out / name)
        return [*self.texts, *self.figures]


@dataclass
class Context:
    """What a method builds from, for one seed of one comparison.

    The family-neutral part: the task, the seed, the sparsity grid, the dense start's layer
    sizes, the progress line, the products of the methods run so far (read through `needed`,
    which only returns what the method declared), and the method options. Each task family's
    context adds its training machinery and implements its layered view of the dense start
    and its trainer (the operations at the end), over which every method is written once.
    """

    task: object
    seed: int
    sparsities: Sequence[float]
    layer_sizes: Sequence[int]
    progress: Progress
    options: object = None
    lottery_rate: float = 0.2
    products: dict[str, list] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)
    current: Method | None = None

    def needed(self, name: str) -> list:
        """The networks another method made; only a declared dependency can be read."""
        if self.current is not None and name not in (self.current.name, *self.current.needs):
            raise RuntimeError(f"method {self.current.name!r} reads {name!r} without declaring it")
        return self.products[name]

    def optional(self, name: str) -> list:
        """The networks of a method declared in `uses`, if it ran (else none)."""
        if self.current is not None and name not in (self.current.name, *self.current.uses):
            raise RuntimeError(f"method {self.current.name!r} reads {name!r} without declaring it")
        return self.products.get(name, [])

    def sub(self, *path: int) -> int:
        """The seed of one training of the method being built: (run seed, the method's tag in
        wann.streams, path), the same on every family."""
        return streams.sub_seed(self.seed, streams.method_tag(self.current.name if self.current
                                                              else ""), *path)

    def rng(self, index: int = 0) -> np.random.Generator:
        """The random stream of the method being built, one per `index` (e.g. per sparsity)."""
        tag = streams.method_tag(self.current.name if self.current else "")
        return streams.generator(streams.sub_seed(self.seed, tag, index), tag)

    def keep_per_layer(self, sparsity: float) -> list[int]:
        """How many weights each layer keeps at a sparsity (wann.baselines.masks.layer_counts)."""
        sizes = [m.size for m in self.initial()]
        return [int(k) for k in layer_counts(sizes, n_keep(sum(sizes), sparsity))]

    def dense_cost(self) -> int:
        """The cost (episode steps or training samples) of the trained dense start."""
        return self.cost_of(self.products["dense"][0])

    def train_masked(self, masks: Sequence[np.ndarray], name: str, sparsity: float, index: int,
                     weights: str = "initial", train: bool = True) -> object:
        """A row's network: the dense start's `weights` ("initial" or "trained") under
        `masks`, trained by the family's trainer (CMA-ES or Adam) unless `train` is False."""
        start = self.initial() if weights == "initial" else self.trained()
        cost = self.dense_cost() if weights == "trained" else 0
        return self.make(masks, start, name, sparsity, self.sub(index) if train else None,
                         base=weights, cost=cost)

    # What each family implements: its layered view of the dense start, and its trainer.
    bias_rows: ClassVar[int] = 0  # leading rows of each matrix that hold the layer's biases

    def initial(self) -> list[np.ndarray]:
        """The dense start's initial weights, one prunable matrix per layer."""
        raise NotImplementedError

    def trained(self) -> list[np.ndarray]:
        """The dense start's trained weights, one prunable matrix per layer."""
        raise NotImplementedError

    def fresh(self, rng: np.random.Generator) -> list[np.ndarray]:
        """New draws of the dense start's initial distribution."""
        raise NotImplementedError

    def init_sd(self) -> list[float]:
        """Per layer, the sd of the initial distribution (the signed constants' magnitude)."""
        raise NotImplementedError

    def weights_of(self, net: object) -> list[np.ndarray]:
        """A row's own weights, as matrices."""
        raise NotImplementedError

    def masks_of(self, net: object) -> list[np.ndarray]:
        """A row's masks."""
        raise NotImplementedError

    def cost_of(self, net: object) -> int:
        """What making a row cost: episode steps or training samples, parents included."""
        raise NotImplementedError

    def make(self, masks: Sequence[np.ndarray], weights: Sequence[np.ndarray], name: str,
             sparsity: float, seed: int | None, base: object = "initial", cost: int = 0,
             note: str = "", meta: dict | None = None) -> object:
        """A row's network: `weights` under `masks`, trained from there by the family's
        trainer with `seed` (None: not trained). `base` is where the rest comes from (the
        start's "initial" or "trained" state, or a row's net: biases outside the view, the
        training budget: retraining from initial values, fine-tuning otherwise); `cost` is
        what the row derives from; `meta` goes into a genome's record."""
        raise NotImplementedError

    def derivatives(self, masks: Sequence[np.ndarray], weights: Sequence[np.ndarray],
                    base: object, seed: int, level: int
                    ) -> tuple[list[np.ndarray], list[np.ndarray], int]:
        """The gradient of the loss and its Hessian's diagonal at `weights` under `masks` (0
        where masked), and their cost (OBD, SNIP)."""
        raise NotImplementedError


Builder = Callable[[Context], list]
Reporter = Callable[[Context, Sequence[object], Sequence[object]], Report | None]


@dataclass(frozen=True)
class Method:
    """One kind of comparison row (or report).

    `build`: one function for every family, or one per family name; `report`: optional, run
    after scoring with (context, every row's network, every scored row); `needs`: the methods
    whose products `build` reads (run first, added to a selection); `uses`: methods whose
    products it reads if they were selected (registered earlier, so they run first);
    `standard`: run by default; `curve`: its rows form a line on the sparsity curves.
    """

    name: str
    build: Builder | Mapping[str, Builder]
    label: str = ""
    needs: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    report: Reporter | Mapping[str, Reporter] | None = None
    standard: bool = False
    curve: bool = True

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")

    def builder(self, family: str) -> Builder | None:
        return self.build.get(family) if isinstance(self.build, Mapping) else self.build

    def reporter(self, family: str) -> Reporter | None:
        if isinstance(self.report, Mapping):
            return self.report.get(family)
        return self.report

    def runs_on(self, family: str) -> bool:
        return self.builder(family) is not None


_REGISTRY: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add a method (a new name, or replacing one of the same name); returns it."""
    if not method.name.isidentifier():
        raise WannError(f"a method's name must be an identifier, got {method.name!r}")
    for dep in method.needs:
        if dep not in _REGISTRY and dep != method.name:
            raise WannError(f"method {method.name!r} needs {dep!r}, which is not registered")
    _REGISTRY[method.name] = method
    return method


def registered() -> list[Method]:
    """Every method, in the order they run (dependencies always before their users)."""
    return list(_REGISTRY.values())


def method_names() -> list[str]:
    return list(_REGISTRY)


def import_method(name: str) -> str:
    """For `module:name`, import the user's module (which registers the method, as a
    `module:EnvId` task registers its environment); the method's name."""
    module, sep, method = name.partition(":")
    if not sep:
        return name
    import importlib

    try:
        importlib.import_module(module)
    except Exception as exc:  # any error while importing the user's module is bad input
        raise WannError(f"method {name!r}: cannot import module {module!r} "
                        f"({type(exc).__name__}: {exc}); is it on PYTHONPATH?") from None
    return method


def select(names: Sequence[str] | None, family: str) -> list[Method]:
    """The methods to run on a task family: None or 'standard' the family's standard ones,
    'all' every one the family can run; each dependency added; `module:name` imports the
    module that registers `name` first. An unknown name, or a method the family cannot run,
    is one error line."""
    names = [import_method(n) for n in names] if names is not None else ["standard"]
    every = registered()
    wanted: set[str] = set()
    for n in names:
        if n == "all":
            wanted.update(m.name for m in every if m.runs_on(family))
        elif n == "standard":
            wanted.update(m.name for m in every if m.standard and m.runs_on(family))
        elif n in _REGISTRY:
            if not _REGISTRY[n].runs_on(family):
                raise WannError(f"method {n!r} does not run on {family} tasks")
            wanted.add(n)
        else:
            raise WannError(f"unknown method {n!r}: use any of {', '.join(_REGISTRY)}, "
                            "standard or all")
    todo = list(wanted)
    while todo:
        for dep in _REGISTRY[todo.pop()].needs:
            if dep not in wanted:
                if not _REGISTRY[dep].runs_on(family):
                    raise WannError(f"method {dep!r} (needed) does not run on {family} tasks")
                wanted.add(dep)
                todo.append(dep)
    return [m for m in every if m.name in wanted]
