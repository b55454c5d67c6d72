"""`wann compare --methods`: the sparsity literature's rows and reports in one run folder."""

import csv

import numpy as np
import pytest

from wann import WannError
from wann.cli import main
from wann.genome import from_dense
from wann.io import save_genome
from wann.methods import method_names, select

LAYERS = [5, 4, 1]


STANDARD_CONTROL = ["fixed_topology", "dense", "pruned", "lottery", "signed_constant",
                    "supermask", "random_mask"]


def names(methods: list) -> list[str]:
    return [m.name for m in methods]


def test_selection_keeps_the_registry_order_and_adds_what_is_needed() -> None:
    assert names(select(None, "control")) == STANDARD_CONTROL
    assert names(select(["standard"], "control")) == STANDARD_CONTROL
    assert names(select(["noise", "obd"], "control")) == ["dense", "obd", "noise"]
    assert names(select(["noise"], "control")) == ["noise"]
    assert names(select(["lottery_reinit"], "classification")) == [
        "dense", "lottery", "lottery_reinit"]
    every = names(select(["all"], "control"))
    assert every == [n for n in method_names()
                     if n not in ("learned_supermask", "random_weights", "set")]
    assert names(select(None, "classification")) == [
        "dense", "pruned", "lottery", "signed_constant", "supermask", "random_mask",
        "learned_supermask", "random_weights"]
    with pytest.raises(WannError, match="unknown method 'obdd'"):
        select(["obdd"], "control")


