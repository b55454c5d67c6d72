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
from typing import Protocol, TextIO

import numpy as np

from wann import WannError
from wann import checkpoint as ckp
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
# Wall-clock columns: the only ones that differ between two runs with the same seed.
TIMING_COLUMNS = ("eval_seconds", "gen_seconds")
# The last generation's individuals, for the objectives (Pareto) figure.
POPULATION_COLUMNS = ("individual", "mean_fitness", "peak_fitness", "connections", "nodes", "rank")


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
    resumed_from: int | None = None
    # The state after the last completed generation: what a checkpoint written on Ctrl-C or on
    # an error holds, since an interruption inside `tell` can leave the live search half-updated.
    _snapshot: ckp.Checkpoint | None = field(default=None, repr=False)
    _saved_generation: int = field(default=-1, repr=False)

    @classmethod
    def new(
        cls, task: Task, hp: Hyperparameters, evaluator: Evaluator, out: Path, seed: int,
        reporters: list[Reporter] | None = None,
    ) -> Run:
        acts = hp.hidden_activations or task.hidden_acts
        search = Search(hp, task.n_in, task.n_out, acts, task.output_act, seed)
        return cls(task, hp, evaluator, Path(out), seed, search, reporters or [])

    @classmethod
    def resume(
        cls, ckpt: ckp.Checkpoint, task: Task, evaluator: Evaluator, out: Path,
        reporters: list[Reporter] | None = None, generations: int | None = None,
    ) -> Run:
        """Continue a checkpointed run; `generations` may extend (never shorten) it."""
        check_task_fits(task, ckpt.search["n_in"], ckpt.search["n_out"], "the checkpoint")
        hp = ckpt.hp
        if generations is not None:
            if generations < ckpt.generation:
                raise WannError(
                    f"--generations {generations} is less than the {ckpt.generation} "
                    "generations the checkpoint already holds"
                )
            hp = hp.replace(generations=generations)
        search = Search.from_state({**ckpt.search, "hp": hp})
        run = cls(task, hp, evaluator, Path(out), ckpt.seed, search, reporters or [],
                  rows=list(ckpt.rows), resumed_from=ckpt.generation)
        run._saved_generation = ckpt.generation
        return run

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
        self.record_faults(self.search.generation)
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
        self.write_population(stats)
        best = genomes[b].copy()
        best.meta.update(
            {"task": self.task.name, "generation": stats.generation,
             "fitness": row["best_fitness"], "peak": row["best_peak"]}
        )
        save_genome(best, self.out / "best.json")
        self.write_champion()
        self.write_log()
        for r in self.reporters:
            r.generation(self, stats, row)
        return row

    def write_champion(self) -> None:
        if self.search.best_ever is None:
            return
        champ = self.search.best_ever.copy()
        champ.meta.update({"task": self.task.name, "fitness": self.search.best_ever_fitness})
        save_genome(champ, self.out / "champion.json")

    def write_population(self, stats: GenerationStats) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(POPULATION_COLUMNS)
        for i in range(stats.mean.size):
            w.writerow([i, float(stats.mean[i]), float(stats.peak[i]), int(stats.n_conn[i]),
                        int(stats.n_nodes[i]), int(stats.rank[i])])
        atomic_write(self.out / "population.csv", buf.getvalue())

    def record_faults(self, generation: int) -> None:
        """Append the evaluator's new fault events (lost or timed-out workers) to events.csv.

        Faults never change results, so they stay out of log.csv (which must equal that of a
        run without faults); events.csv says what happened and when.
        """
        events = getattr(self.evaluator, "events", None)
        seen = getattr(self, "_faults_seen", 0)
        if not events or len(events) <= seen:
            return
        path = self.out / "events.csv"
        old = path.read_text() if path.exists() else "generation,kind,worker,sub_batches,detail\n"
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        for e in events[seen:]:
            w.writerow([generation, e.kind, e.worker, " ".join(map(str, e.chunks)), e.detail])
        atomic_write(path, old + buf.getvalue())
        self._faults_seen = len(events)

    def write_log(self) -> None:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=LOG_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(self.rows)
        atomic_write(self.out / "log.csv", buf.getvalue())

    # -- checkpointing -------------------------------------------------------------------
    def checkpoint(self) -> ckp.Checkpoint:
        """The run as it stands now (call only between generations)."""
        return ckp.Checkpoint(self.task.name, self.seed, self.hp, self.search.state(),
                              list(self.rows))

    def save_checkpoint(self, snap: ckp.Checkpoint) -> None:
        ckp.save(ckp.path_in(self.out), snap)
        self._saved_generation = snap.generation

    def _save_after_failure(self, exc: BaseException) -> None:
        """On Ctrl-C or an error: keep the last completed generation, then let `exc` go on."""
        snap = self._snapshot
        if snap is None or self.hp.checkpoint_every == 0:
            return
        try:
            if snap.generation != self._saved_generation:
                self.save_checkpoint(snap)
        except Exception as save_exc:  # the original error matters more; report both
            log.error("could not write a checkpoint after %s: %s", type(exc).__name__, save_exc)
            return
        what = "interrupted" if isinstance(exc, KeyboardInterrupt) else "stopped by an error"
        log.warning(
            "%s; checkpoint of generation %d in %s; continue with: wann evolve --resume %s",
            what, snap.generation, ckp.path_in(self.out), self.out,
        )

    def run(self) -> None:
        """Run to hp.generations (from wherever the search stands), checkpointing as it goes.

        A checkpoint is written every hp.checkpoint_every generations (0: never), at the end,
        and when anything (Ctrl-C included) escapes the loop; then the exception goes on.
        """
        every = self.hp.checkpoint_every
        self.out.mkdir(parents=True, exist_ok=True)
        atomic_write(self.out / "config.toml", to_toml(self.hp))
        ckp.clean_stale(self.out)
        self._snapshot = self.checkpoint()
        for r in self.reporters:
            r.start(self)
        try:
            while self.search.generation < self.hp.generations:
                self.step()
                self._snapshot = self.checkpoint()
                if every and self.search.generation % every == 0:
                    self.save_checkpoint(self._snapshot)
        except BaseException as exc:
            self._end_reporters()
            self._save_after_failure(exc)
            raise
        self._end_reporters()
        if every and self._saved_generation != self.search.generation:
            self.save_checkpoint(self._snapshot)
        if self.resumed_from == self.search.generation:  # nothing ran: refresh what a step writes
            self.write_log()
            self.write_champion()
        self.write_summary()

    def _end_reporters(self) -> None:
        for r in self.reporters:
            r.end(self)

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


