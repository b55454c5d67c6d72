"""Shared-weight sweeps and per-connection CMA-ES tuning (`wann tune`)."""

import csv
import json

import numpy as np
import pytest

from tests.conftest import random_genome
from wann.cli import main
from wann.cmaes import CMASettings, WeightBatch, cma_es
from wann.evaluation import make_evaluator
from wann.genome import from_dense
from wann.io import load_genome, save_genome
from wann.network import compile_genome
from wann.scoring import shared_weight_returns
from wann.streams import CHECK, stream_seeds
from wann.sweep import Sweep, sweep_shared_weight, weight_grid
from wann.tasks import get_task
from wann.tune import tune_weights, tune_weights_restarts

TINY = CMASettings(generations=3, popsize=6, rollouts=1, check_every=2, check_episodes=2)


@pytest.fixture(scope="module")
def ev():
    e = make_evaluator(get_task("swingup"), "compiled", 2)
    yield e
    e.close()


def test_grid_has_81_points_in_steps_of_005() -> None:
    g = weight_grid()
    assert g.size == 81 and g[0] == -2.0 and g[-1] == 2.0
    np.testing.assert_allclose(np.diff(g), 0.05)


@pytest.mark.parametrize("seed", range(4))
def test_weight_batch_matches_compiling_each_genome(seed: int) -> None:
    g = random_genome(seed, n_in=5, n_out=1)
    wb = WeightBatch(g)
    rng = np.random.default_rng(seed)
    base = rng.normal(size=wb.dim)
    xs = rng.normal(size=(3, wb.dim))
    batch = wb.batch(base, xs)
    for k in range(3):
        one = compile_genome(wb.genome_with(base, xs[k]), use_weights=True)
        lo, hi = batch.in_start[batch.node_off[k]], batch.in_end[batch.node_off[k + 1] - 1]
        np.testing.assert_array_equal(batch.edge_w[lo:hi], one.edge_w)
    assert np.array_equal(wb.genome_with(base, xs[0]).conn_weight[~g.conn_enabled],
                          g.conn_weight[~g.conn_enabled])


def test_sweep_best_is_the_argmax_and_matches_direct_scoring(ev, ref) -> None:
    g = load_genome(ref / "champions" / "swing.out", "swingup", 5, 1)
    seeds = np.array([3, 4, 5])
    grid = weight_grid(9)
    sw = sweep_shared_weight(ev, g, seeds, grid)
    direct = shared_weight_returns(ev, g, grid, seeds)
    np.testing.assert_array_equal(sw.mean, direct.mean(axis=1))
    nonzero = grid != 0
    assert sw.best_weight == grid[nonzero][np.argmax(direct.mean(axis=1)[nonzero])]
    rows = list(csv.DictReader(sw.to_csv().splitlines()))
    assert list(rows[0]) == ["weight", "mean", "std"] and len(rows) == 9


def test_a_zero_shared_weight_is_never_the_best() -> None:
    """With w = 0 every connection is cut: a do-nothing policy, not the topology."""
    sw = Sweep(np.array([-1.0, 0.0, 1.0]), np.array([5.0, 20.0, 7.0]), np.zeros(3), 4)
    assert sw.best_weight == 1.0
    only_zero = Sweep(np.array([0.0]), np.array([3.0]), np.zeros(1), 4)
    assert only_zero.best_weight == 0.0


def test_cma_is_deterministic_and_never_worse_than_its_start(ev) -> None:
    g = from_dense([5, 3, 1], np.random.default_rng(0).normal(0, 0.5, 22))
    a = cma_es(ev, g, g.conn_weight.copy(), TINY, seed=5)
    b = cma_es(ev, g, g.conn_weight.copy(), TINY, seed=5)
    np.testing.assert_array_equal(a.genome.conn_weight, b.genome.conn_weight)
    assert [h["best"] for h in a.history] == [h["best"] for h in b.history]
    check = stream_seeds(5, CHECK, TINY.check_episodes)
    r, _ = ev.evaluate(compile_genome(g, use_weights=True), np.ones(1), check)
    assert a.check_score >= r.mean()
    assert a.rollouts == 3 * 6 * 1 + 3 * 2  # candidates, plus the start and two checks
    c = cma_es(ev, g, g.conn_weight.copy(), TINY, seed=6)
    assert not np.array_equal(a.genome.conn_weight, c.genome.conn_weight)


def test_tuning_starts_from_the_shared_weight(ev, ref) -> None:
    g = load_genome(ref / "champions" / "swing.out", "swingup", 5, 1)
    res = tune_weights(ev, g, -1.0, TINY, seed=1)
    assert res.genome.meta["weights"] == "tuned" and res.genome.meta["shared_weight"] == -1.0
    check = stream_seeds(1, CHECK, TINY.check_episodes)
    start = shared_weight_returns(ev, g, [-1.0], check).mean()
    assert res.check_score >= start
    if res.check_generation == 0:  # kept the start: every weight is the shared weight
        np.testing.assert_array_equal(res.genome.conn_weight, -1.0)


