"""Reporters: every side effect of a search (files, progress, tracking) hangs off the loop here.

A reporter overrides the hooks it needs; the loop (`wann.run.Run`) calls, in order, `start`,
then per generation `faults` (only when the evaluator met some) and `generation`, and `end`
(also when the run stops on an error or Ctrl-C; `run.error` says which). Reporters never feed
back into the search, so a run with no reporters gives the same results.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from wann import checkpoint as ckp
from wann import layout
from wann.config import to_toml
from wann.evaluation.protocol import FaultEvent
from wann.io import atomic_write, genome_to_dict, save_genome
from wann.progress import Progress
from wann.search import GenerationStats

if TYPE_CHECKING:
    from wann.run import Run

log = logging.getLogger("wann")


class Reporter:
    """One side effect of a run; every hook does nothing unless overridden.

    Examples:
        >>> import wann
        >>> class PrintBest(wann.Reporter):
        ...     def generation(self, run, stats, row):
        ...         print(f"generation {row['generation']}: {row['best_connections'] > 0}")
        >>> result = wann.evolve("cartpole", {"pop_size": 8, "generations": 2, "n_reps": 1},
        ...                      reporters=[PrintBest()])
        generation 0: True
        generation 1: True
    """

    def start(self, run: Run) -> None:
        """Before the first generation of this session (a resumed run starts mid-way)."""

    def faults(self, run: Run, events: list[FaultEvent]) -> None:
        """The evaluator's fault events of the generation just evaluated."""

    def generation(self, run: Run, stats: GenerationStats, row: dict) -> None:
        """After a generation is evaluated and told to the search; `row` is its log row."""

    def end(self, run: Run) -> None:
        """After the last generation, or on the way out of an error (`run.error`)."""


def _csv_text(columns: tuple[str, ...], rows: list[Any], header: bool = True) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if header:
        w.writerow(columns)
    w.writerows(rows)
    return buf.getvalue()


class SettingsFile(Reporter):
    """config.toml: the resolved settings, so a run folder says how it was made."""

    def __init__(self, out: Path) -> None:
        self.out = out

    def start(self, run: Run) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        atomic_write(self.out / layout.CONFIG, to_toml(run.hp))


class CsvLog(Reporter):
    """log.csv: the run's history, one row per generation (rewritten whole, atomically)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        # The text of run.rows[:n], kept so a generation formats only its own row: formatting
        # the whole history anew each generation cost seconds over a 1024-generation run.
        self._text: list[str] = []

    def write(self, run: Run) -> None:
        if len(self._text) - 1 > len(run.rows):  # never, unless rows were replaced: start over
            self._text = []
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=layout.LOG_COLUMNS, lineterminator="\n")
        if not self._text:
            w.writeheader()
            self._text.append(buf.getvalue())
            buf.seek(0)
            buf.truncate()
        for row in run.rows[len(self._text) - 1 :]:
            w.writerow(row)
            self._text.append(buf.getvalue())
            buf.seek(0)
            buf.truncate()
        atomic_write(self.out / layout.LOG, "".join(self._text), durable=False)

    def generation(self, run: Run, stats: GenerationStats, row: dict) -> None:
        self.write(run)

    def end(self, run: Run) -> None:
        if run.error is None and run.generations_run == 0:  # a resumed, complete run: refresh
            self.write(run)


class PopulationTable(Reporter):
    """population.csv: the last generation's individuals and their objectives."""

    def __init__(self, out: Path) -> None:
        self.out = out

    def generation(self, run: Run, stats: GenerationStats, row: dict) -> None:
        rows = [
            [i, float(stats.mean[i]), float(stats.peak[i]), int(stats.n_conn[i]),
             int(stats.n_nodes[i]), int(stats.rank[i])]
            for i in range(stats.mean.size)
        ]
        atomic_write(self.out / layout.POPULATION, _csv_text(layout.POPULATION_COLUMNS, rows),
                     durable=False)


