"""Every method `wann compare` can run, by name, for `--methods`: the standard families
(wann.baselines.families.STANDARD) and those of the wider sparsity literature.

New rows: Optimal Brain Damage, structured pruning fine-tuned and trained from scratch, lottery
masks with random re-initialization. New reports (run after scoring, written beside the
table): layer re-initialization of the dense net, robustness to observation noise of every
row, and k-winners-take-all nets with sparse weights (reported in the noise table and in
their own, since the compiled kernel cannot run them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from wann import WannError, streams
from wann.baselines.common import Net
from wann.baselines.families import STANDARD, Baseline, Context, _lottery
from wann.baselines.kwta import check_k, default_k, kwta_net
from wann.baselines.layer_reinit import (
    layer_reinit,
    reinit_csv,
    reinit_figure,
    reinit_markdown,
)
from wann.baselines.noise import (
    DEFAULT_LEVELS,
    check_levels,
    noise_csv,
    noise_curves,
    noise_figure,
    noise_markdown,
)
from wann.baselines.obd import OBDSettings, obd_prune
from wann.baselines.objectives import ReturnObjective
from wann.baselines.structured import structured_finetune, structured_scratch
from wann.baselines.ticket_reinit import reinit_ticket
from wann.io import atomic_write, save_genome
from wann.scoring import test_seeds
from wann.streams import sub_seed


def slug(name: str) -> str:
    """A file name for a network's name (as wann.compare names the row genomes)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@dataclass(frozen=True)
class SparsityOptions:
    """Settings of the new methods: noise levels and episodes, kWTA's k (None: half the
    narrowest hidden layer), the episodes of the layer re-initialization and kWTA tables,
    and OBD's finite-difference Hessian."""

    noise_levels: tuple[float, ...] = DEFAULT_LEVELS
    noise_episodes: int = 20
    kwta_k: int | None = None
    episodes: int = 100
    obd: OBDSettings = field(default_factory=OBDSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "noise_levels", tuple(check_levels(self.noise_levels)))
        if self.noise_episodes < 1:
            raise WannError(f"noise episodes must be at least 1, got {self.noise_episodes}")
        if self.episodes < 1:
            raise WannError(f"episodes must be at least 1, got {self.episodes}")


def _obd(c: Context, opts: SparsityOptions) -> list[Net]:
    c.progress.line("Optimal Brain Damage: finite-difference Hessian, prune, retrain")
    return obd_prune(c.ev, c.trained, c.sparsities, c.finetune_cma, sub_seed(c.seed, 11),
                     c.task.max_steps, opts.obd, c.progress)


def _structured_finetune(c: Context) -> list[Net]:
    c.progress.line("structured pruning (L1 norm of units), fine-tuned")
    return [structured_finetune(c.ev, c.trained, s, c.finetune_cma, sub_seed(c.seed, 12, i),
                                c.task.max_steps, c.progress)
            for i, s in enumerate(c.sparsities)]


def _structured_scratch(c: Context) -> list[Net]:
    c.progress.line("structured pruning (L1 norm of units), trained from scratch")
    return [structured_scratch(c.ev, c.trained, s, c.retrain_cma, sub_seed(c.seed, 13, i),
                               c.task.max_steps, c.progress)
            for i, s in enumerate(c.sparsities)]


def _lottery_reinit(c: Context) -> list[Net]:
    tickets = c.store.get("lottery")
    if tickets is None:  # the lottery family did not run: find the same tickets (same seed)
        tickets = _lottery(c)
    c.progress.line("lottery masks with random re-initialization")
    return [reinit_ticket(c.ev, t, c.trained.layers, c.retrain_cma, sub_seed(c.seed, 14, i),
                          c.task.max_steps, c.progress)
            for i, t in enumerate(tickets)]  # type: ignore[arg-type]


def _no_rows(c: Context) -> list[Net]:
    return []


def _layer_reinit_report(c: Context, nets: Sequence[Net], out: Path | None,
                         opts: SparsityOptions) -> None:
    dense = c.trained
    c.progress.line("layer re-initialization of the dense net")
    objective = ReturnObjective(c.ev, dense.result.genome, test_seeds(c.seed, opts.episodes))
    rows = layer_reinit(objective, dense.layers, dense.init, dense.trained,
                        streams.generator(c.seed, streams.LAYER_REINIT))
    c.store["layer_reinit"] = rows
    if out is None:
        return
    name = "-".join(map(str, dense.layers))
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "layer_reinit.csv", reinit_csv(rows, name))
    atomic_write(out / "layer_reinit.md", reinit_markdown(rows, name, c.task.name, opts.episodes))
    reinit_figure(rows, out / "layer_reinit.png",
                  f"{c.task.name}: resetting one layer of the trained {name} net")


