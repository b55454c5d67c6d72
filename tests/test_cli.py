"""The `wann` command: end to end, determinism across workers, and bad input."""

import json
import signal
import subprocess
import sys

import pytest

from tests.conftest import log_rows
from wann.cli import main


def test_help_shows_examples(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "examples:" in capsys.readouterr().out
    for cmd in ("evolve", "eval"):
        with pytest.raises(SystemExit):
            main([cmd, "--help"])
        assert "examples:" in capsys.readouterr().out


def test_evolve_writes_a_run_folder(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["evolve", "--task", "swingup", "--generations", "3", "--pop-size", "12",
                 "--seed", "4", "--out", str(out)]) == 0
    for name in ("config.toml", "log.csv", "best.json", "champion.json", "summary.json"):
        assert (out / name).is_file(), name
    assert len(log_rows(out)) == 3
    capsys.readouterr()
    assert main(["eval", str(out / "champion.json"), "--episodes", "3", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["task"] == "swingup" and res["episodes"] == 3
    assert [r["weight"] for r in res["shared_weights"]] == [-2, -1, -0.5, 0.5, 1, 2]


def test_same_log_with_one_or_two_workers(tmp_path) -> None:
    args = ["evolve", "--task", "swingup", "--generations", "2", "--pop-size", "8", "--reps", "1",
            "--seed", "9"]
    assert main([*args, "--backend", "serial", "--out", str(tmp_path / "s")]) == 0
    assert main([*args, "--backend", "pool", "--workers", "2", "--out", str(tmp_path / "p")]) == 0
    assert main([*args, "--backend", "compiled", "--workers", "2", "--out", str(tmp_path / "c")]) == 0
    assert log_rows(tmp_path / "s") == log_rows(tmp_path / "p") == log_rows(tmp_path / "c")
    champ = (tmp_path / "s" / "champion.json").read_text()
    assert champ == (tmp_path / "p" / "champion.json").read_text()


@pytest.mark.parametrize("argv,needle", [
    (["evolve", "--task", "nosuchtask"], "unknown task 'nosuchtask'"),
    (["evolve", "--preset", "nope"], "unknown preset 'nope'"),
    (["evolve", "--pop-size", "-3"], "--pop-size must be at least 1"),
    (["evolve", "--config", "/nonexistent.toml"], "does not exist"),
    (["evolve", "--backend", "warp"], "invalid choice"),
    (["eval", "/nonexistent.json", "--task", "swingup"], "does not exist"),
])
def test_bad_input_one_line_exit_2(argv, needle, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("wann: error:") and needle in err and "\n" not in err


def test_malformed_files(tmp_path, capsys) -> None:
    bad = tmp_path / "g.json"
    bad.write_text('{"format": "wann-genome", "version": 1, "n_in": 5}')
    assert main(["eval", str(bad), "--task", "swingup"]) == 2
    assert "malformed genome" in capsys.readouterr().err
    bad.write_text("not json at all")
    assert main(["eval", str(bad), "--task", "swingup"]) == 2
    assert "malformed genome" in capsys.readouterr().err
    cfg = tmp_path / "c.toml"
    cfg.write_text("prob_add_node = 0.9\n")
    assert main(["evolve", "--config", str(cfg), "--out", str(tmp_path / "r")]) == 2
    assert "must add up to 1" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_genome_that_does_not_fit_the_task(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["evolve", "--generations", "1", "--pop-size", "4", "--seed", "1",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["eval", str(out / "champion.json"), "--task", "cartpole"]) == 2
    assert "needs 4 and 2" in capsys.readouterr().err


def test_no_traceback_from_the_console_script(tmp_path) -> None:
    p = subprocess.run([sys.executable, "-m", "wann.cli", "evolve", "--task", "x-unknown"],
                       capture_output=True, text=True)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr and p.stderr.count("\n") == 1


def test_environment_not_installed(monkeypatch, capsys) -> None:
    import gymnasium as gym

    def missing(*args, **kwargs):
        raise gym.error.DependencyNotInstalled("Box2D is not installed")

    monkeypatch.setattr(gym, "make", missing)
    assert main(["evolve", "--task", "biped", "--generations", "1"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'wann[box2d]'" in err and err.count("\n") == 1


def test_progress_notes_print_as_wann_lines_and_warnings_keep_their_level() -> None:
    import logging

    from wann.cli import _OneLineFormatter

    fmt = _OneLineFormatter()

    def record(level: int) -> logging.LogRecord:
        return logging.LogRecord("wann", level, __file__, 1, "compiling the %s", ("kernel",), None)

    assert fmt.format(record(logging.INFO)) == "wann: compiling the kernel"
    assert fmt.format(record(logging.WARNING)) == "wann: WARNING: compiling the kernel"


def test_a_ctrl_c_lost_in_a_library_callback_still_stops_the_run(tmp_path, capsys,
                                                                 monkeypatch) -> None:
    """Ctrl-C lands wherever the main thread is; inside a callback whose exceptions the
    interpreter swallows (a garbage-collector hook, as Dask's GC diagnosis installs) it is
    lost, with an "Exception ignored" traceback. The run must stop at the next generation
    anyway, with its one line and no traceback."""
    import gc

    from wann import cli
    from wann.run import Run

    calls = {"n": 0}
    real_step = Run.step

    def step(self):  # noqa: ANN001, ANN202
        calls["n"] += 1
        if calls["n"] == 3:
            def hook(phase, info):  # noqa: ANN001, ANN202
                gc.callbacks.remove(hook)
                cli._on_sigint(signal.SIGINT, None)  # the signal lands inside the hook

            gc.callbacks.append(hook)
            gc.collect()  # the interpreter prints "Exception ignored" and goes on
        return real_step(self)

    monkeypatch.setattr(Run, "step", step)
    monkeypatch.setattr(sys, "unraisablehook", sys.__unraisablehook__)  # prints to stderr
    rc = cli.main(["evolve", "--task", "swingup", "--generations", "20", "--pop-size", "8",
                   "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert rc == 130 and "wann: interrupted" in err, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert calls["n"] == 3  # stopped before its fourth generation, not after the twentieth
    from wann import checkpoint as ckp

    assert ckp.load(ckp.path_in(tmp_path / "run")).generation == 3  # kept, resumable
