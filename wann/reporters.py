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
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
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

    def settle(self, run: Run) -> None:
        """Before a generation starts: finish work still in flight (a reporter writing in
        the background waits here for all but the last generation's files, so what a
        generation reports is on the disk before the third generation after it begins)."""

    def end(self, run: Run) -> None:
        """After the last generation, or on the way out of an error (`run.error`)."""


class FolderWriter:
    """The run folder's files, written in submission order by one background thread.

    A generation's files (log, population, best, champion, and the checkpoint when one is
    due) are formatted and written while the loop goes on to the next generation; the
    loop waits for them only when the writer is more than a generation behind (`settle`)
    and at the end of a run (`flush`). Files stay atomic (each is still written, then
    renamed), and their order is kept: the checkpoint of generation g is on the disk before
    log.csv shows g. The first failed write stops every later one; it is raised in the loop
    at the next submission (an OSError, which the loop reports as OutputError). The thread
    ends when idle for a second, and starts again on the next submission. With
    `background` off, each job runs at once in the loop.
    """

    IDLE_S = 1.0

    def __init__(self, background: bool = True) -> None:
        self.background = background
        self._q: queue.Queue[Callable[[], None]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self._submitted = 0  # jobs submitted (by the loop's thread) and finished (the writer's)
        self._finished = 0
        self._progress = threading.Condition()
        self._marks: deque[int] = deque(maxlen=2)  # jobs submitted at the last two settles
        self._settled: object = None

    def submit(self, job: Callable[[], None]) -> None:
        self.check()
        if not self.background:
            job()
            return
        self._submitted += 1
        with self._lock:
            self._q.put(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="wann-writer",
                                                daemon=True)
                self._thread.start()

    def _work(self) -> None:
        while True:
            try:
                job = self._q.get(timeout=self.IDLE_S)
            except queue.Empty:
                with self._lock:
                    if self._q.empty():
                        self._thread = None
                        return
                continue
            try:
                if self.error is None:
                    job()
            except BaseException as exc:  # kept for the loop, which raises it
                self.error = exc
            finally:
                with self._progress:
                    self._finished += 1
                    self._progress.notify_all()
                self._q.task_done()

    def check(self) -> None:
        """Raise the first failed write's error, if any."""
        if self.error is not None:
            raise self.error

    def settle(self, step: object) -> None:
        """Before the loop's step `step` (any value that differs from the last step's): wait
        for the files submitted before the previous step's settle, then raise a failed
        write. One generation's files may still be in flight, so a checkpoint (a tenth of a
        second on an MNIST population) spreads over the next generation instead of stalling
        the loop; every reporter of the folder may call it, the first call of a step counts."""
        if step != self._settled:
            self._settled = step
            self._marks.append(self._submitted)
        target = self._marks[0] if len(self._marks) == self._marks.maxlen else 0
        with self._progress:
            while self._finished < target:
                self._progress.wait()
        self.check()

    def flush(self, raise_error: bool = True) -> None:
        """Wait until every submitted file is written; then raise a failure (if asked)."""
        self._q.join()
        if raise_error:
            self.check()


class InBackground(Reporter):
    """A reporter whose files a `FolderWriter` writes (shared by the folder's reporters)."""

    writer: FolderWriter

    def settle(self, run: Run) -> None:
        self.writer.settle(run.search.generation)


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


class CsvLog(InBackground):
    """log.csv: the run's history, one row per generation (rewritten whole, atomically)."""

    def __init__(self, out: Path, writer: FolderWriter | None = None) -> None:
        self.out = out
        self.writer = writer or FolderWriter()
        # The text of run.rows[:n], kept so a generation formats only its own row: formatting
        # the whole history anew each generation cost seconds over a 1024-generation run.
        self._text: list[str] = []

    def write(self, rows: list[dict], n: int) -> None:
        """log.csv holding rows[:n] (rows only grow; their first n are never changed)."""
        if len(self._text) - 1 > n:  # never, unless rows were replaced: start over
            self._text = []
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=layout.LOG_COLUMNS, lineterminator="\n")
        if not self._text:
            w.writeheader()
            self._text.append(buf.getvalue())
            buf.seek(0)
            buf.truncate()
        for row in rows[len(self._text) - 1 : n]:
            w.writerow(row)
            self._text.append(buf.getvalue())
            buf.seek(0)
            buf.truncate()
        atomic_write(self.out / layout.LOG, "".join(self._text), durable=False)

    def generation(self, run: Run, stats: GenerationStats, row: dict) -> None:
        rows, n = run.rows, len(run.rows)
        self.writer.submit(lambda: self.write(rows, n))

    def end(self, run: Run) -> None:
        self.writer.flush(raise_error=run.error is None)
        if run.error is None and run.generations_run == 0:  # a resumed, complete run: refresh
            self.write(run.rows, len(run.rows))


