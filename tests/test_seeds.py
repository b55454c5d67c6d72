"""Several seeds: the seed list, statistics over seeds, and --seeds runs equal to separate runs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import log_rows
from wann import WannError
from wann.cli import main
from wann.seeds import parse_seeds
from wann.stats import aggregate, iqm, mean_interval


@pytest.mark.parametrize("text, want", [
    ("0,1,2", [0, 1, 2]), ("0-4", [0, 1, 2, 3, 4]), (" 3 ", [3]), ("0-2,7", [0, 1, 2, 7]),
    ("2,1,1", [1, 2]), ("5-5", [5]),
])
def test_seed_lists(text: str, want: list[int]) -> None:
    assert parse_seeds(text) == want


@pytest.mark.parametrize("bad", ["", " ", "1,", ",", "a", "1-", "-1", "3-1", "1.5", "0-2000",
                                 "1;2"])
def test_bad_seed_lists_are_refused(bad: str) -> None:
    with pytest.raises(WannError):
        parse_seeds(bad)


@pytest.mark.parametrize("command", [["evolve"], ["tune", "x.json"]])
@pytest.mark.parametrize("bad", ["", "1,x", "4-2"])
def test_bad_seed_list_is_one_line_exit_2(command, bad, capsys) -> None:
    assert main([*command, "--seeds", bad]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("wann: error:") and "--seeds" in err[0]


def test_aggregate_of_known_values() -> None:
    a = aggregate([456, 460, 573, 700])
    assert a.mean == pytest.approx(547.25) and a.n == 4
    # IQM of 4 values: the middle two.
    assert a.iqm == pytest.approx((460 + 573) / 2)
    # A percentile bootstrap of the mean lies within the values' range and holds the mean.
    assert 456 <= a.low < a.mean < a.high <= 700
    assert aggregate([456, 460, 573, 700]) == a  # reproducible
    one = aggregate([5.0])
    assert (one.mean, one.low, one.high, one.iqm) == (5.0, 5.0, 5.0, 5.0)
    same = aggregate([3.0, 3.0, 3.0])
    assert (same.low, same.high) == (3.0, 3.0)
    assert iqm(np.array([1, 2, 3, 4, 100, 200, 300, 400])) == pytest.approx((3 + 4 + 100 + 200) / 4)


def test_bootstrap_interval_matches_the_normal_theory_for_many_seeds() -> None:
    """For 400 values from N(10, 2^2) the 95% interval of the mean is close to
    mean ± 1.96 * 2 / sqrt(400) = ± 0.196, column by column."""
    x = np.random.default_rng(1).normal(10.0, 2.0, (400, 3))
    low, high = mean_interval(x)
    half = 1.96 * x.std(axis=0, ddof=1) / np.sqrt(400)
    np.testing.assert_allclose(low, x.mean(0) - half, atol=0.02)
    np.testing.assert_allclose(high, x.mean(0) + half, atol=0.02)


EVOLVE = ["evolve", "--task", "swingup", "--pop-size", "16", "--generations", "3",
          "--backend", "compiled"]


def test_seeds_run_equals_separate_runs(tmp_path, capsys) -> None:
    assert main([*EVOLVE, "--seeds", "1,2", "--out", str(tmp_path / "many")]) == 0
    for s in (1, 2):
        assert main([*EVOLVE, "--seed", str(s), "--out", str(tmp_path / f"one-{s}")]) == 0
        a, b = tmp_path / "many" / f"seed-{s}", tmp_path / f"one-{s}"
        assert log_rows(a / "log.csv") == log_rows(b / "log.csv")
        for f in ("champion.json", "population.csv", "best.json", "config.toml"):
            assert (a / f).read_text() == (b / f).read_text(), f
    agg = json.loads((tmp_path / "many" / "aggregate.json").read_text())
    assert agg["seeds"] == [1, 2]
    champ = [float(log_rows(tmp_path / f"one-{s}" / "log.csv")[-1]["champion_retest"])
             for s in (1, 2)]
    assert agg["cells"]["champion_retest"]["values"] == pytest.approx(champ)
    assert agg["cells"]["champion_retest"]["mean"] == pytest.approx(np.mean(champ))
    assert "95%" in (tmp_path / "many" / "aggregate.md").read_text()


def test_seed_and_seeds_together_are_refused(tmp_path, capsys) -> None:
    assert main([*EVOLVE, "--seed", "1", "--seeds", "1,2", "--out", str(tmp_path / "x")]) == 2
    assert "not both" in capsys.readouterr().err


def test_seed_band_is_the_interval_of_the_mean_per_generation() -> None:
    from wann.plotting.figures import seed_band

    y = np.array([[1.0, 2.0, 5.0], [3.0, 2.0, np.nan], [8.0, 2.0, np.nan], [0.0, 2.0, np.nan]])
    lo, hi = seed_band(y)
    want = mean_interval(y[:, 0])
    assert (lo[0], hi[0]) == pytest.approx(want)
    assert 0.0 <= lo[0] < y[:, 0].mean() < hi[0] <= 8.0
    assert (lo[1], hi[1]) == (2.0, 2.0)
    assert np.isnan(lo[2]) and np.isnan(hi[2])  # one run reached it: no band


def test_tune_seeds_equal_separate_runs(tmp_path, capsys) -> None:
    from wann.genome import from_dense
    from wann.io import save_genome

    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    args = ["tune", str(tmp_path / "g.json"), "--grid", "5", "--train-episodes", "2",
            "--episodes", "3", "--generations", "2", "--popsize", "4", "--rollouts", "1",
            "--backend", "compiled"]
    assert main([*args, "--seeds", "0-1", "--out", str(tmp_path / "many")]) == 0
    for s in (0, 1):
        assert main([*args, "--seed", str(s), "--out", str(tmp_path / f"one-{s}")]) == 0
        for f in ("sweep.csv", "tune.json", "tuned.json", "tune_log.csv"):
            assert (tmp_path / "many" / f"seed-{s}" / f).read_text() == (
                tmp_path / f"one-{s}" / f).read_text(), f
    agg = json.loads((tmp_path / "many" / "aggregate.json").read_text())
    per = [json.loads((tmp_path / f"one-{s}" / "tune.json").read_text())["tuned_weights"]["mean"]
           for s in (0, 1)]
    assert agg["cells"]["tuned_weights"]["values"] == pytest.approx(per)
