"""Output folders are checked before any work, and a run folder has one writer at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import random_genome
from wann import WannError
from wann.cli import main
from wann.io import save_genome
from wann.outdir import LOCK_NAME, RunLock, check_writable


@pytest.fixture(scope="module")
def genome_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("g") / "g.json"
    g = random_genome(1, 5, 1, 10)
    g.meta["task"] = "swingup"
    save_genome(g, path)
    return path


def bad_outputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    return {
        "a file": (a_file, "is a file, not a folder"),
        "inside a file": (a_file / "sub", "is a file, not a folder"),
        "under /proc": (Path("/proc/wann-test/out"), "is not writable"),
    }


@pytest.mark.parametrize("case", ["a file", "inside a file", "under /proc"])
@pytest.mark.parametrize("command", ["evolve", "tune", "compare", "plot"])
def test_an_unwritable_output_is_refused_before_any_work(
    command, case, genome_file, tmp_path, capsys
) -> None:
    out, message = bad_outputs(tmp_path)[case]
    run_dir = tmp_path / "run"
    if command == "plot":
        assert main(["evolve", "--generations", "1", "--pop-size", "8", "--out", str(run_dir)]) == 0
        capsys.readouterr()
    args = {
        # At the default budgets, these would run for minutes before writing anything.
        "evolve": ["evolve", "--out", str(out)],
        "tune": ["tune", str(genome_file), "--out", str(out)],
        "compare": ["compare", "--out", str(out)],
        "plot": ["plot", str(run_dir), "--out", str(out)],
    }[command]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("wann: error: ") and err.count("\n") == 1, err
    assert message in err and "Traceback" not in err


def test_the_check_leaves_nothing_behind(tmp_path) -> None:
    target = tmp_path / "a" / "b" / "c"
    assert check_writable(target) == target
    assert not (tmp_path / "a").exists()
    check_writable(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_second_writer_is_refused_while_the_first_holds_the_folder(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    with RunLock(out):
        rc = main(["evolve", "--generations", "1", "--pop-size", "8", "--out", str(out)])
        assert rc == 2
        err = capsys.readouterr().err
        assert f"is in use by another wann process (pid {os.getpid()})" in err
        assert not (out / "log.csv").exists()
    # Released: the folder can be written now.
    assert main(["evolve", "--generations", "1", "--pop-size", "8", "--out", str(out)]) == 0


def test_two_runs_into_one_folder_at_once(tmp_path, capsys) -> None:
    """A real `wann evolve` holds the folder (stopped at a point the test controls); a second
    one into the same folder is refused, and the first finishes its run untouched."""
    out, marker = tmp_path / "run", tmp_path / "paused"
    child = (
        "import os, sys, time\n"
        "from wann.search import Search\n"
        "_ask = Search.ask\n"
        "def ask(self):\n"
        "    if self.generation == 1 and not os.path.exists(sys.argv[1] + '.go'):\n"
        "        open(sys.argv[1], 'w').close()\n"
        "        while not os.path.exists(sys.argv[1] + '.go'):\n"
        "            time.sleep(0.01)\n"
        "    return _ask(self)\n"
        "Search.ask = ask\n"
        "from wann.cli import main\n"
        "sys.exit(main(sys.argv[2:]))\n"
    )
    args = ["evolve", "--generations", "3", "--pop-size", "8", "--seed", "4", "--out", str(out)]
    first = subprocess.Popen([sys.executable, "-c", child, str(marker), *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not marker.exists():
            assert first.poll() is None, first.communicate()
        assert main(args) == 2
        err = capsys.readouterr().err
        assert f"(pid {first.pid})" in err and "in use by another wann process" in err
        Path(str(marker) + ".go").write_text("")
        _, first_err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, first_err
    assert len((out / "log.csv").read_text().splitlines()) == 1 + 3


def test_a_lock_left_by_a_killed_run_does_not_block(tmp_path) -> None:
    out = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from wann.outdir import RunLock; RunLock(sys.argv[1]).acquire(); "
         "print('held', flush=True); time.sleep(600)", str(out)],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(WannError, match=f"pid {holder.pid}"):
        RunLock(out).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (out / LOCK_NAME).exists()  # the file stays; the kernel dropped the lock
    assert main(["evolve", "--generations", "1", "--pop-size", "8", "--out", str(out)]) == 0


def test_an_unwritable_tensorboard_folder_is_refused_before_the_run(tmp_path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = tmp_path / "run"
    assert main(["evolve", "--generations", "1", "--out", str(out),
                 "--tensorboard", str(blocker / "tb")]) == 2
    assert "TensorBoard folder" in capsys.readouterr().err
    assert not out.exists()
