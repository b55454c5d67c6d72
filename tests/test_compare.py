"""`wann compare`: the paper's table for WANN against dense, pruned and random networks."""

import csv
import json

import numpy as np
import pytest

from wann.baselines.common import Net
from wann.cli import main
from wann.cmaes import CMASettings
from wann.comparison.control import COLUMNS, PAPER, QUICK, STYLE, Budget, dag_capacity, score_net
from wann.comparison.table import csv_table
from wann.config import preset
from wann.genome import from_dense
from wann.io import load_genome, save_genome
from wann.progress import Progress
from wann.study import ComparePlan, compare, fresh_search, resolve

TINY_CMA = CMASettings(generations=1, popsize=4, rollouts=1, check_every=1, check_episodes=1)
TINY = Budget(TINY_CMA, TINY_CMA, TINY_CMA, TINY_CMA, grid=5, sweep_episodes=1,
              search_preset="quick")
# The paper's Table 1, SwingUp, WANN row: mean and spread over 100 trials.
PAPER_WANN = {"random_weights": (57, 121), "random_shared": (515, 58),
              "tuned_shared": (723, 16), "tuned_weights": (932, 6)}


def test_wann_row_reproduces_table_1(ev, ref) -> None:
    """The reference champion and its fine-tuned weights, through the compare protocol.

    Within the spread: the paper's mean ± spread and ours overlap, for every column; the
    tuned weights' median (a rare episode runs off the track) lies within the paper's ± 6.
    """
    g = load_genome(ref / "champions" / "swing.out", "swingup", 5, 1,
                    ref / "tuned" / "cartpole_swingup.wann.json")
    row = score_net(ev, Net("WANN", g, None), seed=0, episodes=100, budget=PAPER)
    for key, (mean, spread) in PAPER_WANN.items():
        s = row.scores[key]
        assert s["n"] == 100
        assert abs(s["mean"] - mean) <= s["std"] + spread, (key, s, mean, spread)
    assert abs(row.scores["tuned_weights"]["median"] - 932) <= 6, row.scores
    assert row.connections == 52 and 0.8 < row.sparsity < 0.9
    assert row.sweep is not None and row.sweep.weights.size == 81


