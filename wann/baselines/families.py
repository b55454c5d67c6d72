"""The comparison's baselines as objects: adding a baseline to `wann compare` is adding one here.

Each family builds its rows' networks from a shared `Context`. The paper's fixed-topology row
(5-10-1 on swing-up) stands alone; the dense family trains the over-parameterized start
(`Context.layer_sizes`, 5-64-64-1 on swing-up, separable CMA-ES) and leaves it in the context
for the families derived from it, which build one network per sparsity of `Context.sparsities`.

The interface (stable; new methods such as OBD or structured pruning plug in here):
- `Baseline(name, build, curve=True, label="")`: `build(ctx) -> list[Net]` makes the rows;
  with `curve`, its rows form a line of the sparsity-curve figure (return against remaining
  connections), labelled `label` or `name`. Adding a method to the table and the curves is
  appending one Baseline to `STANDARD` (or passing your own list to `run_compare`).
- A derived family reads `ctx.trained` (the trained dense start: `DenseRun` with `init`,
  `trained` weights, `conn_layer`, `result.genome`), prunes with
  `wann.baselines.prune.magnitude_mask` / `random_nets.random_mask` (Frankle & Carbin's
  layer-wise counts, exact at every sparsity), trains with `wann.cmaes.cma_es` on
  `ctx.retrain_cma` or `ctx.finetune_cma`, and names rows "<method> <pct(sparsity)>" with
  `Net(..., sparsity=s)` so rows of different seeds line up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wann.baselines.common import Net
from wann.baselines.dense import DenseRun, train_dense
from wann.baselines.lottery import lottery_tickets
from wann.baselines.prune import pct, prune_and_finetune
from wann.baselines.random_nets import random_mask_net
from wann.baselines.signed import signed_constant, supermask
from wann.cmaes import CMASettings
from wann.evaluation import Evaluator
from wann.progress import Progress
from wann.streams import sub_seed
from wann.tasks import Task


@dataclass
class Context:
    """What every family builds from; `dense` is set by the dense family.

    `layer_sizes` and `dense_cma`: the over-parameterized dense start the derived families
    prune; `paper_layers` and `paper_cma`: the paper's fixed-topology row (None: no such row);
    `lottery_rate`: the share of live weights each lottery round prunes.
    """

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
    paper_layers: Sequence[int] | None = None
    paper_cma: CMASettings | None = None
    lottery_rate: float = 0.2

    @property
    def trained(self) -> DenseRun:
        if self.dense is None:
            raise RuntimeError("the dense family must run before the families derived from it")
        return self.dense


@dataclass(frozen=True)
class Baseline:
    """One family of rows: its name (timings, `--methods`, curve key), how it builds its
    networks, optionally a report run after scoring (given every row's network, the WANN's
    first, and the output folder; None: write nothing), whether its rows form a sparsity
    curve, and the curve's legend label (default: the name)."""

    name: str
    build: Callable[[Context], list[Net]]
    after: Callable[[Context, Sequence[Net], Path | None], None] | None = None
    curve: bool = True
    label: str = ""

    @property
    def legend(self) -> str:
        return self.label or self.name.replace("_", " ")


def _paper_dense(c: Context) -> list[Net]:
    if c.paper_layers is None:
        return []
    c.progress.line(f"training the paper's {'-'.join(map(str, c.paper_layers))} network")
    d = train_dense(c.ev, c.task, c.paper_layers, c.paper_cma or c.dense_cma, sub_seed(c.seed, 1),
                    c.progress)
    return [d.net]


def _dense(c: Context) -> list[Net]:
    name = "-".join(map(str, c.layer_sizes))
    c.progress.line(f"training the dense {name} start ({c.dense_cma.generations} generations "
                    "of separable CMA-ES)" if c.dense_cma.diagonal else
                    f"training the dense {name} start")
    c.dense = train_dense(c.ev, c.task, c.layer_sizes, c.dense_cma, sub_seed(c.seed, 5), c.progress)
    c.dense.net.name = f"dense ({name})"
    return [c.dense.net]


def _pruned(c: Context) -> list[Net]:
    nets = []
    for i, s in enumerate(c.sparsities):
        c.progress.line(f"pruning to {pct(s)} and fine-tuning")
        nets.append(prune_and_finetune(c.ev, c.trained, s, c.finetune_cma, sub_seed(c.seed, 2, i),
                                       c.task.max_steps, c.progress))
    return nets


def _lottery(c: Context) -> list[Net]:
    c.progress.line("lottery tickets: iterative pruning with rewinding")
    tickets = lottery_tickets(c.ev, c.trained, c.sparsities, c.retrain_cma, sub_seed(c.seed, 3),
                              c.task.max_steps, rate=c.lottery_rate, progress=c.progress)
    c.store["lottery"] = tickets
    return tickets


def _signed(c: Context) -> list[Net]:
    return [signed_constant(c.trained, s) for s in c.sparsities]


def _supermask(c: Context) -> list[Net]:
    return [supermask(c.trained, s) for s in c.sparsities]


def _random_mask(c: Context) -> list[Net]:
    nets = []
    for i, s in enumerate(c.sparsities):
        c.progress.line(f"random mask at {pct(s)}")
        nets.append(random_mask_net(c.ev, c.trained, s, c.retrain_cma, sub_seed(c.seed, 4, i),
                                    c.task.max_steps, c.progress))
    return nets


# The table's rows after the WANN's, in order; those with `curve` are the figure's lines.
STANDARD: tuple[Baseline, ...] = (
    Baseline("fixed_topology", _paper_dense, curve=False),
    Baseline("dense", _dense, curve=False),
    Baseline("pruned", _pruned, label="magnitude pruning + fine-tuning"),
    Baseline("lottery", _lottery, label="lottery tickets (rewinding)"),
    Baseline("signed_constant", _signed, label="signed constants (untrained)"),
    Baseline("supermask", _supermask, label="supermasks (untrained)"),
    Baseline("random_mask", _random_mask, label="random masks + training"),
)
