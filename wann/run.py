"""Running a search: the ask / evaluate / tell loop with reporters attached through hooks.

`results/<run>/` receives the resolved config, the per-generation CSV log, the best genome
after every generation and a summary; reporters never feed back into the search.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from wann import WannError
from wann.config import Hyperparameters, to_toml
from wann.evaluation import Evaluator, episode_seeds
from wann.io import atomic_write, genome_to_dict, save_genome
from wann.network import compile_population
from wann.search import GenerationStats, Search
from wann.tasks import Task

log = logging.getLogger("wann")

LOG_COLUMNS = (
    "generation", "mean_fitness", "median_fitness", "best_fitness", "best_peak",
    "best_connections", "best_nodes", "median_connections", "median_nodes",
    "best_ever_fitness", "objectives", "nonfinite_rollouts", "eval_seconds", "gen_seconds",
)


class Reporter(Protocol):
    def start(self, run: Run) -> None: ...
    def generation(self, run: Run, stats: GenerationStats, row: dict) -> None: ...
    def end(self, run: Run) -> None: ...


@dataclass
class Run:
    """One search in progress: its task, settings, evaluator and output folder."""

    task: Task
    hp: Hyperparameters
    evaluator: Evaluator
    out: Path
    seed: int
    search: Search
    reporters: list[Reporter] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    started: float = field(default_factory=time.time)

    @classmethod
    def new(
        cls, task: Task, hp: Hyperparameters, evaluator: Evaluator, out: Path, seed: int,
        reporters: list[Reporter] | None = None,
    ) -> Run:
        search = Search(hp, task.n_in, task.n_out, task.hidden_acts, task.output_act, seed)
        return cls(task, hp, evaluator, Path(out), seed, search, reporters or [])

    def step(self) -> dict:
        """Evaluate and advance one generation; return its log row."""
        t0 = time.perf_counter()
        genomes = self.search.ask()
        batch = compile_population(genomes)
        seeds = episode_seeds(self.seed, self.search.generation, self.hp.n_reps)
        weights = np.asarray(self.hp.weights, dtype=np.float64)
        t1 = time.perf_counter()
        returns, bad = self.evaluator.evaluate(batch, weights, seeds)
        t2 = time.perf_counter()
        n_bad = int(bad.sum())
        if n_bad:
            log.warning(
                "generation %d: %d rollouts gave NaN or inf outputs and were scored %g",
                self.search.generation, n_bad, self.task.worst_return,
            )
        stats = self.search.tell(returns)
        b = stats.best
        row = {
            "generation": stats.generation,
            "mean_fitness": float(stats.mean.mean()),
            "median_fitness": float(np.median(stats.mean)),
            "best_fitness": float(stats.mean[b]),
            "best_peak": float(stats.peak[b]),
            "best_connections": int(stats.n_conn[b]),
            "best_nodes": int(stats.n_nodes[b]),
            "median_connections": float(np.median(stats.n_conn)),
            "median_nodes": float(np.median(stats.n_nodes)),
            "best_ever_fitness": float(stats.best_ever_fitness),
            "objectives": "mean+connections" if stats.used_connections else "mean+peak",
            "nonfinite_rollouts": n_bad,
            "eval_seconds": round(t2 - t1, 6),
            "gen_seconds": round(time.perf_counter() - t0, 6),
        }
        self.rows.append(row)
        best = genomes[b].copy()
        best.meta.update(
            {"task": self.task.name, "generation": stats.generation,
             "fitness": row["best_fitness"], "peak": row["best_peak"]}
        )
        save_genome(best, self.out / "best.json")
        champ = stats.best_ever.copy()
        champ.meta.update({"task": self.task.name, "fitness": stats.best_ever_fitness})
        save_genome(champ, self.out / "champion.json")
        self.write_log()
        for r in self.reporters:
            r.generation(self, stats, row)
        return row

    def write_log(self) -> None:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=LOG_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(self.rows)
        atomic_write(self.out / "log.csv", buf.getvalue())

    def run(self) -> None:
        """Run to hp.generations (from wherever the search stands)."""
        self.out.mkdir(parents=True, exist_ok=True)
        atomic_write(self.out / "config.toml", to_toml(self.hp))
        for r in self.reporters:
            r.start(self)
        try:
            while self.search.generation < self.hp.generations:
                self.step()
        finally:
            for r in self.reporters:
                r.end(self)
        self.write_summary()

    def write_summary(self) -> None:
        last = self.rows[-1] if self.rows else {}
        best = self.search.best_ever
        summary = {
            "task": self.task.name,
            "env_id": self.task.env_id,
            "seed": self.seed,
            "generations": self.search.generation,
            "best_ever_fitness": self.search.best_ever_fitness,
            "champion": genome_to_dict(best) if best is not None else None,
            "last_generation": last,
            "seconds": round(time.time() - self.started, 3),
        }
        atomic_write(self.out / "summary.json", json.dumps(summary, indent=1) + "\n")


def _fmt_time(s: float) -> str:
    s = int(round(s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class ProgressReporter:
    """A live line on a terminal; plain log lines when output is not a terminal (as in CI)."""

    def __init__(self, stream=None) -> None:  # noqa: ANN001
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def start(self, run: Run) -> None:
        self.t0 = time.perf_counter()
        self.g0 = run.search.generation
        print(f"wann: evolving {run.task.name} ({run.task.env_id}), pop {run.hp.pop_size}, "
              f"{run.hp.generations} generations, writing {run.out}", file=self.stream)

    def generation(self, run: Run, stats: GenerationStats, row: dict) -> None:
        done = run.search.generation - self.g0
        elapsed = time.perf_counter() - self.t0
        eta = elapsed / done * (run.hp.generations - run.search.generation)
        total = run.hp.generations
        width = 20
        fill = int(width * run.search.generation / total)
        bar = "#" * fill + "-" * (width - fill)
        line = (
            f"gen {row['generation'] + 1:>5}/{total} best {row['best_fitness']:9.2f} "
            f"median {row['median_fitness']:9.2f} peak {row['best_peak']:9.2f} "
            f"conns {row['best_connections']:4d} {row['gen_seconds']:6.2f}s/gen "
            f"ETA {_fmt_time(eta)}"
        )
        if self.tty:
            print(f"\r[{bar}] {line}", end="", file=self.stream, flush=True)
        else:
            print(line, file=self.stream, flush=True)

    def end(self, run: Run) -> None:
        if self.tty:
            print(file=self.stream)


def check_task_fits(task: Task, n_in: int, n_out: int, what: str) -> None:
    if (n_in, n_out) != (task.n_in, task.n_out):
        raise WannError(
            f"{what} has {n_in} inputs and {n_out} outputs, but task {task.name!r} needs "
            f"{task.n_in} and {task.n_out}"
        )
