"""A run folder that stops being writable mid-run (disk full, removed, replaced): a clear
error line and no traceback; the last good checkpoint is kept and the run resumes from it to
the numbers of an uninterrupted run."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import log_rows
from wann import checkpoint as ckp
from wann import io as wio
from wann.cli import main
from wann.config import preset
from wann.evaluation import make_evaluator
from wann.reporters import Reporter
from wann.run import OutputError, Run
from wann.tasks import get_task

HP = preset("quick").replace(pop_size=16, generations=10, n_reps=2, checkpoint_every=4)


class DiskFillsAt(Reporter):
    """From generation `at` on, every file write fails as on a full disk (it runs before the
    run-folder reporters, so they meet the full disk in that very generation)."""

    def __init__(self, at: int, monkeypatch: pytest.MonkeyPatch) -> None:
        self.at, self.mp = at, monkeypatch

    def generation(self, run: Run, stats: object, row: dict) -> None:
        if run.search.generation == self.at:
            def full(*args: object, **kwargs: object) -> None:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.mp.setattr(wio.tempfile, "mkstemp", full)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "run"
    task = get_task("swingup")
    Run.new(task, HP, make_evaluator(task, "compiled"), out, seed=7).run()
    return out


def test_disk_full_mid_run_keeps_the_last_good_checkpoint(
    reference, tmp_path, monkeypatch, caplog
) -> None:
    out = tmp_path / "run"
    task = get_task("swingup")
    run = Run.new(task, HP, make_evaluator(task, "compiled"), out, seed=7,
                  reporters=[DiskFillsAt(6, monkeypatch)])
    with pytest.raises(OutputError, match="cannot write to the run folder .*No space left on device"):
        run.run()
    assert "the last good one (generation 4) is kept" in caplog.text
    monkeypatch.undo()  # space again
    ck = ckp.load(ckp.path_in(out))
    assert ck.generation == 4
    assert main(["evolve", "--resume", str(out)]) == 0
    assert log_rows(out) == log_rows(reference)
    assert (out / "champion.json").read_bytes() == (reference / "champion.json").read_bytes()


def test_one_file_that_cannot_be_written_stops_the_run_with_one_clear_line(
    reference, tmp_path, monkeypatch, capsys
) -> None:
    real = wio.atomic_write

    def log_fails_at_7(path: str | Path, data: str | bytes, durable: bool = True) -> None:
        if Path(path).name == "log.csv" and str(data).count("\n") == 1 + 7:
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        real(path, data, durable)

    import wann.reporters as rep
    monkeypatch.setattr(rep, "atomic_write", log_fails_at_7)
    out = tmp_path / "run"
    args = ["evolve", "--task", "swingup", "--pop-size", "16", "--generations", "10",
            "--reps", "2", "--checkpoint-every", "4", "--seed", "7", "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [ln for ln in err.splitlines() if ln.startswith("wann: error:")]
    assert errors == [f"wann: error: cannot write to the run folder {str(out)!r}: "
                      f"Permission denied ({out / 'log.csv'})"]
    monkeypatch.undo()
    assert main(["evolve", "--resume", str(out)]) == 0
    assert log_rows(out) == log_rows(reference)


def test_a_run_folder_replaced_by_a_file_mid_run(tmp_path) -> None:
    """A real `wann evolve` whose folder is removed and replaced by a file while it runs
    (stopped at a point the test controls): one error line, exit 2, no traceback."""
    out, marker = tmp_path / "run", tmp_path / "paused"
    child = (
        "import os, sys, time\n"
        "from wann.search import Search\n"
        "_ask = Search.ask\n"
        "def ask(self):\n"
        "    if self.generation == 3 and not os.path.exists(sys.argv[1] + '.go'):\n"
        "        open(sys.argv[1], 'w').close()\n"
        "        while not os.path.exists(sys.argv[1] + '.go'):\n"
        "            time.sleep(0.01)\n"
        "    return _ask(self)\n"
        "Search.ask = ask\n"
        "from wann.cli import main\n"
        "sys.exit(main(sys.argv[2:]))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", child, str(marker), "evolve", "--pop-size", "8",
         "--generations", "6", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
        shutil.rmtree(out)
        out.write_text("in the way")
        Path(str(marker) + ".go").write_text("")
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    assert f"wann: error: cannot write to the run folder {str(out)!r}" in err
    assert sum(ln.startswith("wann: error:") for ln in err.splitlines()) == 1
