"""Pruning from an over-parameterized start: disconnected nets, sparsity curves, the summary
ratios, and `wann compare --seeds`."""

from __future__ import annotations

import csv
import json
import signal
from pathlib import Path

import numpy as np
import pytest

from wann.baselines.common import Net
from wann.baselines.connectivity import input_reaches_output
from wann.baselines.masks import n_keep
from wann.cli import main
from wann.cmaes import CMASettings
from wann.comparison.control import Budget, score_net, summary_ratios
from wann.comparison.table import Row
from wann.genome import BIAS, INPUT, OUTPUT, from_dense
from wann.io import save_genome
from wann.plotting.curves import curve_points, curves_figure


def _g(kept: list[tuple[str, str]], layers=(2, 2, 1)):  # noqa: ANN202
    """A dense genome with only the connections between the named node groups kept:
    'b' bias, 'i' inputs, 'h' hidden, 'o' outputs (h1/h2 for two hidden layers)."""
    g = from_dense(list(layers))
    kind = dict(zip(g.node_id.tolist(), g.node_kind.tolist()))
    hidden = [n for n in g.node_id.tolist() if kind[n] not in (BIAS, INPUT, OUTPUT)]
    h1 = set(hidden[: layers[1]])
    group = {}
    for n in g.node_id.tolist():
        k = kind[n]
        group[n] = {BIAS: "b", INPUT: "i", OUTPUT: "o"}.get(k, "h1" if n in h1 else "h2")
        if len(layers) == 3 and group[n] == "h1":
            group[n] = "h"
    g.conn_enabled = np.array([(group[a], group[b]) in kept
                               for a, b in zip(g.conn_src.tolist(), g.conn_dst.tolist())])
    return g


@pytest.mark.parametrize("kept, connected", [
    ([("i", "h"), ("h", "o")], True),
    ([("i", "h"), ("b", "h"), ("b", "o")], False),  # hidden units reach no output
    ([("b", "h"), ("h", "o")], False),  # only the bias drives the output: a constant
    ([("i", "h")], False),
    ([], False),
])
def test_disconnected_nets_are_detected(kept, connected) -> None:
    assert input_reaches_output(_g(kept)) is connected


def test_connectivity_through_two_hidden_layers() -> None:
    layers = (2, 3, 3, 1)
    assert input_reaches_output(_g([("i", "h1"), ("h1", "h2"), ("h2", "o")], layers))
    assert not input_reaches_output(_g([("i", "h1"), ("b", "h2"), ("h2", "o")], layers))
    g = _g([("i", "h1"), ("h1", "h2"), ("h2", "o")], layers)
    # Cut one unit of the second layer off: still connected through the others.
    h2 = g.conn_dst[g.conn_enabled][-1]
    g.conn_enabled &= g.conn_src != h2
    assert input_reaches_output(g)


TINY_CMA = CMASettings(generations=1, popsize=4, rollouts=1, check_every=1, check_episodes=1)
TINY = Budget(TINY_CMA, TINY_CMA, TINY_CMA, TINY_CMA, grid=3, sweep_episodes=1)


def test_a_disconnected_row_is_marked_and_drawn_hollow(ev) -> None:
    alive = _g([("i", "h"), ("h", "o"), ("b", "h"), ("b", "o")], (5, 4, 1))
    dead = _g([("b", "h"), ("h", "o")], (5, 4, 1))
    rows = []
    for g, s in [(alive, 0.2), (dead, 0.6)]:
        g.meta["weights"] = "tuned"
        net = Net(f"pruned {s:g}", g, 0, sparsity=s, family="pruned")
        rows.append(score_net(ev, net, seed=0, episodes=2, budget=TINY,
                              dense_size=g.conn_enabled.size))
    assert rows[0].connected and not rows[1].connected
    assert "disconnected" in rows[1].note and "disconnected" not in rows[0].note
    pts = curve_points(rows, 0, ["pruned"])
    assert [p["connected"] for p in pts] == [True, False]
    fig = curves_figure(pts, {"pruned": "magnitude pruning"}, "t")
    hollow = fig.findobj(lambda o: o.get_gid() == "disconnected:pruned")
    filled = fig.findobj(lambda o: o.get_gid() == "connected:pruned")
    assert len(hollow) == 1 and len(filled) == 1
    assert hollow[0].get_offsets().shape[0] == 1
    assert fig.axes[0].get_xscale() == "log"