def test_compare_writes_the_table_csv_and_chart(tmp_path, capsys, ref) -> None:
    out = tmp_path / "cmp"
    args = ["compare", "--quick", "--champion", str(ref / "champions" / "swing.out"),
            "--task", "swingup", "--sparsities", "0.5", "0.9", "--generations", "2",
            "--finetune-generations", "1", "--tune-generations", "1", "--rollouts", "1",
            "--episodes", "3", "--out", str(out), "--workers", "2", "--dense-hidden", "10",
            "--grid", "5", "--sweep-episodes", "2"]
    assert main(args) == 0
    capsys.readouterr()
    names = ["WANN", "fixed topology (5-10-1)", "dense (5-10-1)", "pruned 50%", "pruned 90%",
             "lottery ticket 50%", "lottery ticket 90%", "signed constant 50%",
             "signed constant 90%", "supermask 50%", "supermask 90%", "random mask 50%",
             "random mask 90%"]
    with open(out / "compare.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["model"] for r in rows] == names
    by = {r["model"]: r for r in rows}
    assert int(by["fixed topology (5-10-1)"]["connections"]) == 71
    assert int(by["pruned 90%"]["connections"]) == 7
    assert float(by["pruned 90%"]["sparsity"]) == pytest.approx(1 - 7 / 71)
    assert int(by["lottery ticket 90%"]["env_steps"]) > int(by["lottery ticket 50%"]["env_steps"])
    assert by["WANN"]["note"] == "given champion; steps of tuning only"
    table = (out / "table.md").read_text()
    head = "| model | random weights | random shared weight | tuned shared weight | tuned weights"
    assert head in table and all(f"| {n}" in table for n in names)
    assert (out / "compare.png").stat().st_size > 10_000
    record = json.loads((out / "compare.json").read_text())
    assert record["budget"]["dense"]["generations"] == 2 and len(record["rows"]) == 13
    assert record["budget"]["start"]["generations"] == 2 and record["budget"]["start"]["diagonal"]
    assert (out / "curves.png").stat().st_size > 10_000
    with open(out / "curves.csv") as f:
        pts = list(csv.DictReader(f))
    assert {p["method"] for p in pts} == {
        "WANN, random shared weight", "WANN, tuned shared weight", "WANN, tuned weights",
        "dense start", "pruned", "lottery", "signed_constant", "supermask", "random_mask"}
    assert {int(p["connections"]) for p in pts if p["method"] == "pruned"} == {36, 7}
    assert "tuned weights / random weights" in table
    for n in names:
        slug = n.lower().replace(" ", "-").replace("(", "").replace(")", "").replace("%", "")
        g = load_genome(out / "genomes" / f"{slug}.json")
        assert g.n_enabled == int(by[n]["connections"])


def test_same_seed_same_table(ref) -> None:
    g = load_genome(ref / "champions" / "swing.out", "swingup", 5, 1)
    runs = [csv_table(STYLE, compare("swingup", champion=g, budget=TINY, dense_hidden=(12,),
                                     sparsities=(0.5,), seeds=[2], episodes=2).per_seed[0])
            for _ in range(2)]
    assert runs[0] == runs[1]
    assert runs[0].count("\n") == 1 + 8  # the WANN, the fixed topology, dense, 5 families


def test_fresh_search_counts_its_steps(ev, tmp_path) -> None:
    r = resolve(ComparePlan(task="swingup", budget=TINY))
    champ, steps = fresh_search(r, ev, tmp_path / "search", 1, Progress(quiet=True))
    best_reps = preset("quick").best_reps  # each generation's champion re-test
    assert champ.n_in == 5 and steps == 8 * (32 * 6 * 2 + 6 * best_reps) * 1000
    assert (tmp_path / "search" / "champion.json").is_file()


def test_quick_budget_is_smaller_than_the_papers() -> None:
    for field in ("dense", "retrain", "finetune", "tune"):
        q, p = getattr(QUICK, field), getattr(PAPER, field)
        assert q.generations * q.rollouts < p.generations * p.rollouts
    assert PAPER.tune.popsize == 32 and PAPER.tune.rollouts == 4 and PAPER.tune.sigma0 == 0.5
    assert PAPER.tune.generations == 150 and [k for k, _ in COLUMNS][-1] == "tuned_weights"


def test_dag_capacity_of_a_dense_net() -> None:
    # 6 sources to 11 later nodes, 10 x 9 / 2 hidden pairs, 10 hidden to the output.
    assert dag_capacity(from_dense([5, 10, 1])) == 66 + 45 + 10


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--sparsities", "0.5", "1.0"], "sparsity must lie in [0, 1)"),
        (["--sparsities", "-0.2"], "sparsity must lie in [0, 1)"),
        (["--generations", "0"], "--generations must be at least 1"),
        (["--tune-generations", "0"], "--tune-generations must be at least 1"),
        (["--episodes", "0"], "--episodes must be at least 1"),
        (["--task", "cartpole"], "needs 4 and 2"),
        (["--hidden", "0"], "hidden layer sizes must be at least 1"),
        (["--dense-hidden", "0"], "--dense-hidden sizes must be at least 1"),
        (["--epochs", "3"], "--epochs does not apply to control tasks"),
        (["--data", "x"], "--data does not apply to control tasks"),
        (["--dense-hidden", "1"], "cannot be pruned down to the WANN"),
        (["--dense-hidden", "3000", "3000"], "more than the 1,000,000"),
        (["--dense-hidden", "4", "--sparsities", "0.49", "0.5"], "both keep"),
        (["--sparsities", "1"], "sparsity must lie in [0, 1)"),
        (["--seeds", ""], "the seed list is empty"),
        (["--seeds", "0,,1"], "malformed seed list"),
        (["--lottery-rate", "1"], "--lottery-rate must lie in (0, 1)"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, extra, needle) -> None:
    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    code = main(["compare", "--champion", str(tmp_path / "g.json"), "--out",
                 str(tmp_path / "o"), *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("wann: error:"), err
    assert needle in err[0], err
    assert not (tmp_path / "o").exists()


def test_tuned_without_a_champion_is_refused(capsys) -> None:
    assert main(["compare", "--tuned", "x.wann.json"]) == 2
    assert "--tuned goes with --champion" in capsys.readouterr().err


def test_random_columns_match_wann_eval(ev, capsys, ref) -> None:
    """The WANN row's random columns are what `wann eval --random` prints (same seed)."""
    g = load_genome(ref / "champions" / "swing.out", "swingup", 5, 1)
    row = score_net(ev, Net("WANN", g, None), seed=3, episodes=4, budget=TINY)
    assert main(["eval", str(ref / "champions" / "swing.out"), "--task", "swingup",
                 "--episodes", "4", "--seed", "3", "--random", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["random_weights"]["mean"] == pytest.approx(row.scores["random_weights"]["mean"])
    assert res["random_shared_weight"]["mean"] == pytest.approx(
        row.scores["random_shared"]["mean"])
    np.testing.assert_allclose(row.best_shared_weight, row.sweep.best_weight)