def test_a_method_a_family_cannot_run_is_one_line(tmp_path, capsys) -> None:
    """Never a silent skip: the method and the family are named."""
    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    code = main(["compare", "--champion", str(tmp_path / "g.json"), "--methods",
                 "learned_supermask", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == ["wann: error: method 'learned_supermask' does not run on "
                                 "control tasks"], err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--methods", "dense", "bogus"], "unknown method 'bogus'"),
        (["--methods", "noise", "--noise-levels", "0", "-0.1"], "noise levels must be at least 0"),
        # k against the narrowest hidden layer of the dense start (5-64-64-1 by default)
        (["--methods", "kwta", "--kwta-k", "0"], "kWTA k must lie in [1, 64]"),
        (["--methods", "kwta", "--kwta-k", "65"], "kWTA k must lie in [1, 64]"),
        (["--noise-episodes", "0"], "--noise-episodes must be at least 1"),
        (["--kwta-k", "5", "--methods", "obd", "--epochs", "3"],
         "--epochs does not apply to control tasks"),
        (["--sparsities", "0.5", "0.5"], "--sparsities lists 0.5 more than once"),
    ],
)
def test_bad_method_input_is_one_line_exit_2(tmp_path, capsys, extra, needle) -> None:
    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    code = main(["compare", "--champion", str(tmp_path / "g.json"), "--hidden", "2",
                 "--out", str(tmp_path / "o"), *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("wann: error:"), err
    assert needle in err[0], err
    assert not (tmp_path / "o").exists()


def test_compare_runs_every_new_method(tmp_path, capsys) -> None:
    g = from_dense([5, 3, 1], np.random.default_rng(0).normal(size=22))
    g.meta.update({"task": "swingup", "weights": "tuned"})
    save_genome(g, tmp_path / "g.json")
    out = tmp_path / "cmp"
    args = ["compare", "--quick", "--champion", str(tmp_path / "g.json"), "--hidden", "4",
            "--dense-hidden", "4",
            "--sparsities", "0.5", "--generations", "1", "--finetune-generations", "1",
            "--rollouts", "1", "--episodes", "2", "--noise-episodes", "1",
            "--noise-levels", "0", "0.5", "--methods", "obd", "structured_finetune",
            "structured_scratch", "lottery_reinit", "layer_reinit", "kwta", "noise",
            "--out", str(out), "--workers", "2"]
    assert main(args) == 0
    capsys.readouterr()
    with open(out / "compare.csv") as f:
        rows = {r["model"]: r for r in csv.DictReader(f)}
    # lottery_reinit needs the lottery tickets: their rows come with it
    assert list(rows) == ["WANN", "dense (5-4-1)", "lottery ticket 50%", "OBD 50%",
                          "structured fine-tuned 50%", "structured scratch 50%",
                          "ticket random reinit 50%"]
    assert int(rows["OBD 50%"]["connections"]) == 15  # round(29 / 2)
    assert int(rows["structured scratch 50%"]["connections"]) == 15  # 2 of 4 units: 6*2+3
    with open(out / "noise.csv") as f:
        noise = list(csv.DictReader(f))
    models = [r["model"] for r in noise]
    assert models[::2] == [*rows, "kWTA k=2 50%"] and len(noise) == 2 * (len(rows) + 1)
    with open(out / "layer_reinit.csv") as f:
        assert [r["name"] for r in csv.DictReader(f)] == ["input→h1", "h1→output"]
    assert (out / "genomes" / "kwta-k-2-50.json").is_file()
    for name in ("noise.md", "noise.png", "layer_reinit.md", "layer_reinit.png", "kwta.csv",
                 "kwta.md", "table.md"):
        assert (out / name).stat().st_size > 60, name


def test_rows_of_close_sparsities_keep_their_own_names(tmp_path, capsys) -> None:
    """0.995 and 0.998 are two rows (never both '100%'): two genome files, and the seed
    aggregate keeps both rows, each once."""
    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    out = tmp_path / "cmp"
    assert main(["compare", "--champion", str(tmp_path / "g.json"), "--hidden", "2",
                 "--dense-hidden", "64", "64", "--sparsities", "0.995", "0.998",
                 "--methods", "pruned", "--generations", "1", "--finetune-generations", "1",
                 "--rollouts", "1", "--grid", "3", "--sweep-episodes", "1", "--episodes", "1",
                 "--quick", "--seeds", "0,1", "--out", str(out)]) == 0
    capsys.readouterr()
    with open(out / "compare.csv") as f:
        names = [r["model"] for r in csv.DictReader(f)]
    assert names == ["WANN", "dense (5-64-64-1)", "pruned 99.5%", "pruned 99.8%"], names
    assert {p.name for p in (out / "seed-0" / "genomes").glob("pruned-*.json")} == {
        "pruned-99-5.json", "pruned-99-8.json"}


@pytest.mark.parametrize("extra, needle", [
    (["--generations", "3"], "--generations does not apply to classification tasks"),
    (["--rollouts", "2"], "--rollouts does not apply to classification tasks"),
    (["--hidden", "8"], "--hidden does not apply to classification tasks"),
    (["--noise-episodes", "3"], "--noise-episodes does not apply to classification tasks"),
    (["--fast-math"], "--fast-math does not apply to classification tasks"),
    (["--methods", "fixed_topology"], "method 'fixed_topology' does not run on classification"),
])
def test_settings_that_do_not_apply_to_classification_are_refused(tmp_path, capsys, extra,
                                                                  needle) -> None:
    assert main(["compare", "--task", "digits", "--out", str(tmp_path / "o"), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0], err
    assert not (tmp_path / "o").exists()


def test_classification_compare_over_seeds_has_an_aggregate(tmp_path, capsys) -> None:
    """--seeds on digits: seed folders, each the same as its own run, and the aggregate."""
    g = from_dense([64, 10])
    g.meta["task"] = "digits"
    save_genome(g, tmp_path / "g.json")
    common = ["compare", "--champion", str(tmp_path / "g.json"), "--methods", "pruned",
              "--dense-hidden", "8", "--sparsities", "0.5", "--epochs", "1", "--episodes", "2",
              "--grid", "5", "--lottery-rate", "0.5"]
    assert main([*common, "--seeds", "0,1", "--out", str(tmp_path / "two")]) == 0
    assert main([*common, "--seed", "1", "--out", str(tmp_path / "one")]) == 0
    capsys.readouterr()
    assert ((tmp_path / "two" / "seed-1" / "table.md").read_text()
            == (tmp_path / "one" / "table.md").read_text())
    table = (tmp_path / "two" / "table.md").read_text()
    assert "2 seeds" in table and "| pruned 50% |" in table


def test_the_linear_row_on_both_task_families(tmp_path, capsys) -> None:
    """`linear`: every input wired to every output, trained by the family's trainer, drawn on
    the sparsity curves as one point (the WANN paper's reference row on MNIST)."""
    g = from_dense([5, 3, 1], np.random.default_rng(0).normal(size=22))
    g.meta.update({"task": "swingup", "weights": "tuned"})
    save_genome(g, tmp_path / "g.json")
    out = tmp_path / "control"
    assert main(["compare", "--quick", "--champion", str(tmp_path / "g.json"), "--methods",
                 "linear", "--generations", "1", "--rollouts", "1", "--episodes", "2",
                 "--grid", "3", "--sweep-episodes", "1", "--out", str(out),
                 "--workers", "2"]) == 0
    with open(out / "compare.csv") as f:
        rows = {r["model"]: r for r in csv.DictReader(f)}
    assert list(rows) == ["WANN", "linear (5-1)"]
    assert int(rows["linear (5-1)"]["connections"]) == 6  # 5 inputs and the bias
    assert rows["linear (5-1)"]["family"] == "linear"

    from wann.baselines.classifier import train_dense
    from wann.classify.mlp import TrainSettings
    from wann.families import resolve_task
    from wann.streams import METHOD_TAGS, sub_seed

    out = tmp_path / "classify"
    champion = tmp_path / "c.json"
    c = from_dense([64, 10])
    c.meta["task"] = "digits"
    save_genome(c, champion)
    assert main(["compare", "--task", "digits", "--champion", str(champion), "--methods",
                 "linear", "--epochs", "4", "--episodes", "2", "--grid", "3", "--seed", "3",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    with open(out / "compare.csv") as f:
        rows = {r["model"]: r for r in csv.DictReader(f)}
    row = rows["linear 64-10"]
    assert int(row["connections"]) == 640 and row["note"] == "trained"
    # the row is the linear net trained on its own stream: the same net made by hand
    task = resolve_task("digits")
    net = train_dense([64, 10], task.x_train, task.y_train, TrainSettings(epochs=4),
                      sub_seed(3, METHOD_TAGS["linear"])).trained
    assert float(row["tuned_weights_mean"]) == pytest.approx(
        net.accuracy(task.x_test, task.y_test), abs=5e-7)  # the CSV keeps 6 decimals
    with open(out / "curves.csv") as f:
        points = [r for r in csv.DictReader(f) if r["method"] == "linear net"]
    assert [(p["connections"], p["sparsity"]) for p in points] == [("640", "0.0")]