def test_restarts_keep_the_run_that_checked_best(ev, ref) -> None:
    """Several initial sds: each run is the single-sd run, the best check score is kept, and
    the budget reported is every run's."""
    g = load_genome(ref / "champions" / "swing.out", "swingup", 5, 1)
    settings = TINY.replace(generations=4)
    sigmas = (0.5, 0.2, 0.05)
    alone = [tune_weights(ev, g, 0.8, settings.replace(sigma0=s), seed=3) for s in sigmas]
    kept, tried = tune_weights_restarts(ev, g, 0.8, settings, sigmas, seed=3)
    assert [t["check_score"] for t in tried] == [r.check_score for r in alone]
    assert [t["sigma0"] for t in tried] == list(sigmas)
    i = int(np.argmax([r.check_score for r in alone]))  # the first of equal scores
    np.testing.assert_array_equal(kept.genome.conn_weight, alone[i].genome.conn_weight)
    assert kept.check_score == alone[i].check_score == max(t["check_score"] for t in tried)
    assert kept.genome.meta["sigma0"] == sigmas[i]
    assert kept.rollouts == sum(r.rollouts for r in alone)


def test_cli_several_sigmas_record_each_and_keep_one(tmp_path, capsys, ref) -> None:
    out = tmp_path / "tune"
    args = ["tune", str(ref / "champions" / "swing.out"), "--task", "swingup", "--out",
            str(out), "--grid", "5", "--train-episodes", "2", "--episodes", "3",
            "--generations", "2", "--popsize", "4", "--rollouts", "1", "--json"]
    assert main([*args, "--sigma", "0.5,0.1"]) == 0
    res = json.loads(capsys.readouterr().out)["cma"]
    scores = [t["check_score"] for t in res["sigma0_tried"]]
    assert [t["sigma0"] for t in res["sigma0_tried"]] == [0.5, 0.1]
    assert res["sigma0"] == (0.5, 0.1)[int(np.argmax(scores))]
    assert main([*args, "--sigma", "0.5"]) == 0
    single = json.loads(capsys.readouterr().out)["cma"]
    assert single["sigma0"] == 0.5 and "sigma0_tried" not in single
    assert res["env_steps"] > single["env_steps"]


@pytest.mark.parametrize("bad", ["0", "0.5,-1", "0.2,0.2", "a", "nan"])
def test_a_bad_sigma_is_one_line_exit_2(tmp_path, capsys, bad) -> None:
    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    assert main(["tune", str(tmp_path / "g.json"), "--out", str(tmp_path / "o"),
                 f"--sigma={bad}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("wann: error:") and "--sigma" in err[0], err
    assert not (tmp_path / "o").exists()


def test_cli_writes_sweep_and_a_tuned_genome_that_eval_scores(tmp_path, capsys, ref) -> None:
    out = tmp_path / "tune"
    args = ["tune", str(ref / "champions" / "swing.out"), "--task", "swingup", "--out",
            str(out), "--grid", "11", "--train-episodes", "2", "--episodes", "3",
            "--generations", "2", "--popsize", "4", "--rollouts", "1", "--json"]
    assert main(args) == 0
    res = json.loads(capsys.readouterr().out)
    rows = list(csv.DictReader((out / "sweep.csv").read_text().splitlines()))
    assert list(rows[0]) == ["weight", "mean", "std"] and len(rows) == 11
    best = max(rows, key=lambda r: float(r["mean"]))
    assert float(best["weight"]) == pytest.approx(res["best_shared_weight"])
    tuned = load_genome(out / "tuned.json")
    assert tuned.meta["weights"] == "tuned" and tuned.meta["task"] == "swingup"
    assert main(["eval", str(out / "tuned.json"), "--episodes", "3", "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["own_weights"]["mean"] == pytest.approx(res["tuned_weights"]["mean"])


def test_sweep_only_writes_beside_the_genome(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["evolve", "--generations", "1", "--pop-size", "8", "--out", str(out)]) == 0
    assert main(["tune", str(out / "champion.json"), "--sweep-only", "--grid", "5",
                 "--train-episodes", "1", "--episodes", "2"]) == 0
    assert (out / "sweep.csv").is_file() and not (out / "tuned.json").exists()
    capsys.readouterr()


def test_sweep_only_never_leaves_a_tuned_genome_it_does_not_describe(tmp_path, capsys) -> None:
    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    out = tmp_path / "tune"
    small = ["--grid", "3", "--train-episodes", "1", "--episodes", "2"]
    assert main(["tune", str(tmp_path / "g.json"), "--out", str(out), *small, "--generations", "1",
                 "--popsize", "4", "--rollouts", "1"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {"tuned.json", "tune.json", "sweep.csv", "tune_log.csv"} <= set(before)
    capsys.readouterr()
    assert main(["tune", str(tmp_path / "g.json"), "--out", str(out), "--sweep-only", *small]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds tuned.json from an earlier tune" in err[0], err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # nothing lost or changed
    # The same holds for a classification genome; elsewhere a sweep alone is fine.
    d = from_dense([64, 10])
    d.meta["task"] = "digits"
    save_genome(d, tmp_path / "d.json")
    assert main(["tune", str(tmp_path / "d.json"), "--out", str(out), "--sweep-only"]) == 2
    assert "holds tuned.json" in capsys.readouterr().err
    assert main(["tune", str(tmp_path / "g.json"), "--out", str(tmp_path / "t2"), "--sweep-only",
                 *small]) == 0


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--generations", "0"], "--generations must be at least 1"),
        (["--rollouts", "0"], "--rollouts must be at least 1"),
        (["--grid", "0"], "--grid must be at least 1"),
        (["--task", "cartpole"], "needs 4 and 2"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, extra, needle) -> None:
    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    assert main(["tune", str(tmp_path / "g.json"), "--out", str(tmp_path), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("wann: error:") and needle in err[0], err
