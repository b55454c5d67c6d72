"""The Dask backend: the serial backend's numbers bit for bit, faults survived, clean errors.

Runs on a LocalCluster started here (two single-threaded worker processes on loopback), on a
scheduler and worker started by hand as separate processes, and through the `wann` command.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import need  # noqa: E402

distributed = need("distributed", "dask")
psutil = need("psutil", "dask")

from distributed import Client, LocalCluster  # noqa: E402

from tests.conftest import log_rows, random_genome  # noqa: E402
from tests.gates import Gate, SignalHeldWorker, healthy_timeout  # noqa: E402
from wann import InfrastructureError  # noqa: E402
from wann import checkpoint as ckp  # noqa: E402
from wann.cli import main  # noqa: E402
from wann.config import preset  # noqa: E402
from wann.evaluation import dask_backend  # noqa: E402
from wann.evaluation.dask_backend import DaskEvaluator  # noqa: E402
from wann.evaluation.serial import SerialEvaluator  # noqa: E402
from wann.network import compile_population  # noqa: E402
from wann.reporters import Reporter  # noqa: E402
from wann.run import Run  # noqa: E402
from wann.tasks import get_task  # noqa: E402

HP = preset("quick").replace(pop_size=8, generations=2, tourn_size=2, n_reps=2)
# Safety nets for a broken test only (each wait ends as soon as its condition holds), long
# enough for a machine whose cores are busy: a nanny restarting a worker imports everything.
EVENT_WAIT_S = 60.0
WORKERS_BACK_S = 120.0


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes (with nannies, which restart killed workers)."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, env={"NUMBA_NUM_THREADS": "1"},
    ) as c:
        yield c


@pytest.fixture(scope="module")
def probe(cluster):
    """The test's own client: to see which worker holds what, and their process ids."""
    with Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def evaluator(cluster):
    ev = DaskEvaluator(get_task("swingup"), scheduler=cluster.scheduler_address)
    yield ev
    ev.close()


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    return Gate(tmp_path_factory.mktemp("gate"))


@pytest.fixture(scope="module")
def gated(cluster, gate):
    """A gated CartPole generation, its serial results, and a Dask evaluator for it."""
    task = gate.task()
    batch = compile_population([random_genome(s, 4, 2, 25) for s in range(8)])
    weights, seeds = np.array([-1.0, 0.5, 2.0]), np.array([3, 4])
    serial = SerialEvaluator(task)
    expected = serial.evaluate(batch, weights, seeds)
    serial.close()
    ev = DaskEvaluator(task, scheduler=cluster.scheduler_address)
    yield ev, batch, weights, seeds, expected
    ev.close()


@pytest.fixture
def armed(gate):
    gate.reset()
    gate.arm()
    yield gate
    gate.open()


def wait_for_event(ev: DaskEvaluator, kind: str, worker: str) -> list:
    deadline = time.monotonic() + EVENT_WAIT_S
    while time.monotonic() < deadline:
        found = [e for e in ev.events if (e.kind, e.worker) == (kind, worker)]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no {kind!r} event for {worker}: {ev.events}")


def test_same_seed_same_log_as_the_serial_backend(evaluator, tmp_path) -> None:
    task = get_task("swingup")
    Run.new(task, HP, SerialEvaluator(task), tmp_path / "serial", seed=3).run()
    Run.new(task, HP, evaluator, tmp_path / "dask", seed=3).run()
    assert log_rows(tmp_path / "dask") == log_rows(tmp_path / "serial")
    for name in ("champion.json", "population.csv"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "serial" / name).read_bytes()
    # Environments stay warm: one per worker thread, however many sub-batches ran.
    name = evaluator._plugin.name
    envs = evaluator.client.run(lambda dask_worker: len(dask_worker.plugins[name]._all))
    assert sorted(envs.values()) == [1, 1]


def test_a_killed_worker_has_its_sub_batches_rerun(gated, probe, armed, caplog) -> None:
    ev, batch, weights, seeds, (expected, expected_bad) = gated
    addresses = {p: a for a, p in probe.run(os.getpid).items()}
    killer = SignalHeldWorker(armed, signal.SIGKILL)
    with caplog.at_level(logging.WARNING, logger="wann"):
        killer.start()
        returns, bad = ev.evaluate(batch, weights, seeds)
        killer.join()
        lost = wait_for_event(ev, "lost", addresses[killer.pid])
    np.testing.assert_array_equal(returns, expected)
    np.testing.assert_array_equal(bad, expected_bad)
    assert lost[0].chunks, "the killed worker held a sub-batch: it must be re-run"
    assert f"worker {addresses[killer.pid]} lost" in caplog.text
    probe.wait_for_workers(2, timeout=WORKERS_BACK_S)  # the nanny replaces it


