"""A run whose evaluator is asynchronous (the GPU's `submit`) writes its run folder from a
writer thread: the same files as a run that writes them in the loop, the same order (a
checkpoint before the log shows its generation), and a failed write still stops the run
with its last good checkpoint kept."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest

from tests.conftest import log_rows
from wann import checkpoint as ckp
from wann import io as wio
from wann.config import preset
from wann.evaluation import make_evaluator
from wann.reporters import Checkpoints, FolderWriter, Reporter
from wann.run import OutputError, Run
from wann.tasks import get_task

HP = preset("quick").replace(pop_size=16, generations=10, n_reps=2, checkpoint_every=4)
FILES = ("champion.json", "best.json", "population.csv", "config.toml")


class Submitting:
    """The compiled evaluator behind the GPU backend's asynchronous interface."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def evaluate(self, batch, weights, seeds):  # noqa: ANN001, ANN201
        return self.inner.evaluate(batch, weights, seeds)

    def submit(self, batch, weights, seeds):  # noqa: ANN001, ANN201
        result = self.inner.evaluate(batch, weights, seeds)
        return lambda: result

    def drain_events(self) -> list:
        return self.inner.drain_events()

    def close(self) -> None:
        self.inner.close()


def _run(out: Path, asynchronous: bool, reporters: list | None = None) -> Run:
    task = get_task("swingup")
    ev = make_evaluator(task, "compiled")
    return Run.new(task, HP, Submitting(ev) if asynchronous else ev, out, seed=7,
                   reporters=reporters)


def test_background_writes_equal_the_loops(tmp_path: Path) -> None:
    a, b = _run(tmp_path / "sync", False), _run(tmp_path / "async", True)
    assert not any(isinstance(r, Checkpoints) and r.writer.background for r in a.reporters)
    assert any(isinstance(r, Checkpoints) and r.writer.background for r in b.reporters)
    a.run()
    b.run()
    assert log_rows(tmp_path / "sync") == log_rows(tmp_path / "async")
    for name in FILES:
        assert (tmp_path / "sync" / name).read_bytes() == (tmp_path / "async" / name).read_bytes()
    assert ckp.load(ckp.path_in(tmp_path / "async")).generation == HP.generations


class DiskFillsAt(Reporter):
    def __init__(self, at: int, monkeypatch: pytest.MonkeyPatch) -> None:
        self.at, self.mp = at, monkeypatch

    def generation(self, run: Run, stats: object, row: dict) -> None:
        if run.search.generation == self.at:
            def full(*args: object, **kwargs: object) -> None:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.mp.setattr(wio.tempfile, "mkstemp", full)


def test_a_failed_background_write_stops_the_run(tmp_path: Path, monkeypatch) -> None:
    ref = _run(tmp_path / "ref", False)
    ref.run()
    out = tmp_path / "run"
    run = _run(out, True, [DiskFillsAt(6, monkeypatch)])
    with pytest.raises(OutputError, match="No space left on device"):
        run.run()
    monkeypatch.undo()
    ck = ckp.load(ckp.path_in(out))
    assert ck.generation == 4  # the last checkpoint written before the disk filled
    resumed = Run.resume(ck, get_task("swingup"), Submitting(make_evaluator(
        get_task("swingup"), "compiled")), out)
    resumed.run()
    assert log_rows(out) == log_rows(tmp_path / "ref")
    assert (out / "champion.json").read_bytes() == (tmp_path / "ref" / "champion.json").read_bytes()


def test_writer_keeps_order_and_the_first_error() -> None:
    w = FolderWriter()
    seen: list[int] = []
    for i in range(50):
        w.submit(lambda i=i: seen.append(i))
    w.flush()
    assert seen == list(range(50))

    queued = threading.Event()

    def fail() -> None:
        queued.wait(10)
        raise OSError(errno.EACCES, "denied")
    w.submit(fail)
    w.submit(lambda: seen.append(99))  # dropped: nothing is written after a failure
    queued.set()
    with pytest.raises(OSError, match="denied"):
        w.flush()
    assert seen[-1] == 49
    with pytest.raises(OSError):
        w.submit(lambda: None)


def test_settle_leaves_one_generation_in_flight() -> None:
    """A step waits for the files of the generation before last, not for the last one's:
    a slow write (a checkpoint) overlaps the next generation instead of stalling it."""
    w = FolderWriter()
    release = threading.Event()
    w.settle(0)
    w.submit(lambda: release.wait(30))  # generation 0's files, held back
    w.settle(1)  # returns although they are not written
    w.settle(1)  # another reporter's call in the same step: the same wait
    w.submit(lambda: None)  # generation 1's files
    waiter = threading.Thread(target=w.settle, args=(2,))  # needs generation 0's files
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive()
    release.set()
    waiter.join(30)
    assert not waiter.is_alive()
    w.flush()