class Genomes(Reporter):
    """best.json (this generation's best) and champion.json (the best ever, written when it
    changes: a long search keeps its champion for hundreds of generations)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._written: object = None  # the champion object champion.json holds

    def write_champion(self, run: Run, force: bool = False) -> None:
        if run.search.best_ever is None:
            return
        if run.search.best_ever is self._written and not force:
            return
        self._written = run.search.best_ever
        champ = run.search.best_ever.copy()
        champ.meta.update({"task": run.task.name, "fitness": run.search.best_ever_fitness})
        save_genome(champ, self.out / layout.CHAMPION)

    def generation(self, run: Run, stats: GenerationStats, row: dict) -> None:
        best = stats.population[stats.best].copy()
        best.meta.update({"task": run.task.name, "generation": stats.generation,
                          "fitness": row["best_fitness"], "peak": row["best_peak"]})
        save_genome(best, self.out / layout.BEST, durable=False)
        self.write_champion(run)

    def end(self, run: Run) -> None:
        if run.error is None and run.generations_run == 0:
            self.write_champion(run, force=True)


class FaultLog(Reporter):
    """events.csv: lost and timed-out workers, appended as they happen.

    Faults never change results, so they stay out of log.csv (which must equal that of a run
    without faults); events.csv says what happened and when.
    """

    def __init__(self, out: Path) -> None:
        self.out = out

    def faults(self, run: Run, events: list[FaultEvent]) -> None:
        path = self.out / layout.EVENTS
        old = path.read_text() if path.exists() else _csv_text(layout.EVENT_COLUMNS, [])
        rows = [[run.search.generation, e.kind, e.worker, " ".join(map(str, e.chunks)), e.detail]
                for e in events]
        atomic_write(path, old + _csv_text(layout.EVENT_COLUMNS, rows, header=False))


class Checkpoints(Reporter):
    """checkpoint.ckpt every `every` generations (0: never), at the end and on the way out of
    Ctrl-C or an error: always the last completed generation, since an interruption inside
    `tell` can leave the live search half-updated."""

    def __init__(self, out: Path, every: int) -> None:
        self.out = out
        self.every = every
        self.snapshot: ckp.Checkpoint | None = None
        self.saved = -1

    def start(self, run: Run) -> None:
        ckp.clean_stale(self.out)
        self.snapshot = run.checkpoint()
        if run.resumed_from is not None:
            self.saved = run.resumed_from

    def save(self, snap: ckp.Checkpoint) -> None:
        ckp.save(ckp.path_in(self.out), snap)
        self.saved = snap.generation

    def generation(self, run: Run, stats: GenerationStats, row: dict) -> None:
        self.snapshot = run.checkpoint()
        if self.every and run.search.generation % self.every == 0:
            self.save(self.snapshot)

    def end(self, run: Run) -> None:
        snap = self.snapshot
        if snap is None or not self.every:
            return
        if run.error is None:
            if snap.generation != self.saved:
                self.save(snap)
            return
        try:
            if snap.generation != self.saved:
                self.save(snap)
        except Exception as save_exc:  # the original error matters more; report both
            kept = ckp.path_in(self.out)
            last = (f"the last good one (generation {self.saved}) is kept in {kept}"
                    if self.saved >= 0 and kept.is_file() else "none was written before")
            log.error("could not write a checkpoint after %s (%s); %s",
                      type(run.error).__name__, save_exc, last)
            return
        what = "interrupted" if isinstance(run.error, KeyboardInterrupt) else "stopped by an error"
        log.warning(
            "%s; checkpoint of generation %d in %s; continue with: wann evolve --resume %s",
            what, snap.generation, ckp.path_in(self.out), self.out,
        )


class Summary(Reporter):
    """summary.json at the end of a run that completed."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.started = time.time()

    def end(self, run: Run) -> None:
        if run.error is not None:
            return
        best = run.search.best_ever
        summary = {
            "task": run.task.name,
            "env_id": run.task.env_id,
            "seed": run.seed,
            "generations": run.search.generation,
            "best_ever_fitness": run.search.best_ever_fitness,
            "champion": genome_to_dict(best) if best is not None else None,
            "last_generation": run.rows[-1] if run.rows else {},
            "seconds": round(time.time() - self.started, 3),
        }
        atomic_write(self.out / layout.SUMMARY, json.dumps(summary, indent=1) + "\n")


def folder_reporters(out: str | Path, checkpoint_every: int) -> list[Reporter]:
    """The reporters that write a run folder (see wann.layout).

    The checkpoint reporter takes its snapshot before log.csv shows the generation, so a run
    stopped once the log shows generation g keeps a checkpoint of g.
    """
    out = Path(out)
    return [SettingsFile(out), Checkpoints(out, checkpoint_every), PopulationTable(out),
            Genomes(out), CsvLog(out), FaultLog(out), Summary(out)]


class ProgressReporter(Reporter):
    """The search's progress: a live bar on a terminal, one line per generation otherwise."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.progress = Progress(stream)

    def start(self, run: Run) -> None:
        g0 = run.search.generation
        verb = f"resuming at generation {g0}" if run.resumed_from is not None else "evolving"
        where = f", writing {run.out}" if run.out is not None else ""
        self.progress.line(f"{verb} {run.task.name} ({run.task.env_id}), pop {run.hp.pop_size}, "
                           f"{run.hp.generations} generations{where}")
        self.progress.start(run.hp.generations, "gen", initial=g0)

    def generation(self, run: Run, stats: GenerationStats, row: dict) -> None:
        self.progress.update(
            run.search.generation,
            step=str(row["generation"]),  # as log.csv numbers it (from 0)
            text=f"best {row['best_fitness']:9.2f} median {row['median_fitness']:9.2f} "
            f"peak {row['best_peak']:9.2f} conns {row['best_connections']:4d} "
            f"{row['gen_seconds']:6.2f}s/gen",
        )

    def end(self, run: Run) -> None:
        self.progress.close()


class TensorBoard(Reporter):
    """TensorBoard scalars (every numeric log column) through tensorboardX: `wann[tensorboard]`."""

    def __init__(self, logdir: str | Path) -> None:
        self.logdir = str(logdir)
        self.writer: Any = None

    def start(self, run: Run) -> None:
        try:
            from tensorboardX import SummaryWriter
        except ImportError as exc:
            from wann import WannError

            raise WannError("TensorBoard logging needs tensorboardX: pip install "
                            "'wann[tensorboard]'") from exc
        self.writer = SummaryWriter(self.logdir)

    def generation(self, run: Run, stats: GenerationStats, row: dict) -> None:
        for key, value in row.items():
            if key not in layout.TEXT_COLUMNS and key != "generation":
                self.writer.add_scalar(f"wann/{key}", value, row["generation"])

    def end(self, run: Run) -> None:
        if self.writer is not None:
            self.writer.close()
