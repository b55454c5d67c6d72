"""The methods on control tasks: networks as genomes, trained by CMA-ES on episode returns.

`ControlContext` is the control family's `Context`: its evaluator, the CMA-ES budgets, and
the trained dense start (`DenseRun`, set by the dense method). Each function below is one
method's control implementation (wann.methods.catalog names them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wann import streams
from wann.baselines.common import Net
from wann.baselines.dense import DenseRun, train_dense
from wann.baselines.kwta import default_k, kwta_net
from wann.baselines.layer_reinit import layer_reinit, reinit_csv, reinit_markdown
from wann.baselines.layered import flatten, matrices
from wann.baselines.lottery import lottery_tickets
from wann.baselines.noise import noise_csv, noise_curves, noise_markdown
from wann.baselines.obd import obd_prune
from wann.baselines.objectives import ReturnObjective
from wann.baselines.prune import apply_mask, layer_counts, n_keep, pct, prune_and_finetune
from wann.baselines.random_nets import random_mask_net
from wann.baselines.signed import signed_constant, supermask
from wann.baselines.structured import structured_finetune, structured_scratch
from wann.baselines.ticket_reinit import reinit_ticket
from wann.cmaes import CMASettings, cma_es
from wann.methods.registry import Context, Report
from wann.plotting.comparison import noise_figure, reinit_figure
from wann.scoring import test_seeds
from wann.streams import sub_seed


@dataclass
class ControlContext(Context):
    """A control task's comparison: the evaluator and CMA-ES budgets (`dense_cma` trains the
    start, `retrain_cma` every lottery round and random mask, `finetune_cma` fine-tuning),
    the paper's fixed-topology row, and the trained start once the dense method ran."""

    ev: object = None
    dense_cma: CMASettings | None = None
    retrain_cma: CMASettings | None = None
    finetune_cma: CMASettings | None = None
    paper_layers: Sequence[int] | None = None
    paper_cma: CMASettings | None = None
    lottery_rate: float = 0.2
    dense: DenseRun | None = None

    def sub(self, tag: int, *index: int) -> int:
        """The seed of one training of this comparison (tags in wann.streams)."""
        return sub_seed(self.seed, tag, *index)

    @property
    def start(self) -> DenseRun:
        if self.dense is None:
            raise RuntimeError("the dense method must run before the methods derived from it")
        return self.dense

    def initial(self) -> list[np.ndarray]:
        return [m.copy() for m in matrices(self.layer_sizes, self.start.init)]

    def trained(self) -> list[np.ndarray]:
        return [m.copy() for m in matrices(self.layer_sizes, self.start.trained)]

    def keep_per_layer(self, sparsity: float) -> list[int]:
        sizes = np.bincount(self.start.conn_layer)
        return [int(k) for k in layer_counts(sizes, n_keep(int(sizes.sum()), sparsity))]

    def train_masked(self, masks: Sequence[np.ndarray], name: str, sparsity: float, index: int,
                     weights: str = "initial", train: bool = True) -> Net:
        d = self.start
        mask = flatten(masks).astype(bool)
        start = d.init if weights == "initial" else d.trained
        g = apply_mask(d.result.genome, mask, start)
        steps = d.net.env_steps if weights == "trained" else 0
        if not train:
            return Net(name, g, steps, trained=False, sparsity=sparsity, note="no training")
        cma = self.retrain_cma if weights == "initial" else self.finetune_cma
        tag = streams.method_tag(self.current.name if self.current else name)
        res = cma_es(self.ev, g, start[mask], cma, sub_seed(self.seed, tag, index), label=name,
                     progress=self.progress)
        res.genome.meta.update({"check_score": res.check_score, "sparsity": sparsity})
        return Net(name, res.genome, (steps or 0) + res.rollouts * self.task.max_steps,
                   sparsity=sparsity)


def fixed_topology(c: ControlContext) -> list[Net]:
    if c.paper_layers is None:
        return []
    c.progress.line(f"training the paper's {'-'.join(map(str, c.paper_layers))} network")
    d = train_dense(c.ev, c.task, c.paper_layers, c.paper_cma or c.dense_cma,
                    c.sub(streams.FIXED_TOPOLOGY_TRAIN), c.progress)
    return [d.net]


def dense(c: ControlContext) -> list[Net]:
    name = "-".join(map(str, c.layer_sizes))
    c.progress.line(f"training the dense {name} start ({c.dense_cma.generations} generations "
                    "of separable CMA-ES)" if c.dense_cma.diagonal else
                    f"training the dense {name} start")
    c.dense = train_dense(c.ev, c.task, c.layer_sizes, c.dense_cma, c.sub(streams.DENSE_TRAIN), c.progress)
    c.dense.net.name = f"dense ({name})"
    return [c.dense.net]


def pruned(c: ControlContext) -> list[Net]:
    nets = []
    for i, s in enumerate(c.sparsities):
        c.progress.line(f"pruning to {pct(s)} and fine-tuning")
        nets.append(prune_and_finetune(c.ev, c.start, s, c.finetune_cma, c.sub(streams.PRUNED_TRAIN, i),
                                       c.task.max_steps, c.progress))
    return nets


def lottery(c: ControlContext) -> list[Net]:
    c.progress.line("lottery tickets: iterative pruning with rewinding")
    return lottery_tickets(c.ev, c.start, c.sparsities, c.retrain_cma, c.sub(streams.LOTTERY_TRAIN),
                           c.task.max_steps, rate=c.lottery_rate, progress=c.progress)


