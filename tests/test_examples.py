"""The scripts in examples/ run as a user would run them (with tiny settings), and their
results are checked against what doing nothing scores on the same episodes: a search, a loop
or a training that is broken would not clear those bounds."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import numpy as np

import wann
from wann.evaluation import episode_seeds
from wann.genome import Genome, from_dense

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def do_nothing(n_in: int, n_out: int) -> Genome:
    """A net with no connection: its outputs are 0 whatever the weight (no force applied)."""
    g = from_dense([n_in, n_out])
    g.conn_enabled[:] = False
    return g


def test_search_on_own_env() -> None:
    result = load("own_env").main(generations=2)
    assert len(result.history) == 2 and result.champion is not None
    assert result.task.n_in == 1 and result.task.n_out == 1
    assert len(result.population) == 16
    # Doing nothing scores -50 |x0| (about -125); the champion brings the point home at every
    # shared weight, on test episodes it never trained on.
    idle = wann.score(do_nothing(1, 1), result.task, episodes=20)["all_shared_weights"]["mean"]
    assert idle < -100
    per_weight = wann.score(result.champion, result.task, episodes=20)["shared_weights"]
    assert [s["weight"] for s in per_weight] == list(wann.preset("quick").weights)
    assert all(s["mean"] > 0.25 * idle for s in per_weight), per_weight
    assert result.fitness > result.history[-1]["median_fitness"]


def test_ask_tell_loop_and_custom_reporter(capsys) -> None:
    search, reporter = load("ask_tell").main(generations=2)
    assert search.generation == 2
    assert len(reporter.best) == 2
    # The hand-written loop and wann.evolve run the same search on the same episodes: the
    # same best mean in every generation.
    out = capsys.readouterr().out
    own = re.findall(r"own loop, generation (\d+): best mean (-?[\d.]+)", out)
    evolved = re.findall(r"^generation (\d+): best (-?[\d.]+),", out, re.M)
    assert own == evolved and len(own) == 2
    assert search.best_ever_fitness == max(reporter.best)
    # ... and better than a swing-up cart that does nothing, on those episodes.
    task, hp = wann.get_task("swingup"), wann.preset("quick")
    idle = wann.evaluate([do_nothing(task.n_in, task.n_out)], task, hp.weights,
                         episode_seeds(2, 0, 2))
    assert max(reporter.best) > 2 * idle.mean() > 0


def test_comparison_from_python() -> None:
    episodes = 3
    scores = load("compare").main(generations=2, episodes=episodes)
    assert set(scores) == {"WANN (shared weights)", "dense", "pruned 50%"}
    task = wann.get_task("swingup")
    idle = wann.score(do_nothing(task.n_in, task.n_out), task, episodes=episodes)
    idle_mean = idle["all_shared_weights"]["mean"]
    # A swing-up return lies in [0, 1000] (a reward in [0, 1] for each of 1000 steps).
    for name, s in scores.items():
        n = episodes * (6 if name.startswith("WANN") else 1)
        assert s["n"] == n and 0.0 <= s["min"] <= s["mean"] <= s["max"] <= 1000.0, (name, s)
    assert scores["WANN (shared weights)"]["mean"] > 2 * idle_mean > 0
    assert scores["dense"]["mean"] > idle_mean
    assert np.isfinite([s["std"] for s in scores.values()]).all()
