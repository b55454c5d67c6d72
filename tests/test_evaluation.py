"""Evaluators: NaN handling, common random numbers, and agreement across backends."""

import json
import logging

import numpy as np
import pytest

from tests.conftest import random_genome
from wann.cli import main
from wann.config import preset
from wann.evaluation import episode_seeds, make_evaluator
from wann.genome import HIDDEN, Genome
from wann.io import save_genome
from wann.network import compile_population
from wann.run import Run
from wann.tasks import get_task


def overflow_genome(n_in: int = 5) -> Genome:
    """bias -> 10 squared nodes in a chain -> output: inf for |w| = 2, finite for |w| <= 1."""
    k = 10
    ids = np.arange(1 + n_in + 1 + k)
    kind = np.array([0] + [1] * n_in + [2] + [HIDDEN] * k, dtype=np.int8)
    act = np.array([1] * (2 + n_in) + [11] * k, dtype=np.int8)
    chain = [0] + list(range(2 + n_in, 2 + n_in + k)) + [1 + n_in]
    src, dst = np.array(chain[:-1]), np.array(chain[1:])
    m = src.size
    return Genome(n_in, 1, ids, kind, act, np.arange(m), src, dst, np.ones(m, bool), np.ones(m))


@pytest.mark.parametrize("backend", ["compiled", "serial"])
def test_nonfinite_outputs_get_the_worst_return(backend) -> None:
    task = get_task("swingup")
    ev = make_evaluator(task, backend)
    batch = compile_population([overflow_genome()])
    r, bad = ev.evaluate(batch, np.array([2.0, 0.5]), np.array([1, 2]))
    assert np.all(np.isfinite(r))
    assert bad[0, 0].all() and not bad[0, 1].any()
    assert np.all(r[0, 0] == task.worst_return)


def test_nan_rollouts_are_logged_and_never_reach_the_ranking(tmp_path, caplog) -> None:
    task = get_task("swingup")
    hp = preset("quick").replace(pop_size=8, generations=1, tourn_size=2)
    run = Run.new(task, hp, make_evaluator(task, "compiled"), tmp_path, seed=0)
    run.search.population[3] = overflow_genome()
    with caplog.at_level(logging.WARNING, logger="wann"):
        row = run.step()
    assert row["nonfinite_rollouts"] > 0
    assert "NaN or inf" in caplog.text
    assert np.isfinite(row["mean_fitness"])


def test_wann_eval_says_when_a_score_is_the_overflow_convention(tmp_path, capsys, caplog) -> None:
    """A genome that overflows at w = 2 scores -1000 there: a convention, named on screen."""
    g = overflow_genome()
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    with caplog.at_level(logging.WARNING, logger="wann"):
        assert main(["eval", str(tmp_path / "g.json"), "--weights", "2", "0.5", "--episodes",
                     "3", "--json"]) == 0
    out = capsys.readouterr().out
    assert ("3 of 6 rollouts (shared weights) gave NaN or inf outputs and were scored -1000, "
            "the task's worst return") in caplog.text
    assert json.loads(out)["shared_weights"][0]["mean"] == -1000.0


def test_common_random_numbers() -> None:
    a, b = episode_seeds(7, 3, 4), episode_seeds(7, 3, 4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, episode_seeds(7, 4, 4))
    assert not np.array_equal(a, episode_seeds(8, 3, 4))


def test_all_backends_agree_bit_for_bit() -> None:
    task = get_task("swingup")
    batch = compile_population([random_genome(s, 5, 1, 25) for s in range(6)])
    weights, seeds = np.array([-1.0, 0.5, 2.0]), episode_seeds(0, 0, 2)
    results = {}
    for backend, workers in (("compiled", 1), ("compiled", 2), ("serial", 1), ("pool", 2)):
        ev = make_evaluator(task, backend, workers)
        try:
            results[(backend, workers)] = ev.evaluate(batch, weights, seeds)[0]
        finally:
            ev.close()
    first = results[("compiled", 1)]
    for key, r in results.items():
        np.testing.assert_array_equal(r, first, err_msg=str(key))
