"""One progress mechanism: a tqdm bar with ETA on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import io

import pytest

from wann.progress import Progress


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_without_a_terminal() -> None:
    plain = io.StringIO()
    p = Progress(plain)
    p.line("starting")
    p.start(4, "gen")
    for i in range(1, 5):
        p.update(i, f"best {i}")
    p.close()
    lines = plain.getvalue().splitlines()
    assert lines[0] == "wann: starting"
    assert [ln.split(" ETA")[0] for ln in lines[1:]] == [f"gen {i}/4 best {i}" for i in range(1, 5)]
    assert "\r" not in plain.getvalue()


def test_plain_lines_come_every_n_steps_and_for_the_last() -> None:
    plain = io.StringIO()
    p = Progress(plain)
    p.start(10, "tune", plain_every=4)
    for i in range(1, 11):
        p.update(i, "x")
    assert [ln.split("/")[0] for ln in plain.getvalue().splitlines()] == [
        "tune  4", "tune  8", "tune 10"]


def test_a_live_bar_with_eta_on_a_terminal() -> None:
    pytest.importorskip("tqdm")
    tty = FakeTty()
    p = Progress(tty)
    p.start(4, "gen", initial=1)
    p.update(2, "best 7")
    p.line("a line above the bar")
    p.update(3, "best 9")
    p.close()
    out = tty.getvalue()
    assert "\r" in out and "gen 3/4 [" in out and "best 9" in out and "ETA" in out
    assert "wann: a line above the bar" in out and out.endswith("\n")


def test_quiet_writes_nothing() -> None:
    s = io.StringIO()
    p = Progress(s, quiet=True)
    p.line("x")
    p.start(2)
    p.update(1, "y")
    p.close()
    assert s.getvalue() == ""


def test_the_eta_follows_the_recent_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Steps that slow down (a search whose networks grow): after fifteen 10-second steps the
    ETA is 10 s a step, not the average with the early 1-second ones."""
    clock = [0.0]
    monkeypatch.setattr("wann.progress.time.perf_counter", lambda: clock[0])
    out = io.StringIO()
    p = Progress(out)
    p.start(40, "gen")
    for i in range(1, 36):
        clock[0] += 1.0 if i <= 20 else 10.0
        p.update(i, "")
    assert out.getvalue().splitlines()[-1].endswith("ETA 0:50")  # 5 steps left x 10 s


@pytest.mark.parametrize("tty", [False, True])
def test_the_first_steps_start_up_is_not_in_the_eta(tty, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first generation that compiles for 60 s, then 2 s a generation: after the second,
    the ETA is 8 steps x 2 s, not (62 s / 2) x 8."""
    if tty:
        pytest.importorskip("tqdm")
    clock = [0.0]
    monkeypatch.setattr("wann.progress.time.perf_counter", lambda: clock[0])
    out = FakeTty() if tty else io.StringIO()
    p = Progress(out)
    p.start(10, "gen")
    clock[0] += 60.0
    p.update(1, "x")
    first = out.getvalue()
    clock[0] += 2.0
    p.update(2, "x")
    p.close()
    assert first.rstrip().endswith("ETA --:--")
    assert out.getvalue().rstrip().endswith("ETA 0:16")


def test_a_run_numbers_generations_as_its_log_does(tmp_path) -> None:
    from tests.conftest import log_rows
    from wann.config import preset
    from wann.evaluation import make_evaluator
    from wann.reporters import ProgressReporter
    from wann.run import Run
    from wann.tasks import get_task

    task, out = get_task("swingup"), io.StringIO()
    hp = preset("quick").replace(pop_size=8, generations=3, tourn_size=2)
    Run.new(task, hp, make_evaluator(task, "compiled"), tmp_path, 0, [ProgressReporter(out)]).run()
    lines = [ln for ln in out.getvalue().splitlines() if ln.startswith("gen ")]
    logged = [r["generation"] for r in log_rows(tmp_path)]
    assert logged == ["0", "1", "2"]
    assert [ln.split(" best")[0] for ln in lines] == [f"gen {g} ({int(g) + 1}/3)" for g in logged]
