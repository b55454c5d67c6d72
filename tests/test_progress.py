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