def test_summary_ratios() -> None:
    s = lambda m: {"mean": m, "std": 0.0, "median": m}  # noqa: E731
    row = Row("WANN", 52, 0.8, None, {"random_weights": s(57.0), "random_shared": s(515.0),
                                      "tuned_shared": s(723.0), "tuned_weights": s(932.0)})
    r = summary_ratios(row)
    assert r["wann_over_random"] == pytest.approx(515 / 57)
    assert r["tuned_shared_over_random"] == pytest.approx(723 / 57)
    assert r["tuned_weights_over_random"] == pytest.approx(932 / 57)
    row.scores["random_weights"] = s(-3.0)
    assert all(np.isnan(v) for v in summary_ratios(row).values())


CMP = ["compare", "--hidden", "2", "--dense-hidden", "4", "--sparsities", "0.5", "0.9",
       "--generations", "1", "--finetune-generations", "1", "--tune-generations", "1",
       "--rollouts", "1", "--grid", "3", "--sweep-episodes", "1", "--episodes", "2",
       "--backend", "compiled", "--quick"]


def test_compare_seeds_equal_separate_runs(tmp_path, capsys) -> None:
    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    args = [*CMP, "--champion", str(tmp_path / "g.json")]
    assert main([*args, "--seeds", "0,3", "--out", str(tmp_path / "many")]) == 0
    for s in (0, 3):
        assert main([*args, "--seed", str(s), "--out", str(tmp_path / f"one-{s}")]) == 0
        for f in ("compare.csv", "table.md", "curves.csv", "sweeps.csv"):
            a = (tmp_path / "many" / f"seed-{s}" / f).read_text()
            assert a == (tmp_path / f"one-{s}" / f).read_text(), f
    capsys.readouterr()
    table = (tmp_path / "many" / "table.md").read_text()
    assert "2 seeds" in table and "95% percentile-bootstrap" in table
    with open(tmp_path / "many" / "compare.csv") as f:
        agg = {r["model"]: r for r in csv.DictReader(f)}
    for s_name in ("WANN", "pruned 50%"):
        per = []
        for s in (0, 3):
            with open(tmp_path / f"one-{s}" / "compare.csv") as f:
                per.append(next(float(r["tuned_weights_mean"]) for r in csv.DictReader(f)
                                if r["model"] == s_name))
        assert float(agg[s_name]["tuned_weights_mean"]) == pytest.approx(np.mean(per), abs=1e-3)
        lo, hi = float(agg[s_name]["tuned_weights_ci_low"]), float(agg[s_name]["tuned_weights_ci_high"])
        assert min(per) - 1e-3 <= lo <= hi <= max(per) + 1e-3
    with open(tmp_path / "many" / "curves.csv") as f:
        assert {r["seed"] for r in csv.DictReader(f)} == {"0", "3"}
    assert (tmp_path / "many" / "curves.png").stat().st_size > 10_000


