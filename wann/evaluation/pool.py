"""The pool backend: worker processes that keep one live environment each, and survive faults.

Workers receive compact sub-batches of compiled nets (not genome objects) and send back
returns; results are placed by net index, never by arrival order. A plain
`multiprocessing.Pool` hangs forever when a worker is killed mid-task (the task is lost
silently), so this pool runs its own `multiprocess` processes, one pipe each: the parent
always knows which sub-batch each worker holds, notices a dead worker through its process
sentinel, kills a worker whose sub-batch runs past `timeout`, starts a replacement and
re-runs the sub-batch. Every rollout depends only on (net, weight, seed), so the re-run gives
the same numbers.
"""

from __future__ import annotations

import os
import signal
import time
import traceback
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from multiprocess import get_context
from multiprocess.connection import wait

from wann import InfrastructureError, WannError
from wann.evaluation.faults import MAX_ATTEMPTS, FaultEvent, KeepsEvents, record
from wann.network import NetBatch
from wann.tasks import Task

#: How long a new worker may take to import its libraries and build its environment.
START_TIMEOUT = 120.0


def split(n: int, parts: int) -> list[np.ndarray]:
    """Contiguous index chunks, about `parts` of them."""
    return [c for c in np.array_split(np.arange(n), max(1, min(n, parts))) if c.size]


