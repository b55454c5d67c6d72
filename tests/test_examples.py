"""The scripts in examples/ run as a user would run them (with tiny settings)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_search_on_own_env() -> None:
    result = load("own_env").main(generations=2)
    assert len(result.history) == 2 and result.champion is not None
    assert result.task.n_in == 1 and result.task.n_out == 1
    assert np.isfinite(result.column("best_fitness")).all()
    assert len(result.population) == 16


def test_ask_tell_loop_and_custom_reporter() -> None:
    search, reporter = load("ask_tell").main(generations=2)
    assert search.generation == 2
    assert len(reporter.best) == 2 and all(np.isfinite(reporter.best))


def test_comparison_from_python() -> None:
    scores = load("compare").main(generations=2, episodes=3)
    assert set(scores) == {"WANN (shared weights)", "dense", "pruned 50%"}
    assert all(np.isfinite(s["mean"]) for s in scores.values())
