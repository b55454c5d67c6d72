"""The Dask backend: rollouts on a `dask.distributed` cluster, here or across machines.

Without a scheduler address it starts a `LocalCluster` on loopback (one single-threaded worker
process per core, one numba thread each) and shuts it down in `close()`; with one it joins a
running cluster. A worker plugin keeps each worker's environments (and the compiled forward
pass) warm across generations. A generation goes out as sub-batches, a few per worker thread,
and comes back placed by net index, never by arrival order, so the numbers are those of the
serial backend.

Faults: Dask re-runs the sub-batches of a worker that dies; this evaluator records the event
(from the scheduler's `remove-worker` events), restarts a worker whose sub-batch runs past
`timeout`, and raises `WannError` when no worker is left or a sub-batch has killed every worker
that tried it. The run loop then writes its checkpoint.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from distributed import Client, LocalCluster, WorkerPlugin, get_worker

from wann import InfrastructureError, WannError
from wann.evaluation.faults import FaultEvent, KeepsEvents, record
from wann.evaluation.pool import split
from wann.network import NetBatch
from wann.tasks import Task

log = logging.getLogger("wann")

#: Sub-batches per worker thread: enough that one slow sub-batch (BipedalWalker episodes vary
#: from a few steps to 1600) does not hold up a generation; the pool uses the same.
CHUNKS_PER_THREAD = 4
#: Topic on which workers announce that a sub-batch started (only when a timeout is set).
START_TOPIC = "wann-chunk-start"
#: How long to wait for a scheduler to answer, and for its first workers.
CONNECT_TIMEOUT_S = 10.0
#: How long a cluster may have no worker at all before the run stops.
LOST_AFTER_S = 30.0
#: How often the client checks timeouts and the number of workers while it waits.
POLL_S = 0.25


class EnvPlugin(WorkerPlugin):
    """Per-worker cache of live environments, one per concurrently running sub-batch.

    Set up once when a worker joins (and on every replacement), warmed with one bare rollout
    so the forward pass is compiled before the first sub-batch; closed when unregistered.
    """

    def __init__(self, task: Task, ignore_sigint: bool = False) -> None:
        self.task = task
        self.name = plugin_name(task)
        self.ignore_sigint = ignore_sigint

    async def setup(self, worker: Any) -> None:
        import asyncio
        import signal

        os.environ.setdefault("NUMBA_NUM_THREADS", "1")
        if self.ignore_sigint and threading.current_thread() is threading.main_thread():
            # Workers of our own local cluster share the terminal: Ctrl-C is for the run to
            # handle (it closes the cluster), not for each worker to die of on its own.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        if self.ignore_sigint:
            # Our local cluster's scheduler ends with the run; a heartbeat meeting it closed is
            # logged with a traceback by the worker process, onto the run's own stderr.
            logging.getLogger("distributed.worker").addFilter(_no_closing_heartbeat)
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self._all: list[Any] = []
        self._lock = threading.Lock()
        # Off the worker's event loop: building and warming an environment takes a moment.
        self.release(await asyncio.to_thread(self._new_env))

    def _new_env(self) -> Any:
        from wann.evaluation.faults import warm_up

        env = self.task.make_env()
        warm_up(env, self.task)
        with self._lock:
            self._all.append(env)
        return env

    def acquire(self) -> Any:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._new_env()

    def release(self, env: Any) -> None:
        self._idle.put(env)

    def teardown(self, worker: Any) -> None:
        with self._lock:
            for env in self._all:
                env.close()
            self._all.clear()


def plugin_name(task: Task) -> str:
    """A name of its own for each evaluator's cache: runs sharing a cluster never close each
    other's environments."""
    return f"wann-env-{task.name}-{uuid.uuid4().hex[:12]}"


def run_chunk(
    plugin: str, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray, announce: bool
) -> tuple[np.ndarray, np.ndarray]:
    """On a worker: evaluate one sub-batch with an environment from the worker's cache."""
    from wann.evaluation.rollout import evaluate_nets

    worker = get_worker()
    if announce:
        key = worker.get_current_task()
        worker.log_event(START_TOPIC, {"key": str(key), "worker": worker.address})
    cache: EnvPlugin = worker.plugins[plugin]
    env = cache.acquire()
    try:
        return evaluate_nets(env, cache.task, batch, weights, seeds)
    finally:
        cache.release(env)