def signed(c: ControlContext) -> list[Net]:
    return [signed_constant(c.start, s) for s in c.sparsities]


def supermasks(c: ControlContext) -> list[Net]:
    return [supermask(c.start, s) for s in c.sparsities]


def random_masks(c: ControlContext) -> list[Net]:
    nets = []
    for i, s in enumerate(c.sparsities):
        c.progress.line(f"random mask at {pct(s)}")
        nets.append(random_mask_net(c.ev, c.start, s, c.retrain_cma, c.sub(streams.RANDOM_MASK_CMA, i),
                                    c.task.max_steps, c.progress))
    return nets


def obd(c: ControlContext) -> list[Net]:
    c.progress.line("Optimal Brain Damage: finite-difference Hessian, prune, retrain")
    return obd_prune(c.ev, c.start, c.sparsities, c.finetune_cma, c.sub(streams.OBD_TRAIN),
                     c.task.max_steps, c.options.obd, c.progress)


def structured_tuned(c: ControlContext) -> list[Net]:
    c.progress.line("structured pruning (L1 norm of units), fine-tuned")
    return [structured_finetune(c.ev, c.start, s, c.finetune_cma, c.sub(streams.STRUCTURED_TUNE, i),
                                c.task.max_steps, c.progress)
            for i, s in enumerate(c.sparsities)]


def structured_fresh(c: ControlContext) -> list[Net]:
    c.progress.line("structured pruning (L1 norm of units), trained from scratch")
    return [structured_scratch(c.ev, c.start, s, c.retrain_cma, c.sub(streams.STRUCTURED_SCRATCH, i),
                               c.task.max_steps, c.progress)
            for i, s in enumerate(c.sparsities)]


def lottery_reinit(c: ControlContext) -> list[Net]:
    c.progress.line("lottery masks with random re-initialization")
    return [reinit_ticket(c.ev, t, c.start.layers, c.retrain_cma, c.sub(streams.TICKET_REINIT_CMA, i),
                          c.task.max_steps, c.progress)
            for i, t in enumerate(c.needed("lottery"))]


def no_rows(c: Context) -> list:
    return []


def kwta(c: ControlContext) -> list[Net]:
    """kWTA nets run through their own serial evaluator: reported beside the table (and in
    the noise table), not as rows of it."""
    k = c.options.kwta_k if c.options.kwta_k is not None else default_k(c.layer_sizes)
    nets = []
    for i, s in enumerate(c.sparsities):
        c.progress.line(f"kWTA net, k = {k}, sparse weights at {pct(s)} (serial evaluator)")
        net = kwta_net(c.task, c.layer_sizes, k, s, c.retrain_cma, c.sub(streams.KWTA_CMA, i),
                       c.progress)
        net.in_table = False
        nets.append(net)
    return nets


def _kwta_specs(c: ControlContext) -> list[tuple[Net, list[int], int]]:
    return [(n, list(c.layer_sizes), int(n.genome.meta["kwta"])) for n in c.optional("kwta")]


def layer_reinit_report(c: ControlContext, nets: Sequence[Net], rows: Sequence) -> Report:
    d, opts = c.start, c.options
    c.progress.line("layer re-initialization of the dense net")
    objective = ReturnObjective(c.ev, d.result.genome, test_seeds(c.seed, opts.episodes))
    resets = layer_reinit(objective, d.layers, d.init, d.trained,
                          streams.generator(c.seed, streams.LAYER_REINIT))
    name = "-".join(map(str, d.layers))
    title = f"{c.task.name}: resetting one layer of the trained {name} net"
    return Report({"layer_reinit.csv": reinit_csv(resets, name),
                   "layer_reinit.md": reinit_markdown(resets, name, c.task.name, opts.episodes)},
                  {"layer_reinit.png": lambda p: reinit_figure(resets, p, title)}, resets)


def kwta_report(c: ControlContext, nets: Sequence[Net], rows: Sequence) -> Report:
    kw = _kwta_specs(c)
    opts = c.options
    curves = noise_curves(c.task, [], [0.0], test_seeds(c.seed, opts.episodes), kw)
    lines = [f"# {c.task.name}: k-winners-take-all nets with sparse weights", "",
             f"Mean ± std of the return over {opts.episodes} test episodes (seed {c.seed}), the "
             "main table's episodes, no noise. Each hidden layer keeps its k most active "
             "units; the weights are a uniform random mask, trained by CMA-ES.", "",
             "| model | connections | tuned weights |", "|---|---|---|"]
    for (net, _, _), curve in zip(kw, curves):
        r = curve.returns[0]
        lines.append(f"| {net.name} | {net.genome.n_enabled} | {r.mean():.0f} ± {r.std():.0f} |")
    return Report({"kwta.csv": noise_csv(curves), "kwta.md": "\n".join(lines) + "\n"}, {}, curves)


def noise_report(c: ControlContext, nets: Sequence[Net], rows: Sequence) -> Report:
    opts = c.options
    c.progress.line(f"observation noise: {len(nets)} networks x {len(opts.noise_levels)} "
                    f"levels x {opts.noise_episodes} episodes (serial evaluator)")
    curves = noise_curves(c.task, nets, opts.noise_levels,
                          test_seeds(c.seed, opts.noise_episodes), _kwta_specs(c))
    title = f"{c.task.name}: return against observation noise"
    return Report({"noise.csv": noise_csv(curves),
                   "noise.md": noise_markdown(curves, c.task.name, c.seed)},
                  {"noise.png": lambda p: noise_figure(curves, p, title)}, curves)
