"""Running a search: ask -> evaluate -> tell, and nothing else; reporters do the rest.

`Run` owns the loop and the run's history (its log rows); every side effect (the run folder,
progress, TensorBoard) is a reporter (wann.reporters). With no output folder a run writes
no files.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from wann import (
    WannError,
    as_interrupt,
    clear_pending_stop,
    layout,
    raise_pending_stop,
    streams,
)
from wann import checkpoint as ckp
from wann.config import Hyperparameters, edited_settings
from wann.evaluation.protocol import Evaluator, episode_seeds
from wann.network import compile_population
from wann.reporters import Reporter, folder_reporters
from wann.search import GenerationStats, Search
from wann.tasks import Task, check_task_fits

log = logging.getLogger("wann")


class OutputError(WannError):
    """The run folder cannot be written (unwritable, removed, or the disk is full). The run
    stops; its last good checkpoint stays (checkpoints are written atomically)."""


def log_row(
    stats: GenerationStats, n_bad: int, eval_s: float, gen_s: float, retest_rollouts: int = 0,
    retest_s: float = 0.0,
) -> dict:
    """One generation's log.csv row (columns: wann.layout.LOG_COLUMNS)."""
    b = stats.best
    return {
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
        "eval_seconds": round(eval_s, 6),
        "gen_seconds": round(gen_s, 6),
        "best_retest": float(stats.best_retest),
        "champion_retest": float(stats.champion_retest),
        "retest_rollouts": int(retest_rollouts),
        "retest_seconds": round(retest_s, 6),
    }


@dataclass
class Retest:
    """A champion re-test under way: calling it waits for its returns [weight, repetition].
    `seconds`: what it cost the loop (launching it, and any wait when it was collected)."""

    wait: Callable[[], np.ndarray]
    rollouts: int
    seconds: float = 0.0

    def __call__(self) -> np.ndarray:
        t = time.perf_counter()
        r = self.wait()
        self.seconds += time.perf_counter() - t
        return r


