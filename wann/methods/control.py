"""The methods on control tasks: networks as genomes, trained by CMA-ES on episode returns.

`ControlContext` is the control family's `Context`: its evaluator, the CMA-ES budgets, the
trained dense start (`DenseRun`, set by the dense method), its layered view and trainer, over
which wann.methods.literature's methods run. The functions below are the methods that exist
only here (the paper's fixed topology, kWTA nets with their own evaluator) or that the family
does its own way (the dense start, the reports).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from wann import streams
from wann.baselines.common import Net
from wann.baselines.dense import DenseRun, init_std, init_weights, train_dense
from wann.baselines.kwta import default_k, kwta_net
from wann.baselines.layer_reinit import layer_reinit, reinit_csv, reinit_markdown
from wann.baselines.layered import apply_mask, flatten, matrices
from wann.baselines.masks import pct
from wann.baselines.noise import noise_csv, noise_curves, noise_markdown
from wann.baselines.obd import fd_derivatives
from wann.baselines.objectives import ReturnObjective
from wann.cmaes import CMASettings, cma_es
from wann.methods.registry import Context, Report
from wann.plotting.comparison import noise_figure, reinit_figure
from wann.scoring import test_seeds
from wann.streams import stream_seeds


@dataclass
class ControlContext(Context):
    """A control task's comparison: the evaluator and CMA-ES budgets (`dense_cma` trains the
    start, `retrain_cma` every training from initial values, `finetune_cma` fine-tuning),
    the paper's fixed-topology row, and the trained start once the dense method ran. Its
    layered view: one (1 + fan-in, fan-out) matrix per layer, row 0 the (prunable) biases."""

    ev: object = None
    dense_cma: CMASettings | None = None
    retrain_cma: CMASettings | None = None
    finetune_cma: CMASettings | None = None
    paper_layers: Sequence[int] | None = None
    paper_cma: CMASettings | None = None
    dense: DenseRun | None = None
    bias_rows: ClassVar[int] = 1

    @property
    def start(self) -> DenseRun:
        if self.dense is None:
            raise RuntimeError("the dense method must run before the methods derived from it")
        return self.dense

    def _mats(self, flat: np.ndarray) -> list[np.ndarray]:
        return [m.copy() for m in matrices(self.layer_sizes, flat)]

    def initial(self) -> list[np.ndarray]:
        return self._mats(self.start.init)

    def trained(self) -> list[np.ndarray]:
        return self._mats(self.start.trained)

    def fresh(self, rng: np.random.Generator) -> list[np.ndarray]:
        return self._mats(init_weights(self.layer_sizes, rng))

    def init_sd(self) -> list[float]:
        return [float(v) for v in init_std(self.layer_sizes)]

    def weights_of(self, net: Net) -> list[np.ndarray]:
        return self._mats(net.genome.conn_weight)

    def masks_of(self, net: Net) -> list[np.ndarray]:
        return self._mats(np.asarray(net.genome.conn_enabled, bool))

    def cost_of(self, net: Net) -> int:
        return net.env_steps or 0

    def make(self, masks: Sequence[np.ndarray], weights: Sequence[np.ndarray], name: str,
             sparsity: float, seed: int | None, base: object = "initial", cost: int = 0,
             note: str = "", meta: dict | None = None) -> Net:
        mask, w = flatten(masks).astype(bool), flatten(weights)
        g = apply_mask(self.start.result.genome, mask, w)
        if seed is None:
            g.meta.update({"sparsity": sparsity, "weights": "tuned", **(meta or {})})
            return Net(name, g, cost, trained=False, sparsity=sparsity,
                       note=note or "no training")
        cma = self.retrain_cma if base == "initial" else self.finetune_cma
        res = cma_es(self.ev, g, w[mask], cma, seed, label=name, progress=self.progress)
        res.genome.meta.update({"check_score": res.check_score, "sparsity": sparsity,
                                **(meta or {})})
        return Net(name, res.genome, cost + res.rollouts * self.task.max_steps,
                   sparsity=sparsity, note=note)

    def derivatives(self, masks: Sequence[np.ndarray], weights: Sequence[np.ndarray],
                    base: object, seed: int, level: int
                    ) -> tuple[list[np.ndarray], list[np.ndarray], int]:
        """Central differences of minus the mean return on common episodes."""
        alive, w = flatten(masks).astype(bool), flatten(weights)
        episodes = self.options.obd.episodes
        objective = ReturnObjective(self.ev, apply_mask(self.start.result.genome, alive, w),
                                    stream_seeds(seed, streams.OBD, episodes, level))
        free = np.flatnonzero(alive)
        g, h = np.zeros(w.size), np.zeros(w.size)
        g[free], h[free] = fd_derivatives(objective, w[free], self.options.obd.step,
                                          self.progress, f"derivatives ({free.size} weights)")
        return self._mats(g), self._mats(h), objective.rollouts * self.task.max_steps


def fixed_topology(c: ControlContext) -> list[Net]:
    if c.paper_layers is None:
        return []
    c.progress.line(f"training the paper's {'-'.join(map(str, c.paper_layers))} network")
    d = train_dense(c.ev, c.task, c.paper_layers, c.paper_cma or c.dense_cma,
                    c.sub(), c.progress)
    return [d.net]


def linear(c: ControlContext) -> list[Net]:
    """Every input wired to every output and nothing else, trained by CMA-ES with the
    fixed topology's budget: the simplest trained policy (the WANN paper holds that swing-up
    is beyond a linear controller; this row measures one)."""
    layers = [c.task.n_in, c.task.n_out]
    name = "-".join(map(str, layers))
    c.progress.line(f"training the linear {name} policy")
    d = train_dense(c.ev, c.task, layers, c.paper_cma or c.dense_cma, c.sub(), c.progress)
    d.net.name = f"linear ({name})"
    return [d.net]


def dense(c: ControlContext) -> list[Net]:
    name = "-".join(map(str, c.layer_sizes))
    c.progress.line(f"training the dense {name} start ({c.dense_cma.generations} generations "
                    "of separable CMA-ES)" if c.dense_cma.diagonal else
                    f"training the dense {name} start")
    c.dense = train_dense(c.ev, c.task, c.layer_sizes, c.dense_cma, c.sub(), c.progress)
    c.dense.net.name = f"dense ({name})"
    return [c.dense.net]


def no_rows(c: Context) -> list:
    return []


def kwta(c: ControlContext) -> list[Net]:
    """kWTA nets run through their own serial evaluator: reported beside the table (and in
    the noise table), not as rows of it."""
    k = c.options.kwta_k if c.options.kwta_k is not None else default_k(c.layer_sizes)
    nets = []
    for i, s in enumerate(c.sparsities):
        c.progress.line(f"kWTA net, k = {k}, sparse weights at {pct(s)} (serial evaluator)")
        net = kwta_net(c.task, c.layer_sizes, k, s, c.retrain_cma, c.sub(i),
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