def _worker_main(conn: Any, task: Task) -> None:
    """A worker's life: build the environment once, then run sub-batches until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        from wann.evaluation.faults import warm_up
        from wann.evaluation.rollout import evaluate_nets

        env = task.make_env()
        warm_up(env, task)
    except BaseException:  # reported to the parent, which raises it
        conn.send(("init-error", traceback.format_exc()))
        return
    conn.send(("ready", os.getpid()))
    try:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                break
            if msg is None:
                break
            job, batch, weights, seeds = msg
            try:
                returns, bad = evaluate_nets(env, task, batch, weights, seeds)
            except Exception:  # a rollout bug: the parent re-raises it
                conn.send(("error", job, traceback.format_exc()))
                continue
            conn.send(("ok", job, returns, bad))
    finally:
        env.close()


@contextmanager
def _one_numba_thread():
    """Spawned children inherit the environment: give them one numba thread unless set."""
    had = "NUMBA_NUM_THREADS" in os.environ
    if not had:
        os.environ["NUMBA_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        if not had:
            os.environ.pop("NUMBA_NUM_THREADS", None)


@dataclass
class _Slot:
    """One worker process and what it holds: no job, or a sub-batch since `started`."""

    proc: Any
    conn: Any
    ready: bool = False
    job: int | None = None
    started: float = 0.0  # when it was started (while not ready), or got its sub-batch
    failed_starts: int = 0
    stale: bool = False  # stopped by us after an aborted generation; replace before use

    @property
    def name(self) -> str:
        return f"pid {self.proc.pid}"

    def exit_detail(self) -> str:
        self.proc.join(1.0)  # the sentinel can fire a moment before the exit code is known
        code = self.proc.exitcode
        if code is not None and code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"


class PoolEvaluator(KeepsEvents):
    """Rollouts spread over `workers` processes that keep their environments alive.

    `timeout` (seconds, or None for no limit) bounds one sub-batch: past it the worker is
    treated as lost. `events` lists every fault met so far.
    """

    def __init__(
        self, task: Task, workers: int, timeout: float | None = None,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        if timeout is not None and not timeout > 0:
            raise WannError(f"{{timeout}} must be positive, got {timeout:g}")
        self.task = task
        self.workers = workers
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.events: list[FaultEvent] = []
        self._ctx = get_context("spawn")
        self.slots: list[_Slot] = []
        try:
            self.slots = [self._spawn() for _ in range(workers)]
            self._await_ready()
        except BaseException:
            self.close()
            raise

    # -- processes -------------------------------------------------------------------------
    def _spawn(self, failed_starts: int = 0) -> _Slot:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=_worker_main, args=(child, self.task), daemon=True)
        with _one_numba_thread():
            proc.start()
        child.close()
        return _Slot(proc, parent, started=time.monotonic(), failed_starts=failed_starts)

    def _await_ready(self) -> None:
        """Wait until every worker has built its environment (a bad setup fails here, early)."""
        deadline = time.monotonic() + START_TIMEOUT
        while not all(s.ready for s in self.slots):
            waiting = [s for s in self.slots if not s.ready]
            left = deadline - time.monotonic()
            if left <= 0:
                raise WannError(f"pool workers did not start within {START_TIMEOUT:g} s")
            ready = wait([s.conn for s in waiting] + [s.proc.sentinel for s in waiting], left)
            for s in waiting:
                if s.conn in ready:
                    self._starting_message(s)
                elif s.proc.sentinel in ready:
                    raise WannError(f"a pool worker died while starting ({s.exit_detail()})")

    def _starting_message(self, slot: _Slot) -> None:
        try:
            msg = slot.conn.recv()
        except (EOFError, OSError) as exc:
            raise WannError(f"a pool worker died while starting ({slot.exit_detail()})") from exc
        if msg[0] == "init-error":
            last = msg[1].strip().splitlines()[-1]
            raise WannError(f"a pool worker could not build its environment: {last}")
        slot.ready, slot.failed_starts = True, 0

    def _stop(self, slot: _Slot) -> None:
        if slot.proc.is_alive():
            slot.proc.kill()
        slot.proc.join(5)
        slot.conn.close()

    def pids(self) -> list[int]:
        """The worker processes' ids (for monitoring, and for the fault tests)."""
        return [s.proc.pid for s in self.slots]

    def busy(self) -> dict[int, int]:
        """Worker pid -> index of the sub-batch it is running now."""
        return {s.proc.pid: s.job for s in self.slots if s.job is not None}

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        weights, seeds = np.asarray(weights), np.asarray(seeds)
        chunks = split(batch.n_nets, self.workers * 4)
        subs = [batch.select(c) for c in chunks]
        shape = (batch.n_nets, len(weights), len(seeds))
        returns = np.empty(shape)
        bad = np.zeros(shape, dtype=bool)
        todo = deque(range(len(chunks)))
        attempts = [0] * len(chunks)
        left = len(chunks)
        for i, slot in enumerate(self.slots):
            if slot.stale:
                self.slots[i] = self._spawn()
        for slot in list(self.slots):
            if slot.ready and not slot.proc.is_alive():  # died since the last call: replace it
                self._lose(slot, "lost", slot.exit_detail(), todo, attempts)  # before sending work
        try:
            while left:
                for slot in self.slots:
                    if slot.ready and slot.job is None and todo:
                        job = todo.popleft()
                        slot.job, slot.started = job, time.monotonic()
                        try:
                            slot.conn.send((job, subs[job], weights, seeds))
                        except OSError:
                            self._lose(slot, "lost", "its pipe broke", todo, attempts)
                ready = wait(
                    [x for s in self.slots for x in (s.conn, s.proc.sentinel)], self._wait_time()
                )
                for i, slot in enumerate(list(self.slots)):
                    if slot.conn in ready:
                        left -= self._receive(i, returns, bad, chunks, todo, attempts)
                    elif slot.proc.sentinel in ready:
                        self._lose(slot, "lost", slot.exit_detail(), todo, attempts)
                self._check_timeouts(todo, attempts)
        except BaseException:
            # A fault we give up on, a rollout error, or Ctrl-C: workers still busy hold
            # sub-batches nobody wants now. Stop them; replace them if evaluate is called again.
            for slot in self.slots:
                if slot.job is not None or not slot.proc.is_alive():
                    self._stop(slot)
                    slot.job, slot.stale = None, True
            raise
        return returns, bad

    def _wait_time(self) -> float | None:
        """Block until a message or a death, or until the next sub-batch deadline."""
        running = [s.started for s in self.slots if s.job is not None]
        starting = any(not s.ready for s in self.slots)
        waits = []
        if self.timeout is not None and running:
            waits.append(max(0.0, min(running) + self.timeout - time.monotonic()) + 0.01)
        if starting:
            waits.append(1.0)
        return min(waits) if waits else None

    def _receive(
        self, i: int, returns: np.ndarray, bad: np.ndarray, chunks: list[np.ndarray],
        todo: deque, attempts: list[int],
    ) -> int:
        """Handle one message from worker i; return the number of sub-batches it completed."""
        slot = self.slots[i]
        try:
            msg = slot.conn.recv()
        except (EOFError, OSError):
            self._lose(slot, "lost", slot.exit_detail(), todo, attempts)
            return 0
        kind = msg[0]
        if kind == "ready":
            slot.ready, slot.failed_starts = True, 0
            return 0
        if kind == "init-error":
            last = msg[1].strip().splitlines()[-1]
            raise WannError(f"a replacement pool worker could not build its environment: {last}")
        if kind == "error":
            slot.job = None
            raise RuntimeError(f"a pool worker failed on sub-batch {msg[1]}:\n{msg[2]}")
        _, job, r, b = msg
        slot.job = None
        idx = chunks[job]
        returns[idx], bad[idx] = r, b
        return 1

    def _check_timeouts(self, todo: deque, attempts: list[int]) -> None:
        now = time.monotonic()
        for slot in list(self.slots):
            if not slot.ready and now - slot.started > START_TIMEOUT:
                self._lose(slot, "lost", f"not started after {START_TIMEOUT:g} s", todo, attempts)
            elif (self.timeout is not None and slot.job is not None
                  and now - slot.started > self.timeout):
                self._lose(slot, "timeout", f"sub-batch over {self.timeout:g} s", todo, attempts)

    def _lose(
        self, slot: _Slot, kind: str, detail: str, todo: deque, attempts: list[int]
    ) -> None:
        """A worker is gone (or given up on): requeue its sub-batch and start a replacement."""
        i = self.slots.index(slot)
        name, job = slot.name, slot.job
        self._stop(slot)
        failed = slot.failed_starts + (0 if slot.ready else 1)
        record(self.events, FaultEvent(kind, name, () if job is None else (job,), detail))
        slot.job = None
        if job is not None:
            attempts[job] += 1
            if attempts[job] >= self.max_attempts:
                raise InfrastructureError(
                    f"every pool worker that ran sub-batch {job} was lost "
                    f"({attempts[job]} in a row, last: {detail}); stopping"
                )
            todo.appendleft(job)
        if failed >= self.max_attempts:
            raise InfrastructureError(
                f"pool workers keep dying while starting ({failed} in a row, last: {detail}); "
                "stopping"
            )
        self.slots[i] = self._spawn(failed)

    def close(self) -> None:
        """Ask idle workers to exit; kill busy ones."""
        for slot in self.slots:
            if slot.job is None and slot.proc.is_alive():
                try:
                    slot.conn.send(None)
                except OSError:
                    pass
        deadline = time.monotonic() + 3.0
        for slot in self.slots:
            slot.proc.join(max(0.0, deadline - time.monotonic()))
            self._stop(slot)
        self.slots = []