def _kwta(c: Context, opts: SparsityOptions) -> list[Net]:
    k = opts.kwta_k if opts.kwta_k is not None else default_k(c.layer_sizes)
    nets = []
    for i, s in enumerate(c.sparsities):
        c.progress.line(f"kWTA net, k = {k}, sparse weights at {s:.0%} (serial evaluator)")
        nets.append(kwta_net(c.task, c.layer_sizes, k, s, c.retrain_cma, sub_seed(c.seed, 15, i),
                             c.progress))
    c.store["kwta"] = [(n, list(c.layer_sizes), k) for n in nets]
    return []


def _kwta_report(c: Context, nets: Sequence[Net], out: Path | None,
                 opts: SparsityOptions) -> None:
    kw = c.store.get("kwta", [])
    curves = noise_curves(c.task, [], [0.0], test_seeds(c.seed, opts.episodes), kw)
    c.store["kwta_scores"] = curves
    if out is None:
        return
    atomic_write(out / "kwta.csv", noise_csv(curves))
    lines = [f"# {c.task.name}: k-winners-take-all nets with sparse weights", "",
             f"Mean ± std of the return over {opts.episodes} test episodes (seed {c.seed}), the "
             "main table's episodes, no noise. Each hidden layer keeps its k most active "
             "units; the weights are a uniform random mask, trained by CMA-ES.", "",
             "| model | connections | tuned weights |", "|---|---|---|"]
    for (net, _, _), curve in zip(kw, curves):
        r = curve.returns[0]
        lines.append(f"| {net.name} | {net.genome.n_enabled} | {r.mean():.0f} ± {r.std():.0f} |")
        save_genome(net.genome, out / "genomes" / f"{slug(net.name)}.json")
    atomic_write(out / "kwta.md", "\n".join(lines) + "\n")


def _noise_report(c: Context, nets: Sequence[Net], out: Path | None,
                  opts: SparsityOptions) -> None:
    c.progress.line(f"observation noise: {len(nets)} networks x {len(opts.noise_levels)} "
                    f"levels x {opts.noise_episodes} episodes (serial evaluator)")
    curves = noise_curves(c.task, nets, opts.noise_levels,
                          test_seeds(c.seed, opts.noise_episodes), c.store.get("kwta", []))
    c.store["noise"] = curves
    if out is None:
        return
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "noise.csv", noise_csv(curves))
    atomic_write(out / "noise.md", noise_markdown(curves, c.task.name, c.seed))
    noise_figure(curves, out / "noise.png", f"{c.task.name}: return against observation noise")


def extra_methods(opts: SparsityOptions) -> tuple[Baseline, ...]:
    """The new families, in the order they run (noise last: it scores every row)."""
    return (
        Baseline("obd", partial(_obd, opts=opts)),
        Baseline("structured_finetune", _structured_finetune),
        Baseline("structured_scratch", _structured_scratch),
        Baseline("lottery_reinit", _lottery_reinit),
        Baseline("layer_reinit", _no_rows, after=partial(_layer_reinit_report, opts=opts)),
        Baseline("kwta", partial(_kwta, opts=opts), after=partial(_kwta_report, opts=opts)),
        Baseline("noise", _no_rows, after=partial(_noise_report, opts=opts)),
    )


#: Methods that build nothing from the trained dense net.
INDEPENDENT = ("noise", "kwta")


def method_names() -> list[str]:
    return [b.name for b in (*STANDARD, *extra_methods(SparsityOptions()))]


def select_methods(
    names: Sequence[str] | None, layer_sizes: Sequence[int],
    opts: SparsityOptions | None = None,
) -> tuple[Baseline, ...]:
    """The families to run, in the registry's order; None: the standard ones. 'all' selects
    every method, 'standard' the standard ones; 'dense' is added when a chosen method derives
    from the trained dense net. Unknown names and a k outside [1, narrowest hidden layer]
    are refused before any work."""
    opts = opts or SparsityOptions()
    every = (*STANDARD, *extra_methods(opts))
    known = [b.name for b in every]
    if names is None:
        return STANDARD
    wanted: set[str] = set()
    for n in names:
        if n == "all":
            wanted.update(known)
        elif n == "standard":
            wanted.update(b.name for b in STANDARD)
        elif n in known:
            wanted.add(n)
        else:
            raise WannError(f"unknown method {n!r}: use any of {', '.join(known)}, "
                            "standard or all")
    if wanted - {"dense", *INDEPENDENT}:
        wanted.add("dense")
    if "kwta" in wanted:
        check_k(opts.kwta_k if opts.kwta_k is not None else default_k(layer_sizes), layer_sizes)
    return tuple(b for b in every if b.name in wanted)