class ProgressBar:
    """Progress of a long command: a live bar with ETA on a terminal, plain lines otherwise.

    Plain lines (as in CI logs) come at most every `min_interval` seconds, and always for the
    last step. The ETA uses the rate since `start`, so a resumed run estimates honestly.
    """

    def __init__(
        self, total: int, label: str = "", stream: TextIO | None = None, start: int = 0,
        min_interval: float = 0.0, width: int = 20,
    ) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = start
        self.min_interval = min_interval
        self.width = width
        self.t0 = time.perf_counter()
        self._last_print = -np.inf
        self._live = False

    def eta(self, done: int) -> float | None:
        """Seconds left at the rate since start, or None before the first step."""
        ran = done - self.start
        if ran <= 0:
            return None
        return (time.perf_counter() - self.t0) / ran * max(self.total - done, 0)

    def update(self, done: int, text: str = "") -> None:
        eta = self.eta(done)
        eta_text = "ETA --:--" if eta is None else f"ETA {_fmt_time(eta)}"
        head = f"{self.label} " if self.label else ""
        line = f"{head}{done:>{len(str(self.total))}}/{self.total} {text} {eta_text}".rstrip()
        if self.tty:
            fill = int(self.width * min(done, self.total) / self.total)
            bar = "#" * fill + "-" * (self.width - fill)
            print(f"\r\033[K[{bar}] {line}", end="", file=self.stream, flush=True)
            self._live = True
            return
        now = time.perf_counter()
        if done >= self.total or now - self._last_print >= self.min_interval:
            print(line, file=self.stream, flush=True)
            self._last_print = now

    def close(self) -> None:
        """End the live line (so later output starts on a fresh line)."""
        if self._live:
            print(file=self.stream, flush=True)
            self._live = False


class ProgressReporter:
    """The search's progress: a live bar on a terminal, one line per generation otherwise."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.bar: ProgressBar | None = None

    def start(self, run: Run) -> None:
        g0 = run.search.generation
        self.bar = ProgressBar(run.hp.generations, "gen", self.stream, start=g0)
        verb = f"resuming at generation {g0}" if run.resumed_from is not None else "evolving"
        print(f"wann: {verb} {run.task.name} ({run.task.env_id}), pop {run.hp.pop_size}, "
              f"{run.hp.generations} generations, writing {run.out}", file=self.stream)

    def generation(self, run: Run, stats: GenerationStats, row: dict) -> None:
        assert self.bar is not None
        self.bar.update(
            run.search.generation,
            f"best {row['best_fitness']:9.2f} median {row['median_fitness']:9.2f} "
            f"peak {row['best_peak']:9.2f} conns {row['best_connections']:4d} "
            f"{row['gen_seconds']:6.2f}s/gen",
        )

    def end(self, run: Run) -> None:
        if self.bar is not None:
            self.bar.close()


def check_task_fits(task: Task, n_in: int, n_out: int, what: str) -> None:
    if (n_in, n_out) != (task.n_in, task.n_out):
        raise WannError(
            f"{what} has {n_in} inputs and {n_out} outputs, but task {task.name!r} needs "
            f"{task.n_in} and {task.n_out}"
        )