def test_seed_folders_made_apart_are_read_not_rerun(tmp_path, capsys) -> None:
    """Seeds made by separate commands (or machines) into OUT/seed-N/ are read by a later
    --seeds command, which then only aggregates; other settings are refused, nothing lost."""
    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    args = [*CMP, "--champion", str(tmp_path / "g.json")]
    assert main([*args, "--seeds", "0,3", "--out", str(tmp_path / "together")]) == 0
    apart = tmp_path / "apart"
    for s in (0, 3):
        assert main([*args, "--seed", str(s), "--out", str(apart / f"seed-{s}")]) == 0
    stamps = {s: (apart / f"seed-{s}" / "compare.json").stat().st_mtime_ns for s in (0, 3)}
    capsys.readouterr()
    assert main([*args, "--seeds", "0,3", "--out", str(apart)]) == 0
    assert "seeds 0, 3: read from their folders" in capsys.readouterr().err
    for s in (0, 3):  # read, not rewritten
        assert (apart / f"seed-{s}" / "compare.json").stat().st_mtime_ns == stamps[s]
    for f in ("compare.csv", "table.md", "curves.csv"):
        assert (apart / f).read_text() == (tmp_path / "together" / f).read_text(), f
    # A seed folder holding other settings is one error line, and stays as it was.
    assert main([*args, "--episodes", "3", "--seeds", "0,3", "--out", str(apart)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "other settings (episodes)" in err[0], err
    assert (apart / "seed-0" / "compare.json").stat().st_mtime_ns == stamps[0]
    # A single seed into a folder that holds it is refused, as before.
    assert main([*args, "--seed", "0", "--out", str(apart / "seed-0")]) == 2
    assert "already holds a comparison" in capsys.readouterr().err


def test_search_backend_runs_only_the_fresh_search(tmp_path) -> None:
    """--search-backend picks the search's evaluator; the serial and compiled backends agree
    bit for bit, so the comparison is the same either way, and the record names it."""
    args = [*CMP, "--search-generations", "2", "--search-pop-size", "8", "--seed", "1"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--search-backend", "serial", "--out", str(tmp_path / "b")]) == 0
    for f in ("compare.csv", "table.md", "search/champion.json"):
        assert (tmp_path / "a" / f).read_text() == (tmp_path / "b" / f).read_text(), f
    record = json.loads((tmp_path / "b" / "compare.json").read_text())
    assert record["settings"]["search_backend"] == "serial"
    assert record["settings"]["backend"] == "compiled"


def test_a_stopped_comparison_resumes_after_its_last_training(tmp_path, monkeypatch,
                                                              capsys) -> None:
    """Ctrl-C in the middle of a comparison: started again, it reads back the finished
    search and CMA-ES trainings instead of repeating them, and writes what an uninterrupted
    run writes."""
    import wann.cmaes as cmaes

    args = [*CMP, "--search-generations", "2", "--search-pop-size", "8", "--seed", "1"]
    assert main([*args, "--out", str(tmp_path / "whole")]) == 0
    kept, real = [], cmaes._remember

    def remember_then_stop(path, *a):  # noqa: ANN001, ANN002, ANN202
        real(path, *a)
        kept.append(path.name)
        if len(kept) == 3:
            raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(cmaes, "_remember", remember_then_stop)
        assert main([*args, "--out", str(tmp_path / "cut")]) != 0
    assert not (tmp_path / "cut" / "compare.json").exists()
    assert len(list((tmp_path / "cut" / ".cma-journal").glob("*.npz"))) == 3
    capsys.readouterr()
    recalled, recall = [], cmaes._recall

    def counted(path):  # noqa: ANN001, ANN202
        r = recall(path)
        if r is not None:
            recalled.append(path.name)
        return r

    monkeypatch.setattr(cmaes, "_recall", counted)
    assert main([*args, "--out", str(tmp_path / "cut")]) == 0
    assert recalled == kept
    assert "the search in" in capsys.readouterr().err  # finished: read, not rerun
    for f in ("compare.csv", "table.md", "curves.csv", "sweeps.csv", "search/champion.json"):
        assert (tmp_path / "cut" / f).read_text() == (tmp_path / "whole" / f).read_text(), f
    assert not (tmp_path / "cut" / ".cma-journal").exists()


def test_seed_jobs_run_seeds_side_by_side_with_the_same_folders(tmp_path, capsys) -> None:
    """--seed-jobs 2: each seed in a process of its own, the same folders and aggregate as
    one after another; each seed's messages in its compare.log."""
    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    args = [*CMP, "--champion", str(tmp_path / "g.json"), "--seeds", "0,3", "--workers", "2"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 0
    assert main([*args, "--seed-jobs", "2", "--out", str(tmp_path / "two")]) == 0
    err = capsys.readouterr().err
    assert "seed 0: started (1 worker)" in err and "seed 3: done" in err
    for f in ("compare.csv", "table.md", "curves.csv", "seed-0/compare.csv", "seed-3/table.md",
              "seed-3/sweeps.csv"):
        assert (tmp_path / "one" / f).read_text() == (tmp_path / "two" / f).read_text(), f
    assert "scored every row" in (tmp_path / "two" / "seed-3" / "compare.log").read_text()
    # a seed whose process fails (its search folder is a file) is one error line naming it
    fresh = [*CMP, "--search-generations", "1", "--search-pop-size", "8", "--seeds", "0,1"]
    (tmp_path / "bad" / "seed-1").mkdir(parents=True)
    (tmp_path / "bad" / "seed-1" / "search").write_text("in the way")
    assert main([*fresh, "--seed-jobs", "2", "--out", str(tmp_path / "bad")]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("wann: error: seed 1 failed (exit 2): wann: error:"), last


ROOT = Path(__file__).resolve().parents[1]
SEED_JOBS_CHILD = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from wann.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_stops_every_seed_job_and_the_study_resumes(tmp_path) -> None:
    """SIGINT to a --seed-jobs command (itself only, as `kill -INT` sends it) reaches its
    seeds' processes: exit 130, each seed's finished trainings kept; the same command again
    resumes and ends where one uninterrupted sequential command ends."""
    import subprocess
    import sys
    import time

    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    args = ["compare", "--champion", str(tmp_path / "g.json"), "--hidden", "2",
            "--dense-hidden", "8", "--sparsities", "0.5", "0.9", "--generations", "60",
            "--finetune-generations", "5", "--tune-generations", "5", "--rollouts", "2",
            "--grid", "3", "--sweep-episodes", "1", "--episodes", "3", "--lottery-rate", "0.5",
            "--backend", "compiled", "--quick", "--seeds", "0,1", "--workers", "2"]
    out = tmp_path / "cut"
    proc = subprocess.Popen([sys.executable, "-c", SEED_JOBS_CHILD, *args, "--seed-jobs", "2",
                             "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    journals = [out / f"seed-{s}" / ".cma-journal" for s in (0, 1)]
    deadline = time.monotonic() + 300
    while not all(j.is_dir() and any(j.glob("*.npz")) for j in journals):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the seeds never finished a training"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "wann: interrupted", err
    for s in (0, 1):
        assert not (out / f"seed-{s}" / "compare.json").exists()
        assert any((out / f"seed-{s}" / ".cma-journal").glob("*.npz"))
        assert "wann: interrupted" in (out / f"seed-{s}" / "compare.log").read_text()
    assert main([*args, "--seed-jobs", "2", "--out", str(out)]) == 0
    assert main([*args, "--out", str(tmp_path / "whole")]) == 0
    for f in ("compare.csv", "table.md", "seed-0/compare.csv", "seed-1/sweeps.csv"):
        assert (out / f).read_text() == (tmp_path / "whole" / f).read_text(), f


@pytest.mark.parametrize("extra, message", [
    (["--seed-jobs", "0"], "--seed-jobs must be at least 1"),
    (["--seed-jobs", "2", "--backend", "dask"], "give --seed-jobs 1"),
    (["--search-backend", "gpu"], "invalid choice"),
])
def test_bad_seed_jobs_or_search_backend_is_one_line(tmp_path, capsys, extra, message) -> None:
    assert main([*CMP, "--seeds", "0,1", *extra, "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "c").exists()


def test_a_new_method_is_one_registered_object(tmp_path) -> None:
    """A Method registered once appears in the table and as a curve of its own."""
    from wann.methods import Method, pct, register, registered, top_masks
    from wann.methods.registry import _REGISTRY
    from wann.study import compare

    def keep_first(ctx):  # noqa: ANN001, ANN202 - a toy method: the first k of each layer
        nets = []
        for i, s in enumerate(ctx.sparsities):
            scores = [-np.arange(w.size, dtype=float).reshape(w.shape) for w in ctx.trained()]
            nets.append(ctx.train_masked(top_masks(scores, ctx.keep_per_layer(s)),
                                         f"first-k {pct(s)}", s, i, weights="trained",
                                         train=False))
        return nets

    before = list(_REGISTRY)
    register(Method("first_k", keep_first, label="first k connections", needs=("dense",)))
    try:
        study = compare("swingup", ["first_k"], champion=from_dense([5, 2, 1]),
                        budget=TINY, dense_hidden=(4,), sparsities=(0.5, 0.8), episodes=2,
                        out=tmp_path)
    finally:
        _REGISTRY.pop("first_k")
    assert list(_REGISTRY) == before and "first_k" not in [m.name for m in registered()]
    rows = study.per_seed[0]
    assert [r.name for r in rows] == ["WANN", "dense (5-4-1)", "first-k 50%", "first-k 80%"]
    assert all(r.family == "first_k" for r in rows[2:])
    with open(tmp_path / "curves.csv") as f:
        pts = [p for p in csv.DictReader(f) if p["method"] == "first_k"]
    assert [int(p["connections"]) for p in pts] == [n_keep(29, 0.5), n_keep(29, 0.8)]


def _children(pid: int) -> list[int]:
    """The live child processes of `pid` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigterm_and_sigkill_stop_every_seed_job_and_a_rerun_resumes(tmp_path) -> None:
    """SIGTERM to a --seed-jobs command: exit 143 within 10 s, finished trainings kept.
    SIGKILL of it: its seed processes die with it within 10 s (no second writer is left);
    the same command again ends where one uninterrupted command ends."""
    import subprocess
    import sys
    import time

    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    args = ["compare", "--champion", str(tmp_path / "g.json"), "--hidden", "2",
            "--dense-hidden", "8", "--sparsities", "0.5", "0.9", "--generations", "60",
            "--finetune-generations", "5", "--tune-generations", "5", "--rollouts", "2",
            "--grid", "3", "--sweep-episodes", "1", "--episodes", "3", "--lottery-rate", "0.5",
            "--backend", "compiled", "--quick", "--seeds", "0,1", "--workers", "2"]
    out = tmp_path / "cut"
    journals = [out / f"seed-{s}" / ".cma-journal" for s in (0, 1)]

    def kept(j: Path) -> int:
        return len(list(j.glob("*.npz"))) if j.is_dir() else 0

    def start() -> subprocess.Popen:
        before = [kept(j) for j in journals]
        proc = subprocess.Popen([sys.executable, "-m", "wann.cli", *args, "--seed-jobs", "2",
                                 "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        # the gate: both seeds have finished a training now (and are in the middle of others)
        while not all(kept(j) > b for j, b in zip(journals, before)):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the seeds never finished a training"
            time.sleep(0.05)
        return proc

    proc = start()
    t = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143 and time.monotonic() - t < 10, (proc.returncode, err)
    assert all(any(j.glob("*.npz")) for j in journals)

    proc = start()
    seeds = _children(proc.pid)
    assert len([p for p in seeds if _alive(p)]) >= 2, seeds
    proc.kill()
    proc.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in seeds):
        assert time.monotonic() < deadline, "seed processes outlived their killed parent"
        time.sleep(0.05)
    assert main([*args, "--seed-jobs", "2", "--out", str(out)]) == 0
    assert main([*args, "--out", str(tmp_path / "whole")]) == 0
    for f in ("compare.csv", "table.md", "seed-0/compare.csv", "seed-1/sweeps.csv"):
        assert (out / f).read_text() == (tmp_path / "whole" / f).read_text(), f


def test_a_second_writer_of_a_comparison_folder_is_refused(tmp_path, capsys) -> None:
    """Two comparisons into one folder at once: the second is refused, naming the holder."""
    import os

    from wann.outdir import RunLock

    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    out = tmp_path / "cmp"
    with RunLock(out):
        assert main([*CMP, "--champion", str(tmp_path / "g.json"), "--seed", "1",
                     "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(os.getpid()) in err[0], err
    assert not (out / "compare.json").exists()


def test_a_full_disk_mid_comparison_is_one_line(tmp_path, capsys, monkeypatch) -> None:
    """A write that fails mid-comparison (the disk fills up): one error line, exit 2, no
    half-written file left; the trainings finished before stay for a resume."""
    import errno

    import wann.comparison.table as table

    g = from_dense([5, 2, 1])
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")

    def full(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "cmp" / "table.md"))

    monkeypatch.setattr(table, "markdown_table", full)
    out = tmp_path / "cmp"
    assert main([*CMP, "--champion", str(tmp_path / "g.json"), "--out", str(out)]) == 2
    err = [x for x in capsys.readouterr().err.strip().splitlines() if "error" in x]
    assert len(err) == 1 and "No space left on device" in err[0], err
    assert err[0].startswith("wann: error: cannot write the comparison")
    assert "resumes" in err[0] and any((out / ".cma-journal").glob("*.npz"))
    assert not list(out.rglob("*.tmp"))


def test_past_ten_methods_a_curve_that_repeats_a_colour_has_another_line_style() -> None:
    names = [f"m{i}" for i in range(12)]
    pts = [{"method": m, "seed": 0, "sparsity": 0.5, "connections": c, "connected": True,
            "mean": float(i), "std": 0.0} for i, m in enumerate(names) for c in (10, 100)]
    fig = curves_figure(pts, {m: m for m in names}, "t")
    lines = {m: fig.findobj(lambda o, m=m: o.get_gid() == f"curve:{m}")[0] for m in names}
    for a, b in [("m0", "m10"), ("m1", "m11")]:
        assert lines[a].get_color() == lines[b].get_color()
        assert lines[a].get_linestyle() != lines[b].get_linestyle()


def test_plot_redraws_a_comparisons_curves_and_takes_other_champions_as_the_wann(
        tmp_path, capsys) -> None:
    """`wann plot CMP` draws curves.png again from curves.csv (read back exactly as written);
    `--wann RUN...` puts those runs' scored champions at their connections instead of the
    comparison's own WANN; a folder without eval.json/tune.json is one error line."""
    import shutil

    from wann.plotting.curves import champion_points, points_csv, read_points

    root = Path(__file__).resolve().parents[1] / "results"
    cmp = tmp_path / "cmp"
    shutil.copytree(root / "compare-small" / "digits", cmp)
    text = (cmp / "curves.csv").read_text()
    assert points_csv(read_points(cmp / "curves.csv")) == text
    (cmp / "curves.png").unlink()
    assert main(["plot", str(cmp)]) == 0
    assert (cmp / "curves.png").stat().st_size > 10_000
    ev = json.loads((root / "digits" / "eval.json").read_text())
    tune = json.loads((root / "digits" / "tune.json").read_text())
    assert main(["plot", str(cmp), "--wann", str(root / "digits")]) == 0
    assert (cmp / "curves-wann.png").is_file() and (cmp / "curves.csv").read_text() == text
    pts = champion_points(ev, tune, 0)
    assert [(p["connections"], p["mean"]) for p in pts] == [
        (ev["connections"], ev["random_shared_weight"]["mean"]),
        (ev["connections"], tune["tuned_shared_weight"]["accuracy"]),
        (ev["connections"], tune["tuned_weights"]["accuracy"])]
    fig = curves_figure(pts, {}, "t", "test accuracy")
    star = fig.findobj(lambda o: o.get_gid() == "WANN, tuned weights")[0]
    assert star.get_offsets().tolist() == [[ev["connections"],
                                            tune["tuned_weights"]["accuracy"]]]
    capsys.readouterr()
    assert main(["plot", str(cmp), "--wann", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "eval.json" in err[0]
    assert main(["plot", str(cmp), "--out", str(tmp_path / "figs"), "--svg"]) == 0
    assert {p.name for p in (tmp_path / "figs").iterdir()} == {"curves.png", "curves.svg"}
    assert main(["plot", str(cmp), "--sweep"]) == 2