class PopulationTable(InBackground):
    """population.csv: the last generation's individuals and their objectives."""

    def __init__(self, out: Path, writer: FolderWriter | None = None) -> None:
        self.out = out
        self.writer = writer or FolderWriter()

    def write(self, stats: GenerationStats) -> None:
        rows = zip(range(stats.mean.size), stats.mean.tolist(), stats.peak.tolist(),
                   stats.n_conn.tolist(), stats.n_nodes.tolist(), stats.rank.tolist())
        atomic_write(self.out / layout.POPULATION, _csv_text(layout.POPULATION_COLUMNS, rows),
                     durable=False)

    def generation(self, run: Run, stats: GenerationStats, row: dict) -> None:
        self.writer.submit(lambda: self.write(stats))

    def end(self, run: Run) -> None:
        self.writer.flush(raise_error=run.error is None)


class Genomes(InBackground):
    """best.json (this generation's best) and champion.json (the best ever, written when it
    changes: a long search keeps its champion for hundreds of generations)."""

    def __init__(self, out: Path, writer: FolderWriter | None = None) -> None:
        self.out = out
        self.writer = writer or FolderWriter()
        self._written: object = None  # the champion object champion.json holds

    def champion_job(self, run: Run, force: bool = False) -> Callable[[], None] | None:
        """What writes champion.json, if it must be (re)written; the champion is a new
        object whenever it changes, and never changed in place."""
        champ, fitness = run.search.best_ever, run.search.best_ever_fitness
        if champ is None or (champ is self._written and not force):
            return None
        self._written = champ
        meta = {"task": run.task.name, "fitness": fitness}

        def write() -> None:
            c = champ.copy()
            c.meta.update(meta)
            save_genome(c, self.out / layout.CHAMPION)
        return write

    def generation(self, run: Run, stats: GenerationStats, row: dict) -> None:
        meta = {"task": run.task.name, "generation": stats.generation,
                "fitness": row["best_fitness"], "peak": row["best_peak"]}
        champion = self.champion_job(run)

        def write() -> None:
            best = stats.population[stats.best].copy()
            best.meta.update(meta)
            save_genome(best, self.out / layout.BEST, durable=False)
            if champion is not None:
                champion()
        self.writer.submit(write)

    def end(self, run: Run) -> None:
        self.writer.flush(raise_error=run.error is None)
        if run.error is None and run.generations_run == 0:
            job = self.champion_job(run, force=True)
            if job is not None:
                job()


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


class Checkpoints(InBackground):
    """checkpoint.ckpt every `every` generations (0: never), at the end and on the way out of
    Ctrl-C or an error: always the last completed generation, since an interruption inside
    `tell` can leave the live search half-updated."""

    def __init__(self, out: Path, every: int, writer: FolderWriter | None = None) -> None:
        self.out = out
        self.every = every
        self.writer = writer or FolderWriter()
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
        snap = self.snapshot = run.checkpoint()
        if self.every and run.search.generation % self.every == 0:
            self.writer.submit(lambda: self.save(snap))

    def end(self, run: Run) -> None:
        self.writer.flush(raise_error=run.error is None)
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


def folder_reporters(out: str | Path, checkpoint_every: int,
                     background: bool = False) -> list[Reporter]:
    """The reporters that write a run folder (see wann.layout).

    The checkpoint reporter takes its snapshot before log.csv shows the generation, so a run
    stopped once the log shows generation g keeps a checkpoint of g. With `background` (a
    run whose evaluator works asynchronously: the GPU), a writer thread writes the files
    while the loop goes on (`FolderWriter`); a generation's files are then on the disk
    before the generation after next starts.
    """
    out = Path(out)
    writer = FolderWriter(background)  # one order for all of the folder's files
    return [SettingsFile(out), Checkpoints(out, checkpoint_every, writer),
            PopulationTable(out, writer), Genomes(out, writer), CsvLog(out, writer),
            FaultLog(out), Summary(out)]


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
