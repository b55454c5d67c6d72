"""Classification from the command line and the Python API: digits and a small generated MNIST
through evolve, resume, eval, tune, plot and compare, and the bad-input cases."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest
from conftest import log_rows
from test_datasets import fake_mnist

import wann
from wann import WannError
from wann.classify import ClassifyTask, data_digest
from wann.classify.evaluator import ClassifyEvaluator
from wann.classify.scoring import ensemble
from wann.cli import main
from wann.config import preset
from wann.datasets.mnist import FILES
from wann.evaluation import make_evaluator
from wann.families import get_task
from wann.io import load_genome

TINY = ["--generations", "3", "--pop-size", "16", "--seed", "1"]


def error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("wann: error: "), err
    return err[0]


@pytest.fixture(autouse=True)
def offline_mnist(tmp_path, monkeypatch):
    """No test reaches the network or the user's cache: downloads come from an empty folder."""
    monkeypatch.setenv("WANN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("WANN_MNIST_MIRRORS", f"file://{tmp_path}/no-mirror/")
    monkeypatch.delenv("WANN_DATA", raising=False)


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "digits"
    assert main(["evolve", "--preset", "digits", *TINY, "--out", str(out)]) == 0
    return out


def test_get_task_and_make_evaluator_pick_classification():
    task = get_task("digits")
    assert isinstance(task, ClassifyTask) and (task.n_in, task.n_out) == (64, 10)
    assert task.hidden_acts == (1, 3, 4, 5, 6, 7, 8, 9, 10) and task.env_id == "wann/classify:digits"
    assert isinstance(make_evaluator(task, "auto", 2), ClassifyEvaluator)
    assert make_evaluator(task, "serial").serial
    for backend in ("pool", "dask"):
        with pytest.raises(WannError, match="compiled, serial or cuda"):
            make_evaluator(task, backend, 2)


def test_evolve_digits_writes_a_run_folder_with_the_split(digits_run):
    names = {p.name for p in digits_run.iterdir()}
    assert {"config.toml", "log.csv", "champion.json", "summary.json", "checkpoint.ckpt",
            "population.csv"} <= names
    cfg = tomllib.loads((digits_run / "config.toml").read_text())
    task = get_task("digits")
    assert cfg["task"] == "digits" and cfg["minibatch"] == 1000
    assert (cfg["test_fraction"], cfg["split_seed"]) == (0.25, 0)
    assert cfg["data_digest"] == data_digest(task)
    champ = load_genome(digits_run / "champion.json")
    assert champ.meta["task"] == "digits" and (champ.n_in, champ.n_out) == (64, 10)
    assert len(log_rows(digits_run)) == 3


def test_control_config_shows_no_data_keys(tmp_path):
    assert main(["evolve", "--task", "cartpole", "--generations", "1", "--pop-size", "8",
                 "--out", str(tmp_path / "c")]) == 0
    assert "minibatch" not in (tmp_path / "c" / "config.toml").read_text()


def test_resume_is_exact_and_checks_the_data(tmp_path, digits_run):
    part = tmp_path / "part"
    args = ["evolve", "--preset", "digits", "--pop-size", "16", "--seed", "1",
            "--checkpoint-every", "1"]
    assert main([*args, "--generations", "2", "--out", str(part)]) == 0
    assert main(["evolve", "--resume", str(part), "--generations", "3"]) == 0
    assert log_rows(part) == log_rows(digits_run)
    assert (part / "champion.json").read_text() == (digits_run / "champion.json").read_text()


def test_resume_with_other_data_is_refused_and_keeps_the_checkpoint(tmp_path, capsys):
    data = tmp_path / "mnist"
    fake_mnist(data, n_train=60, n_test=20)
    run = tmp_path / "m"
    assert main(["evolve", "--preset", "mnist256", "--data", str(data), "--minibatch", "30",
                 "--pop-size", "32", "--generations", "1", "--out", str(run)]) == 0
    ckpt = (run / "checkpoint.ckpt").read_bytes()
    fake_mnist(data, n_train=60, n_test=20, seed=5)  # other images, same names
    capsys.readouterr()
    assert main(["evolve", "--resume", str(run), "--generations", "2", "--data", str(data)]) == 2
    assert "differs from the data the run used" in error_line(capsys)
    assert (run / "checkpoint.ckpt").read_bytes() == ckpt and len(log_rows(run)) == 1


def test_eval_reports_accuracy_per_weight_ensemble_and_random(digits_run, capsys):
    capsys.readouterr()
    champ = str(digits_run / "champion.json")
    assert main(["eval", champ, "--json", "--episodes", "5"]) == 0
    r = json.loads(capsys.readouterr().out)
    task = get_task("digits")
    genome = load_genome(champ)
    assert r["task"] == "digits" and r["n_test"] == task.y_test.size
    assert [s["weight"] for s in r["shared_weights"]] == list(preset("digits").weights)
    assert all(0.0 <= s["accuracy"] <= 1.0 and s["cross_entropy"] > 0 for s in r["shared_weights"])
    assert r["ensemble"]["accuracy"] == ensemble(task, genome, preset("digits").weights).accuracy
    assert r["random_weights"]["n"] == 5 and r["random_shared_weight"]["n"] == 5
    assert r["tuned_shared_weight"]["weight"] != 0.0
    assert main(["eval", champ, "--episodes", "5"]) == 0
    text = capsys.readouterr().out
    assert "ensemble" in text and "random shared weight" in text and "%" in text


def test_tune_sweeps_then_trains_every_weight(digits_run, tmp_path, capsys):
    out = tmp_path / "tune"
    champ = str(digits_run / "champion.json")
    assert main(["tune", champ, "--out", str(out), "--epochs", "2", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert {"accuracy_sweep.csv", "tune.json", "tuned.json"} <= {p.name for p in out.iterdir()}
    assert r["chosen_by"] == "training accuracy" and "tuned_weights" in r
    tuned = load_genome(out / "tuned.json")
    assert tuned.meta["weights"] == "tuned" and tuned.meta["task"] == "digits"
    assert main(["eval", str(out / "tuned.json"), "--json", "--episodes", "2"]) == 0
    own = json.loads(capsys.readouterr().out)["own_weights"]
    assert own["accuracy"] == pytest.approx(r["tuned_weights"]["accuracy"])
    assert main(["tune", champ, "--out", str(tmp_path / "t2"), "--sweep-only",
                 "--by", "cross-entropy", "--json"]) == 0
    r2 = json.loads(capsys.readouterr().out)
    assert r2["chosen_by"] == "training cross-entropy" and "tuned_weights" not in r2


def test_plot_adds_confusion_and_accuracy(digits_run, tmp_path, capsys):
    out = tmp_path / "fig"
    assert main(["plot", str(digits_run), "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"confusion.png", "accuracy.png", "fitness.png", "network.png"} <= names
    capsys.readouterr()
    assert main(["plot", str(digits_run), "--out", str(out), "--sweep"]) == 0
    assert "accuracy.png is its sweep" in capsys.readouterr().err
    assert not (digits_run / "sweep.csv").exists()


def test_compare_digits_table(digits_run, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "--task", "digits", "--champion", str(digits_run / "champion.json"),
                 "--epochs", "1", "--sparsities", "0.8", "--episodes", "3", "--out", str(out),
                 "--dense-hidden", "20", "10"]) == 0
    table = (out / "table.md").read_text()
    assert "| model | random weights | random shared weight | ensemble | tuned shared weight |" \
        " tuned weights |" in table
    record = json.loads((out / "compare.json").read_text())
    names = [r["model"] for r in record["rows"]]
    assert names[0].startswith("WANN") and names[1] == "dense 64-20-10-10"
    assert any(n.startswith("lottery ticket") for n in names) and len(names) == 1 + 8
    assert (out / "compare.png").is_file() and (out / "compare.csv").is_file()


def test_compare_digits_with_a_fresh_search(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "--task", "digits", "--quick", "--epochs", "1", "--sparsities", "0.5",
                 "--episodes", "2", "--dense-hidden", "8", "--out", str(out)]) == 0
    record = json.loads((out / "compare.json").read_text())
    assert record["rows"][0]["model"] == "WANN (fresh search)"
    assert len(log_rows(out / "search")) == 32
    cfg = tomllib.loads((out / "search" / "config.toml").read_text())
    assert cfg["data_digest"] == data_digest(get_task("digits"))


def test_python_api_evolve_digits_is_deterministic():
    hp = preset("digits").replace(generations=2, pop_size=16)
    a = wann.evolve("digits", hp, seed=2)
    b = wann.evolve("digits", hp, seed=2)
    assert isinstance(a.task, ClassifyTask) and a.fitness == b.fitness
    assert a.column("best_fitness").shape == (2,)
    r = wann.score(a.champion, "digits", episodes=3)
    assert r["random_weights"]["n"] == 3 and 0.0 <= r["ensemble"]["accuracy"] <= 1.0


def test_mnist_end_to_end_from_the_command_line(tmp_path, capsys):
    data = tmp_path / "mnist"
    fake_mnist(data, n_train=80, n_test=30, gz=True)
    run = tmp_path / "run"
    assert main(["evolve", "--preset", "mnist256", "--data", str(data), "--minibatch", "40",
                 "--pop-size", "32", "--generations", "2", "--out", str(run)]) == 0
    cfg = tomllib.loads((run / "config.toml").read_text())
    assert cfg["task"] == "mnist256" and cfg["minibatch"] == 40
    capsys.readouterr()
    assert main(["eval", str(run / "champion.json"), "--data", str(data), "--json",
                 "--episodes", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["n_test"] == 30
    assert main(["plot", str(run), "--data", str(data)]) == 0
    assert (run / "figures" / "confusion.png").is_file()


# --- bad input: one line, exit 2, nothing written or lost --------------------------------------

def test_missing_mnist_files(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    out = tmp_path / "run"
    assert main(["evolve", "--task", "mnist", "--data", str(tmp_path / "empty"),
                 "--out", str(out)]) == 2
    line = error_line(capsys)
    assert all(name in line for name in FILES) and not out.exists()


def test_truncated_idx_file(tmp_path, capsys):
    data = tmp_path / "mnist"
    fake_mnist(data)
    f = data / FILES[2]
    f.write_bytes(f.read_bytes()[:-100])
    assert main(["evolve", "--task", "mnist", "--data", str(data), "--out",
                 str(tmp_path / "run")]) == 2
    assert "truncated" in error_line(capsys) and not (tmp_path / "run").exists()


def test_checksum_mismatch_on_download(tmp_path, monkeypatch, capsys):
    mirror = tmp_path / "mirror"
    fake_mnist(mirror, gz=True)  # not the real files: their MD5s differ
    monkeypatch.setenv("WANN_MNIST_MIRRORS", f"file://{mirror}/")
    assert main(["evolve", "--task", "mnist", "--out", str(tmp_path / "run")]) == 2
    assert "checksum mismatch" in error_line(capsys)
    cached = tmp_path / "cache" / "mnist"
    assert not any(p.name.endswith(".gz") for p in cached.iterdir())
    assert not (tmp_path / "run").exists()


def test_genome_that_does_not_fit_the_data(tmp_path, digits_run, capsys):
    data = tmp_path / "mnist"
    fake_mnist(data)
    assert main(["eval", str(digits_run / "champion.json"), "--task", "mnist", "--data",
                 str(data)]) == 2
    line = error_line(capsys)
    assert "64 inputs" in line and "256" in line


def test_minibatch_larger_than_the_training_set(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["evolve", "--task", "digits", "--minibatch", "5000", "--out", str(out)]) == 2
    line = error_line(capsys)
    assert "minibatch 5000" in line and "training set" in line and not out.exists()


def test_pool_backend_on_classification(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["evolve", "--task", "digits", "--backend", "pool", "--out", str(out)]) == 2
    assert "--backend" in error_line(capsys) and not out.exists()


def test_data_folder_for_a_control_task(tmp_path, capsys):
    assert main(["evolve", "--task", "cartpole", "--data", str(tmp_path),
                 "--out", str(tmp_path / "r")]) == 2
    assert "--data is for classification tasks" in error_line(capsys)
    assert not (tmp_path / "r").exists()


def test_data_settings_in_a_config_file_are_checked(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('task = "digits"\ntest_fraction = 1.5\n')
    assert main(["evolve", "--config", str(cfg), "--out", str(tmp_path / "r")]) == 2
    assert "test_fraction" in error_line(capsys)


def test_split_settings_change_the_split():
    a = get_task("digits", hp=preset("digits"))
    b = get_task("digits", hp=preset("digits").replace(split_seed=1, test_fraction=0.2))
    assert data_digest(a) != data_digest(b) and b.y_test.size < a.y_test.size
    assert np.array_equal(np.bincount(a.y_test) > 0, np.ones(10, bool))


def test_readme_digits_row_is_what_eval_and_tune_print(tmp_path, capsys):
    """The README's digits row: `wann eval` and `wann tune` on the committed champion."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    champ = str(root / "results" / "digits" / "champion.json")
    row = next(
        [c.strip() for c in line.strip().strip("|").split("|")][1:]
        for line in (root / "README.md").read_text().splitlines()
        if line.startswith("| wann (8x8 digits) |")
    )
    capsys.readouterr()
    assert main(["eval", champ, "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert main(["tune", champ, "--json", "--out", str(tmp_path)]) == 0
    tu = json.loads(capsys.readouterr().out)

    def pct(x: float) -> str:
        return f"{100 * x:.1f}%"

    assert row == [
        f"{pct(ev['random_weights']['mean'])} ± {100 * ev['random_weights']['std']:.1f}",
        f"{pct(ev['random_shared_weight']['mean'])} ± {100 * ev['random_shared_weight']['std']:.1f}",
        pct(ev["ensemble"]["accuracy"]),
        f"{pct(tu['tuned_shared_weight']['accuracy'])} (w = {tu['best_shared_weight']:+g})",
        pct(tu["tuned_weights"]["accuracy"]),
    ]
