"""One seed of a comparison, for any task family: the WANN row, then every selected method's
rows in registry order, every row scored by the family, then the methods' reports, and the
files (one table writer, one report writer).

With `out`, every CMA-ES training is kept in out/.cma-journal/ until the table is written
(wann.cmaes.journal): the same comparison started again after a stop resumes after the last
finished training, with the same results.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from wann.cmaes import journal
from wann.comparison.table import Row, write_table
from wann.genome import Genome
from wann.methods import Method
from wann.plotting.curves import curve_points, curves_title, write_curves
from wann.progress import Progress

JOURNAL = ".cma-journal"  # finished CMA-ES trainings of a comparison under way


@dataclass
class SeedResult:
    """One seed's comparison: its scored rows, the reports' files and data, and timings."""

    seed: int
    rows: list[Row]
    reports: dict[str, object] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = time.perf_counter() - t


def curve_labels(methods: Sequence[Method]) -> dict[str, str]:
    """The curve families of a method list and their legend labels."""
    return {m.name: m.title for m in methods if m.curve}


def compare_seed(
    comparison: object, plan: object, task: object, methods: Sequence[Method], layers: tuple,
    wann: Genome, wann_steps: int | None, wann_weights: Sequence[float], seed: int, ev: object,
    out: Path | None, progress: Progress | None = None, record: dict | None = None,
) -> SeedResult:
    """Build, score and report every row of one seed (see the module's docstring)."""
    progress = progress or Progress(quiet=True)
    kept = None if out is None else Path(out) / JOURNAL
    with journal(kept):
        result = _compare(comparison, plan, task, methods, layers, wann, wann_steps,
                          wann_weights, seed, ev, out, progress, record or {})
    if kept is not None:
        shutil.rmtree(kept, ignore_errors=True)
    return result


def _compare(comparison: object, plan: object, task: object, methods: Sequence[Method],
             layers: tuple, wann: Genome, wann_steps: int | None,
             wann_weights: Sequence[float], seed: int, ev: object, out: Path | None,
             progress: Progress, record: dict) -> SeedResult:
    family = comparison.name
    ctx = comparison.context(plan, task, seed, ev, layers, progress)
    timer = _Timer()
    with timer("wann"):
        nets = [comparison.wann(ctx, plan, wann, wann_steps, wann_weights)]
    nets[0].family = "wann"
    extra = []
    for m in methods:
        ctx.current = m
        with timer(m.name):
            built = m.builder(family)(ctx)
        ctx.current = None
        for n in built:
            n.family = n.family or m.name
        ctx.products[m.name] = built
        nets += [n for n in built if getattr(n, "in_table", True)]
        extra += [n for n in built if not getattr(n, "in_table", True)]
    rows: list[Row] = []
    with timer("scoring"):
        progress.start(len(nets), "scoring")
        for k, n in enumerate(nets):
            progress.update(k + 1, n.name)
            rows.append(comparison.score(ctx, plan, n, k == 0))
            if out is not None:
                comparison.save(Path(out), n)
        progress.close()
        for n in extra:
            if out is not None:
                comparison.save(Path(out), n)
    progress.line("scored every row")
    result = SeedResult(seed, rows)
    for m in methods:
        reporter = m.reporter(family)
        if reporter is None:
            continue
        ctx.current = m
        with timer(f"{m.name} report"):
            report = reporter(ctx, nets, rows)
        ctx.current = None
        if report is not None:
            result.reports[m.name] = report.data
            if out is not None:
                result.files += report.write(Path(out))
    result.seconds = timer.seconds
    if out is not None:
        write_seed(Path(out), comparison, task.name, rows, seed, plan.episodes, methods,
                   {**record, "seconds": {k: round(v, 2) for k, v in timer.seconds.items()}},
                   comparison.intro(ctx, plan))
    return result


def write_seed(out: Path, comparison: object, task: str, rows: Sequence[Row], seed: int,
               episodes: int, methods: Sequence[Method], record: dict,
               intro: str | None = None) -> None:
    """One seed's table files and its sparsity curves."""
    write_table(out, comparison.style, task, rows, seed, episodes,
                {"task": task, "seed": seed, "episodes": episodes, **record},
                comparison.ylabel.format(episodes=episodes), intro)
    labels = curve_labels(methods)
    write_curves(out, curve_points(rows, seed, list(labels)), labels,
                 curves_title(task, comparison.style.unit, [seed]), comparison.style.unit)

