"""A pruning criterion added in one file (examples/new_method.py) runs in `wann compare` on
both task families, through the Python API and the command line."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

import wann
from wann.cli import main
from wann.cmaes import CMASettings
from wann.comparison.control import Budget
from wann.genome import from_dense
from wann.methods.registry import _REGISTRY

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TINY_CMA = CMASettings(generations=1, popsize=4, rollouts=1, check_every=1, check_episodes=1)
TINY = Budget(TINY_CMA, TINY_CMA, TINY_CMA, TINY_CMA, grid=3, sweep_episodes=1)


@pytest.fixture
def erk(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    yield
    _REGISTRY.pop("erk", None)
    sys.modules.pop("new_method", None)


def erk_rows(rows: list) -> list:
    return [r for r in rows if r.family == "erk"]


def test_the_example_is_one_short_file() -> None:
    assert len((EXAMPLES / "new_method.py").read_text().splitlines()) <= 30


def test_new_method_on_swingup(erk) -> None:
    study = wann.compare("swingup", ["new_method:erk"], champion=from_dense([5, 2, 1]),
                         budget=TINY, dense_hidden=(16, 8), sparsities=(0.5, 0.9), episodes=2)
    rows = study.per_seed[0]
    assert [r.name for r in rows[:2]] == ["WANN", "dense (5-16-8-1)"]
    got = erk_rows(rows)
    assert [r.name for r in got] == ["ERK random 50%", "ERK random 90%"]
    n = (5 + 1) * 16 + (16 + 1) * 8 + (8 + 1) * 1
    for r, s in zip(got, (0.5, 0.9)):
        assert abs(r.connections - (1 - s) * n) <= 3, (r.name, r.connections)
        assert np.isfinite(r.scores["tuned_weights"]["mean"])
    assert study.per_seed[0][-1].cost > 0  # trained by CMA-ES: its rollouts counted


def test_new_method_on_digits_from_the_command_line(erk, tmp_path, capsys) -> None:
    out = tmp_path / "cmp"
    champion = from_dense([64, 10])
    champion.meta["task"] = "digits"
    wann.save_genome(champion, tmp_path / "g.json")
    assert main(["compare", "--champion", str(tmp_path / "g.json"), "--methods",
                 "new_method:erk", "--dense-hidden", "20", "10", "--sparsities", "0.8",
                 "--epochs", "2", "--episodes", "2", "--out", str(out)]) == 0
    capsys.readouterr()
    with open(out / "compare.csv") as f:
        rows = {r["model"]: r for r in csv.DictReader(f)}
    assert list(rows) == ["WANN (given champion)", "dense 64-20-10-10", "ERK random 80%"]
    n = 64 * 20 + 20 * 10 + 10 * 10
    assert abs(int(rows["ERK random 80%"]["connections"]) - 0.2 * n) <= 3
    acc = float(rows["ERK random 80%"]["tuned_weights_mean"])
    assert acc > 0.15, acc  # trained by Adam: above chance (0.1 on 451 images) after two epochs


def test_an_unknown_module_is_one_line(tmp_path, capsys) -> None:
    assert main(["compare", "--task", "digits", "--methods", "no_such_module:erk",
                 "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot import module 'no_such_module'" in err[0], err