def connect(scheduler: str, timeout: float) -> Client:
    """A client for a running scheduler: HOST:PORT, a tcp:// address, or a scheduler file."""
    path = Path(scheduler)
    try:
        if scheduler.endswith(".json") or path.is_file():
            if not path.is_file():
                raise WannError(f"scheduler file {scheduler!r} does not exist")
            return Client(scheduler_file=str(path), timeout=timeout)
        return Client(scheduler, timeout=timeout)
    except (OSError, ValueError, TimeoutError) as exc:
        raise WannError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc


class DaskEvaluator(KeepsEvents):
    """Rollouts on Dask workers; `events` lists every fault met so far."""

    def __init__(
        self,
        task: Task,
        scheduler: str | None = None,
        workers: int | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        lost_after: float | None = None,
    ) -> None:
        if timeout is not None and not timeout > 0:
            raise WannError(f"{{timeout}} must be positive, got {timeout:g}")
        self.task = task
        self.timeout = timeout
        self.lost_after = LOST_AFTER_S if lost_after is None else lost_after
        self.events: list[FaultEvent] = []
        self.cluster: LocalCluster | None = None
        self.client: Client | None = None
        self._lock = threading.Lock()
        self._workers: set[str] = set()
        self._chunk_of: dict[str, int] = {}
        self._started: dict[str, tuple[float, str]] = {}
        self._seen: dict[str, tuple[float, str]] = {}
        self._restarting: set[str] = set()
        self._plugin = EnvPlugin(task)
        self._dask_log = logging.getLogger("distributed")
        self._dask_log_level = self._dask_log.level
        if not log.isEnabledFor(logging.DEBUG):
            # Dask logs every connection and worker start at INFO; keep its warnings only.
            self._dask_log.setLevel(logging.WARNING)
        try:
            self._start(scheduler, workers, connect_timeout or CONNECT_TIMEOUT_S)
        except BaseException:
            self.close()
            raise

    def _start(self, scheduler: str | None, workers: int | None, connect_timeout: float) -> None:
        if scheduler is None:
            import dask

            # The workers' statistical profiler samples every thread's stack every 10 ms,
            # taking the GIL from the rollouts; nobody looks at it here.
            with dask.config.set({"distributed.worker.profile.enabled": False}):
                self.cluster = self._local_cluster(workers)
            self.client = Client(self.cluster, timeout=connect_timeout)
            where = "the local cluster"
        else:
            self.client = connect(scheduler, connect_timeout)
            where = f"the Dask scheduler at {scheduler}"
        want = workers or 1
        try:
            self.client.wait_for_workers(want, timeout=connect_timeout)
        except TimeoutError as exc:
            have = len(self.client.nthreads())
            raise WannError(
                f"{where} has {have} worker{'s' if have != 1 else ''}, needs {want} "
                f"(waited {connect_timeout:g} s); start workers with `dask worker ADDRESS`"
            ) from exc
        self.client.subscribe_topic("all", self._on_cluster_event)
        self.client.subscribe_topic(START_TOPIC, self._on_chunk_start)
        self._plugin.ignore_sigint = self.cluster is not None
        try:
            self.client.register_plugin(self._plugin, name=self._plugin.name)
        except Exception as exc:  # noqa: BLE001 - whatever the workers raised, one line
            raise WannError(
                f"the Dask workers could not set up task {self.task.name!r} ({exc}); is wann "
                "(with the same version) installed where the workers run?"
            ) from exc

    @staticmethod
    def _local_cluster(workers: int | None) -> LocalCluster:
        """One single-threaded worker process per core (or `workers`), on loopback only."""
        return LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            env={"NUMBA_NUM_THREADS": "1"},
        )

    # -- events from the scheduler (run on the client's event-loop thread) -----------------
    def _on_cluster_event(self, event: tuple[float, dict]) -> None:
        msg = event[1]
        action = msg.get("action")
        if action == "add-worker":
            with self._lock:
                self._workers.add(msg["worker"])
        elif action == "remove-worker":
            addr = msg["worker"]
            keys = set(msg.get("processing-tasks", ())) | set(msg.get("lost-computed-tasks", ()))
            with self._lock:
                self._workers.discard(addr)
                ours = sorted(self._chunk_of[k] for k in keys if k in self._chunk_of)
                for k in keys:
                    self._started.pop(k, None)
                    self._seen.pop(k, None)
                restarted = addr in self._restarting
                self._restarting.discard(addr)
            if ours or not (msg.get("expected") or restarted):
                record(self.events, FaultEvent("lost", addr, tuple(ours)))

    def _on_chunk_start(self, event: tuple[float, dict]) -> None:
        msg = event[1]
        with self._lock:
            if msg["key"] in self._chunk_of:
                self._started[msg["key"]] = (time.monotonic(), msg["worker"])

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        assert self.client is not None
        weights, seeds = np.asarray(weights), np.asarray(seeds)
        threads = self._threads()
        chunks = split(batch.n_nets, threads * CHUNKS_PER_THREAD)
        token = uuid.uuid4().hex[:10]
        keys = [f"wann-{token}-{i}" for i in range(len(chunks))]
        with self._lock:
            self._chunk_of = {k: i for i, k in enumerate(keys)}
            self._started.clear()
            self._seen.clear()
        announce = self.timeout is not None
        futures = [
            self.client.submit(
                run_chunk, self._plugin.name, batch.select(c), weights, seeds, announce,
                key=k, pure=False,
            )
            for k, c in zip(keys, chunks)
        ]
        try:
            self._wait(futures)
            results = self.client.gather(futures)
        finally:
            self.client.cancel([f for f in futures if not f.done()])
        shape = (batch.n_nets, len(weights), len(seeds))
        returns = np.empty(shape)
        bad = np.zeros(shape, dtype=bool)
        for c, (r, b) in zip(chunks, results):
            returns[c], bad[c] = r, b
        return returns, bad

    def _threads(self) -> int:
        """Worker threads now in the cluster (waiting up to `lost_after` if there are none)."""
        assert self.client is not None
        deadline = time.monotonic() + self.lost_after
        while True:
            nthreads = self.client.nthreads()
            with self._lock:
                self._workers = set(nthreads)
            if nthreads:
                return sum(nthreads.values())
            if time.monotonic() > deadline:
                raise self._all_lost()
            time.sleep(POLL_S)

    def _all_lost(self) -> InfrastructureError:
        return InfrastructureError(
            f"every Dask worker is lost (none connected for {self.lost_after:g} s); stopping"
        )

    def _wait(self, futures: list) -> None:
        """Block until every sub-batch is done, watching for timeouts and an empty cluster."""
        done: queue.SimpleQueue = queue.SimpleQueue()
        for f in futures:
            f.add_done_callback(done.put)
        index = {f.key: i for i, f in enumerate(futures)}
        pending = set(index)
        no_workers_since: float | None = None
        next_check = time.monotonic() + POLL_S
        while pending:
            try:
                f = done.get(timeout=POLL_S)
            except queue.Empty:
                f = None
            if f is not None:
                pending.discard(f.key)
                with self._lock:
                    self._started.pop(f.key, None)
                    self._seen.pop(f.key, None)
                self._check_done(f, index[f.key])
                if time.monotonic() < next_check:
                    continue
            next_check = time.monotonic() + POLL_S
            if self.client is None or self.client.status in ("closing", "closed"):
                raise WannError("lost the connection to the Dask scheduler; stopping")
            with self._lock:
                empty = not self._workers
            if empty:
                no_workers_since = no_workers_since or time.monotonic()
                if time.monotonic() - no_workers_since > self.lost_after:
                    raise self._all_lost()
            else:
                no_workers_since = None
            if self.timeout is not None and pending:
                self._check_timeouts(pending)

    def _check_done(self, future: Any, i: int) -> None:
        if future.status == "finished":
            return
        if future.status == "error":
            from distributed.scheduler import KilledWorker

            exc = future.exception()
            if isinstance(exc, KilledWorker):
                raise WannError(
                    f"sub-batch {i} lost every worker that ran it ({exc.allowed_failures + 1} "
                    "in a row); stopping"
                ) from exc
            future.result()  # a rollout bug on the worker: raise it here, with its traceback
        raise WannError(
            f"lost the Dask scheduler: sub-batch {i} ended as {future.status!r}; stopping"
        )

    def _check_timeouts(self, pending: set[str]) -> None:
        """Restart the workers of sub-batches past the timeout.

        A sub-batch's clock starts when its worker announces it started; a sub-batch that a
        worker holds without any announcement (the worker froze as it began, or froze with
        it queued behind another) is given twice the timeout from when it was first seen there.
        """
        assert self.client is not None and self.timeout is not None
        processing = self.client.processing()
        now = time.monotonic()
        late: dict[str, int] = {}
        with self._lock:
            held = {k: a for a, keys in processing.items() for k in keys if k in pending}
            for k in list(self._seen):
                if held.get(k) != self._seen[k][1]:
                    del self._seen[k]
            for k, a in held.items():
                self._seen.setdefault(k, (now, a))
            for k in pending:
                if k in self._started:
                    t0, addr = self._started[k]
                    over = now - t0 > self.timeout
                elif k in self._seen:
                    t0, addr = self._seen[k]
                    over = now - t0 > 2 * self.timeout
                else:
                    continue
                if over and addr not in self._restarting:
                    late.setdefault(addr, self._chunk_of[k])
            self._restarting.update(late)
            for table in (self._started, self._seen):
                for k in [k for k, (_, a) in table.items() if a in late]:
                    del table[k]
        for addr, chunk in late.items():
            record(
                self.events,
                FaultEvent("timeout", addr, (), f"sub-batch {chunk} over {self.timeout:g} s"),
            )
            # Restart it in the background: its sub-batches go back to the scheduler as soon
            # as it is gone, and the generation goes on meanwhile.
            threading.Thread(target=self._restart, args=(addr,), daemon=True).start()

    def _restart(self, addr: str) -> None:
        """Kill and restart a worker through its nanny (or remove it, where it has none)."""
        client = self.client
        if client is None:
            return
        try:
            client.sync(
                client.scheduler.restart_workers, workers=[addr], timeout=20,
                wait_for_workers=False, on_error="return",
                stimulus_id=f"wann-timeout-{time.time()}",
            )
        except Exception as exc:  # noqa: BLE001 - the scheduler drops an unresponsive worker anyway
            log.debug("restarting worker %s: %s", addr, exc)

    def close(self) -> None:
        """Release the workers' environments; shut down the cluster if this evaluator made it.

        Tearing the event loop down (after Ctrl-C above all) can make tornado log a traceback
        for a callback cut short; that is shutdown noise, so those loggers are quiet here.
        """
        for name in ("tornado.application", "tornado.general", "asyncio"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        # Likewise distributed's own teardown noise (a nanny's heartbeat that finds the
        # scheduler closing logs a warning with a traceback); restored below for a joined
        # cluster, left quiet after shutting down a local one.
        self._dask_log.setLevel(logging.CRITICAL)
        client, self.client = self.client, None
        if client is not None:
            for topic in ("all", START_TOPIC):
                try:
                    client.unsubscribe_topic(topic)
                except (ValueError, KeyError):
                    pass
            if self.cluster is None and client.status == "running":
                try:
                    client.unregister_worker_plugin(self._plugin.name)
                except Exception as exc:  # noqa: BLE001 - closing anyway
                    log.debug("unregistering the worker plugin: %s", exc)
            client.close()
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None
            return  # its event loop may still log its last heartbeats: stay quiet
        self._dask_log.setLevel(self._dask_log_level)


def _no_closing_heartbeat(record: logging.LogRecord) -> bool:
    """Drop a worker's 'failed heartbeat' record (the scheduler is shutting down)."""
    return not str(record.msg).startswith("Failed to communicate with scheduler during heartbeat")