@dataclass
class Run:
    """One search in progress: its task, settings, evaluator, history and reporters.

    `out` is the run folder the default reporters write (None: no files).

    Examples:
        What `wann.evolve` does, step by step:

        >>> import wann
        >>> task = wann.get_task("cartpole")
        >>> hp = wann.preset("quick").replace(pop_size=8, generations=2, n_reps=1)
        >>> evaluator = wann.make_evaluator(task, "compiled")
        >>> run = wann.Run.new(task, hp, evaluator, out=None, seed=0)
        >>> run.run()
        >>> evaluator.close()
        >>> [row["generation"] for row in run.rows]
        [0, 1]
    """

    task: Task
    hp: Hyperparameters
    evaluator: Evaluator
    out: Path | None
    seed: int
    search: Search
    reporters: list[Reporter] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    resumed_from: int | None = None
    generations_run: int = 0
    # What stopped the run (Ctrl-C, an error), for reporters' `end`; None while it runs well.
    error: BaseException | None = None
    # A told generation whose reporters have not run yet: (stats, row); see `step`.
    _held: tuple[GenerationStats, dict] | None = field(default=None, repr=False)

    @classmethod
    def new(
        cls, task: Task, hp: Hyperparameters, evaluator: Evaluator, out: str | Path | None,
        seed: int, reporters: list[Reporter] | None = None,
    ) -> Run:
        """A fresh search; with `out`, the run-folder reporters come after `reporters`."""
        acts = hp.hidden_activations or task.hidden_acts
        search = Search(hp, task.n_in, task.n_out, acts, task.output_act, seed)
        out = None if out is None else Path(out)
        return cls(task, hp, evaluator, out, seed, search,
                   _with_folder(reporters, out, hp, evaluator))

    @classmethod
    def resume(
        cls, ckpt: ckp.Checkpoint, task: Task, evaluator: Evaluator, out: str | Path | None,
        reporters: list[Reporter] | None = None, generations: int | None = None,
    ) -> Run:
        """Continue a checkpointed run; `generations` may extend (never shorten) it."""
        check_task_fits(task, ckpt.search.n_in, ckpt.search.n_out, "the checkpoint")
        hp = ckpt.hp
        if generations is not None:
            if generations < ckpt.generation:
                raise WannError(
                    f"cannot run {generations} generations: the checkpoint already holds "
                    f"{ckpt.generation}"
                )
            hp = hp.replace(generations=generations)
        search = Search.from_state(replace(ckpt.search, hp=hp))
        out = None if out is None else Path(out)
        edits = [] if out is None else edited_settings(out / layout.CONFIG, ckpt.hp)
        if edits:
            warnings.warn(
                f"{out / layout.CONFIG} differs from the checkpoint's settings in "
                f"{'; '.join(edits)}: the run keeps its checkpoint's settings (an exact resume) "
                "and rewrites the file to them; to run with the edit, start a new run with "
                "--config", stacklevel=2,
            )
        return cls(task, hp, evaluator, out, ckpt.seed, search,
                   _with_folder(reporters, out, hp, evaluator),
                   rows=list(ckpt.rows), resumed_from=ckpt.generation)

    def step(self) -> dict:
        """Ask, evaluate and tell one generation; return its log row.

        With an evaluator that can `submit` (the GPU), the previous generation's reporters
        run while this generation's rollouts are on the device (they are released before
        `tell`, so they see the search exactly as that generation left it); `eval_seconds`
        then counts the launch and the wait, not the reporters.
        """
        self._notify("settle")
        t0 = time.perf_counter()
        genomes = self.search.ask()
        seeds = episode_seeds(self.seed, self.search.generation, self.hp.n_reps)
        weights = np.asarray(self.hp.weights, dtype=np.float64)
        batch = compile_population(genomes)
        t1 = time.perf_counter()
        submit = getattr(self.evaluator, "submit", None)
        hidden = 0.0
        if submit is None or self._held is None:
            returns, bad = self.evaluator.evaluate(batch, weights, seeds)
        else:
            pending = submit(batch, weights, seeds)
            t = time.perf_counter()
            self._release()
            hidden = time.perf_counter() - t
            returns, bad = pending()
        t2 = time.perf_counter()
        events = self.evaluator.drain_events()
        if events:
            self._notify("faults", events)
        n_bad = int(np.count_nonzero(bad))
        if n_bad:
            log.warning(
                "generation %d: %d rollouts gave NaN or inf outputs and were scored %g",
                self.search.generation, n_bad, self.task.worst_return,
            )
        retest = self.retest(genomes, returns, weights)
        stats = self.search.tell(returns, retest)
        row = log_row(stats, n_bad, t2 - t1 - hidden, time.perf_counter() - t0 - hidden,
                      retest.rollouts, retest.seconds)
        self.rows.append(row)
        self.generations_run += 1
        if submit is not None and self.search.generation < self.hp.generations:
            self._held = (stats, row)  # reported while the next generation evaluates
        else:
            self._notify("generation", stats, row)
        return row

    def _release(self) -> None:
        """Report the held generation (see `step`)."""
        held, self._held = self._held, None
        if held is not None:
            self._notify("generation", *held)

    def _notify(self, hook: str, *args: object) -> None:
        """Call one hook of every reporter; a failed write becomes one clear OutputError."""
        for r in self.reporters:
            fn = getattr(r, hook, None)
            if fn is None:  # a reporter that is not a Reporter subclass may lack a hook
                continue
            try:
                fn(self, *args)
            except OSError as exc:
                where = f"the run folder {str(self.out)!r}" if self.out is not None else "output"
                raise OutputError(
                    f"cannot write to {where}: {exc.strerror or exc}"
                    + (f" ({exc.filename})" if exc.filename else "")
                ) from exc

    def retest(self, genomes: list, returns: np.ndarray, weights: np.ndarray) -> Retest:
        """The generation's best re-evaluated on best_reps fresh episodes per weight (its own
        stream, one evaluator call), for the champion's selection. An evaluator with `submit`
        (the GPU) runs it while the search breeds the next generation."""
        t = time.perf_counter()
        best = self.search.best_of(returns)
        seeds = streams.stream_seeds(self.seed, streams.RETEST, self.hp.best_reps,
                                     self.search.generation)
        batch = compile_population([genomes[best]])
        submit = getattr(self.evaluator, "submit", None)
        if submit is None:
            r, _ = self.evaluator.evaluate(batch, weights, seeds)
            return Retest(lambda: r[0], weights.size * seeds.size, time.perf_counter() - t)
        pending = submit(batch, weights, seeds)
        return Retest(lambda: pending()[0][0], weights.size * seeds.size,
                      time.perf_counter() - t)

    def checkpoint(self) -> ckp.Checkpoint:
        """The run as it stands now (call only between generations)."""
        return ckp.Checkpoint(self.task.name, self.seed, self.hp, self.search.state(),
                              list(self.rows))

    def run(self) -> None:
        """Run to hp.generations from wherever the search stands; reporters see every step.

        Anything escaping the loop (Ctrl-C included) is kept in `error` for the reporters'
        `end` (the checkpoint reporter saves the last completed generation), then goes on.
        """
        self._notify("start")
        try:
            while self.search.generation < self.hp.generations:
                raise_pending_stop()  # a Ctrl-C that a library's callback swallowed
                self.step()
        except BaseException as exc:
            stop = as_interrupt(exc)
            if isinstance(stop, KeyboardInterrupt):
                clear_pending_stop()
            self.error = stop
            if stop is exc:
                raise
            raise stop from None
        finally:
            try:
                # Held only between a tell and the next one, so the search is still as the
                # held generation left it.
                self._release()
            finally:
                self._notify("end")


def _with_folder(
    reporters: list[Reporter] | None, out: Path | None, hp: Hyperparameters,
    evaluator: Evaluator,
) -> list[Reporter]:
    """The caller's reporters, then the run folder's; those write in the background when the
    evaluator works asynchronously (`submit`), since the loop then waits on the device."""
    if out is None:
        return list(reporters or [])
    background = getattr(evaluator, "submit", None) is not None
    return list(reporters or []) + folder_reporters(out, hp.checkpoint_every, background)