def test_a_sub_batch_past_the_timeout_counts_as_a_lost_worker(gated, probe, gate) -> None:
    ev, batch, weights, seeds, (expected, _) = gated
    probe.wait_for_workers(2, timeout=WORKERS_BACK_S)
    addresses = {p: a for a, p in probe.run(os.getpid).items()}
    gate.reset()  # not armed: a healthy evaluation sets a timeout only the stopped worker passes
    timeout = healthy_timeout(lambda: ev.evaluate(batch, weights, seeds))
    gate.arm()
    ev.timeout = timeout
    try:
        frozen = SignalHeldWorker(gate, signal.SIGSTOP)  # alive, connected, never finishing
        frozen.start()
        returns, _ = ev.evaluate(batch, weights, seeds)
        frozen.join()
    finally:
        ev.timeout = None
        gate.open()
    np.testing.assert_array_equal(returns, expected)
    assert wait_for_event(ev, "timeout", addresses[frozen.pid])
    probe.wait_for_workers(2, timeout=WORKERS_BACK_S)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_by_hand(tmp_path: Path) -> tuple[subprocess.Popen, subprocess.Popen, Path]:
    """A scheduler and one worker (no nanny: nothing restarts it), as the README recipe does."""
    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    bindir = Path(sys.executable).parent
    common = dict(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    scheduler = subprocess.Popen(
        [bindir / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(free_port()),
         "--no-dashboard", "--scheduler-file", sched_file], **common,
    )
    worker = subprocess.Popen(
        [bindir / "dask", "worker", "--scheduler-file", sched_file, "--nthreads", "1",
         "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"], **common,
    )
    return scheduler, worker, sched_file


def test_every_worker_lost_stops_with_a_checkpoint_and_resume_works_elsewhere(tmp_path) -> None:
    task = get_task("swingup")
    hp = HP.replace(generations=3)
    scheduler, worker, sched_file = start_by_hand(tmp_path)
    try:
        deadline = time.monotonic() + 30
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        ev = DaskEvaluator(task, scheduler=str(sched_file), connect_timeout=30, lost_after=2)

        class KillTheWorker(Reporter):
            def generation(self, run: Run, stats: object, row: dict) -> None:
                worker.kill()
                worker.wait()

        out = tmp_path / "run"
        try:
            with pytest.raises(InfrastructureError, match="every Dask worker is lost"):
                Run.new(task, hp, ev, out, seed=5, reporters=[KillTheWorker()]).run()
        finally:
            ev.close()
    finally:
        for p in (worker, scheduler):
            p.kill()
            p.wait()
    ckpt = ckp.load(ckp.path_in(out))
    assert ckpt.generation == 1
    Run.resume(ckpt, task, SerialEvaluator(task), out).run()  # on another backend
    Run.new(task, hp, SerialEvaluator(task), tmp_path / "straight", seed=5).run()
    assert log_rows(out) == log_rows(tmp_path / "straight")


def run_cli(args: list[str], capsys) -> tuple[int, str]:
    rc = main(args)
    return rc, capsys.readouterr().err


def test_bad_input_is_one_clear_error(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT_S", 1.0)
    out = tmp_path / "run"
    base = ["evolve", "--generations", "1", "--pop-size", "4", "--out", str(out)]
    port = free_port()
    cases = {
        f"cannot reach the Dask scheduler at 127.0.0.1:{port}":
            ["--scheduler", f"127.0.0.1:{port}"],
        "scheduler file 'nowhere.json' does not exist": ["--scheduler", "nowhere.json"],
        "--scheduler needs --backend dask": ["--backend", "pool", "--scheduler", "x:1"],
        "--timeout: must be a positive number": ["--backend", "dask", "--timeout", "-1"],
    }
    with LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as empty:
        cases["has 0 workers, needs 1"] = ["--scheduler", empty.scheduler_address]
        for expected, extra in cases.items():
            rc, err = run_cli(base + extra, capsys)
            assert rc == 2, (expected, err)
            assert err.startswith("wann: error: ") and expected in err, err
            assert "Traceback" not in err
            assert not out.exists(), "nothing is written when the evaluator cannot start"
    # Dask not installed: one line too.
    monkeypatch.setitem(sys.modules, "distributed", None)
    monkeypatch.delitem(sys.modules, "wann.evaluation.dask_backend")
    rc, err = run_cli(base + ["--backend", "dask"], capsys)
    assert rc == 2 and "the dask backend needs dask.distributed" in err


def test_ctrl_c_closes_the_local_cluster_cleanly(tmp_path) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "wann.cli", "evolve", "--backend", "dask", "--workers", "2",
         "--generations", "500", "--pop-size", "8", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        # SIGINT as in a terminal, even where this test runs in a background job (which
        # inherits SIGINT ignored, and Python then keeps ignoring it)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        seen = []
        for line in proc.stderr:  # wait for a generation to finish: the cluster is busy now
            seen.append(line)
            if line.startswith("gen "):
                break
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 2, "".join(seen)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        try:
            _, rest = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired as exc:
            tail = (exc.stderr or b"")[-2000:]
            tail = tail.decode(errors="replace") if isinstance(tail, bytes) else tail
            pytest.fail(f"still running 120 s after Ctrl-C; its stderr ends with:\n{tail}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    err = "".join(seen) + rest
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "wann: interrupted" in err
    assert ckp.path_in(out).exists()
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"left running: {alive}"
