"""The comparison's baselines as objects: adding a baseline to `wann compare` is adding one here.

Each family builds its rows' networks from a shared `Context`; the dense family runs first
and leaves its trained network in the context for the families derived from it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wann.baselines.common import Net
from wann.baselines.dense import DenseRun, train_dense
from wann.baselines.lottery import lottery_tickets
from wann.baselines.prune import prune_and_finetune
from wann.baselines.random_nets import random_mask_net
from wann.baselines.signed import signed_constant, supermask
from wann.cmaes import CMASettings
from wann.evaluation import Evaluator
from wann.progress import Progress
from wann.streams import sub_seed
from wann.tasks import Task


@dataclass
class Context:
    """What every family builds from; `dense` is set by the dense family."""

    ev: Evaluator
    task: Task
    layer_sizes: Sequence[int]
    sparsities: Sequence[float]
    dense_cma: CMASettings
    retrain_cma: CMASettings
    finetune_cma: CMASettings
    seed: int
    progress: Progress
    dense: DenseRun | None = None
    # What one family leaves for another (the lottery tickets for their re-initialized
    # control) or for its own report (wann.baselines.methods).
    store: dict[str, object] = field(default_factory=dict)

    @property
    def trained(self) -> DenseRun:
        if self.dense is None:
            raise RuntimeError("the dense family must run before the families derived from it")
        return self.dense


@dataclass(frozen=True)
class Baseline:
    """One family of rows: its name (for the timings and `--methods`), how it builds its
    networks, and optionally a report run after scoring, given every row's network (the
    WANN's first) and the output folder (None: write nothing)."""

    name: str
    build: Callable[[Context], list[Net]]
    after: Callable[[Context, Sequence[Net], Path | None], None] | None = None


def _dense(c: Context) -> list[Net]:
    c.progress.line(f"training the dense {'-'.join(map(str, c.layer_sizes))} network")
    c.dense = train_dense(c.ev, c.task, c.layer_sizes, c.dense_cma, sub_seed(c.seed, 1), c.progress)
    return [c.dense.net]


def _pruned(c: Context) -> list[Net]:
    nets = []
    for i, s in enumerate(c.sparsities):
        c.progress.line(f"pruning to {s:.0%} and fine-tuning")
        nets.append(prune_and_finetune(c.ev, c.trained, s, c.finetune_cma, sub_seed(c.seed, 2, i),
                                       c.task.max_steps, c.progress))
    return nets


def _lottery(c: Context) -> list[Net]:
    c.progress.line("lottery tickets: iterative pruning with rewinding")
    tickets = lottery_tickets(c.ev, c.trained, c.sparsities, c.retrain_cma, sub_seed(c.seed, 3),
                              c.task.max_steps, progress=c.progress)
    c.store["lottery"] = tickets
    return tickets


def _signed(c: Context) -> list[Net]:
    return [signed_constant(c.trained, s) for s in c.sparsities]


def _supermask(c: Context) -> list[Net]:
    return [supermask(c.trained, s) for s in c.sparsities]


def _random_mask(c: Context) -> list[Net]:
    nets = []
    for i, s in enumerate(c.sparsities):
        c.progress.line(f"random mask at {s:.0%}")
        nets.append(random_mask_net(c.ev, c.trained, s, c.retrain_cma, sub_seed(c.seed, 4, i),
                                    c.task.max_steps, c.progress))
    return nets


# The table's rows after the WANN's, in order.
STANDARD: tuple[Baseline, ...] = (
    Baseline("dense", _dense),
    Baseline("pruned", _pruned),
    Baseline("lottery", _lottery),
    Baseline("signed_constant", _signed),
    Baseline("supermask", _supermask),
    Baseline("random_mask", _random_mask),
)
