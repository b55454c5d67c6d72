"""Bad numbers on the command line: one `wann: error:` line, exit code 2, nothing written,
before any work starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import random_genome
from wann import WannError, resources
from wann.cli import main
from wann.config import preset
from wann.evaluation import make_evaluator
from wann.io import save_genome
from wann.resources import (
    MAX_WORKERS_PER_CPU,
    check_fits_in_memory,
    check_local_workers,
    estimate_bytes,
    usable_cpus,
)
from wann.tasks import get_task


@pytest.fixture(scope="module")
def genome_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("g") / "g.json"
    g = random_genome(1, 5, 1, 10)
    g.meta["task"] = "swingup"
    save_genome(g, path)
    return path


def one_error_line(capsys: pytest.CaptureFixture, *expected: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith("wann: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for text in expected:
        assert text in err, err
    return err


@pytest.mark.parametrize("command", ["evolve", "eval", "tune", "render", "compare"])
@pytest.mark.parametrize("seed", ["-1", "1.5", str(2**63)])
def test_a_bad_seed_is_refused_by_every_command(command, seed, genome_file, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    args = {
        "evolve": ["evolve", "--out", str(out)],
        "eval": ["eval", str(genome_file)],
        "tune": ["tune", str(genome_file), "--out", str(out)],
        "render": ["render", str(genome_file), "-o", str(out / "x.gif")],
        "compare": ["compare", "--quick", "--out", str(out)],
    }[command]
    assert main([*args, "--seed", seed]) == 2
    one_error_line(capsys, "--seed")
    assert not out.exists()


@pytest.mark.parametrize("command", ["evolve", "eval", "tune", "render", "compare"])
@pytest.mark.parametrize("task", ["", "  "])
def test_an_empty_task_is_refused_by_every_command(command, task, genome_file, tmp_path, capsys) -> None:
    """Not the default task in its place: an empty --task is a mistake (an unset variable)."""
    out = tmp_path / "out"
    args = {
        "evolve": ["evolve", "--out", str(out)],
        "eval": ["eval", str(genome_file)],
        "tune": ["tune", str(genome_file), "--out", str(out)],
        "render": ["render", str(genome_file), "-o", str(out / "x.gif")],
        "compare": ["compare", "--quick", "--out", str(out)],
    }[command]
    assert main([*args, "--task", task]) == 2
    one_error_line(capsys, f"--task: must name a task, got {task!r}")
    assert not out.exists()


def test_the_library_refuses_an_empty_task_too() -> None:
    with pytest.raises(WannError, match="task must name a task, got ''"):
        get_task("")


@pytest.mark.parametrize("timeout", ["inf", "1e10", "nan", "0", "-3"])
def test_a_bad_timeout_is_refused_before_a_run_folder_exists(timeout, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    rc = main(["evolve", "--backend", "pool", "--workers", "2", "--timeout", timeout,
               "--generations", "1", "--out", str(out)])
    assert rc == 2
    one_error_line(capsys, "--timeout")
    assert not out.exists()


@pytest.mark.parametrize("backend", ["pool", "dask"])
def test_more_worker_processes_than_the_machine_can_run_are_refused(backend, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    workers = MAX_WORKERS_PER_CPU * usable_cpus() + 1
    rc = main(["evolve", "--task", "cartpole", "--backend", backend, "--workers", str(workers),
               "--generations", "1", "--out", str(out)])
    assert rc == 2
    one_error_line(capsys, f"--workers {workers} is more than the {backend} backend can use",
                   f"at most {workers - 1}")
    assert not out.exists()


def test_the_worker_bound_follows_the_usable_cores(monkeypatch) -> None:
    """Checked before a process starts, from the cores this process may use."""
    monkeypatch.setattr(resources, "usable_cpus", lambda: 1)
    task = get_task("cartpole")
    for backend in ("pool", "dask"):
        with pytest.raises(WannError, match=r"1 CPU core\(s\), so at most 4 \(4 per core\)"):
            make_evaluator(task, backend, 5)
    check_local_workers(8, "pool", cpus=2)  # exactly four per core: accepted
    with pytest.raises(WannError, match="workers 9 is more"):
        check_local_workers(9, "pool", cpus=2)


@pytest.mark.parametrize("task", ["swingup", "digits"])
def test_a_repeated_sparsity_is_refused_before_any_training(task, tmp_path, capsys) -> None:
    out = tmp_path / "cmp"
    assert main(["compare", "--task", task, "--quick", "--sparsities", "0.9", "0.5", "0.50",
                 "--out", str(out)]) == 2
    one_error_line(capsys, "--sparsities lists 0.5 more than once")
    assert not out.exists()


def test_a_population_that_cannot_fit_in_memory_is_refused(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["evolve", "--pop-size", "100000000", "--out", str(out)]) == 2
    one_error_line(capsys, "a population of 100000000 needs about", "smaller population")
    assert not out.exists()


def test_the_memory_estimate_grows_with_the_population_and_the_task() -> None:
    hp = preset("quick")
    small, big = estimate_bytes(hp, 5, 1), estimate_bytes(hp.replace(pop_size=hp.pop_size * 10), 5, 1)
    assert big == 10 * small
    assert estimate_bytes(hp, 24, 4) > small
    check_fits_in_memory(hp, 5, 1, available=small)  # exactly enough: accepted
    with pytest.raises(WannError, match="more than this machine's"):
        check_fits_in_memory(hp, 5, 1, available=small - 1)


@pytest.mark.parametrize("extra", [["--grid", "1"], ["--range", "0", "0"],
                                   ["--range", "0", "inf"], ["--range", "2", "-2"]])
def test_a_sweep_with_no_nonzero_weight_is_refused(extra, genome_file, tmp_path, capsys) -> None:
    out = tmp_path / "tune"
    assert main(["tune", str(genome_file), "--sweep-only", "--out", str(out), *extra]) == 2
    one_error_line(capsys, "sweep")
    assert not out.exists()


def test_a_one_point_sweep_off_zero_is_its_own_best(genome_file, tmp_path, capsys) -> None:
    out = tmp_path / "tune"
    assert main(["tune", str(genome_file), "--sweep-only", "--grid", "1", "--range", "0.5", "0.5",
                 "--train-episodes", "2", "--episodes", "2", "--out", str(out), "--json"]) == 0
    assert '"best_shared_weight": 0.5' in capsys.readouterr().out


def test_messages_name_the_real_problem(genome_file, tmp_path, capsys) -> None:
    run = tmp_path / "run"
    assert main(["evolve", "--generations", "1", "--pop-size", "8", "--out", str(run)]) == 0
    capsys.readouterr()
    mixed = tmp_path / "mixed.toml"
    mixed.write_text("popSize = 16\ngenerations = 3\n")
    cases = {
        ("evolve", "--pop-size", "2", "--out", str(tmp_path / "r1")):
            ["--pop-size 2 is smaller than the tournament", "at least 4"],
        ("evolve", "--config", str(mixed), "--out", str(tmp_path / "r2")):
            ["mixes the reference's keys (popSize) with ours (generations)"],
        ("evolve", "--resume", str(run / "checkpoint.ckpt")):
            ["--resume takes a run folder", f"--resume {str(run)!r}"],
        ("eval", str(run)): ["is a folder; pass a genome file", "champion.json"],
    }
    for args, expected in cases.items():
        assert main(list(args)) == 2, args
        one_error_line(capsys, *expected)
