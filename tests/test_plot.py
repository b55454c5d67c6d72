"""The figures hold the run's data: every plotted series equals what the run wrote to disk."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from wann.cli import main
from wann.config import preset
from wann.evaluation import make_evaluator
from wann.genome import HIDDEN
from wann.io import load_genome
from wann.plotting import (
    complexity_figure,
    compute_sweep,
    fitness_figure,
    layout,
    load_run,
    network_figure,
    objectives_figure,
    overlay_figure,
    sweep_figure,
)
from wann.plotting.network import ABBREV, NODE_R_IN
from wann.run import Run
from wann.streams import SWEEP, stream_seeds
from wann.sweep import sweep_shared_weight, weight_grid
from wann.tasks import get_task

SWINGUP_LABELS = ["x", "x_dot", "cos θ", "sin θ", "θ_dot", "bias", "force"]


def make_run(out: Path, seed: int, pop: int = 16, gens: int = 6) -> Path:
    task = get_task("swingup")
    hp = preset("quick").replace(pop_size=pop, generations=gens, checkpoint_every=0)
    ev = make_evaluator(task, "compiled")
    try:
        Run.new(task, hp, ev, out, seed).run()
    finally:
        ev.close()
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("plot")
    return {
        "a": make_run(base / "seed2", 2),
        "b": make_run(base / "seed3", 3),
        "c": make_run(base / "pop12", 4, pop=12),
        "short": make_run(base / "seed5-short", 5, gens=4),
    }


def csv_column(path: Path, name: str) -> np.ndarray:
    with open(path, newline="") as f:
        return np.array([float(r[name]) for r in csv.DictReader(f)])


def by_gid(fig, gid: str):  # noqa: ANN001, ANN201
    found = fig.findobj(lambda a: a.get_gid() == gid)
    assert len(found) == 1, f"{gid}: {found}"
    return found[0]


def digest(d: Path) -> dict[str, str]:
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(d.rglob("*")) if p.is_file()}


def test_fitness_series_equal_the_log(runs: dict[str, Path]) -> None:
    run = load_run(runs["a"])
    fig = fitness_figure(run)
    log = runs["a"] / "log.csv"
    gens = csv_column(log, "generation")
    assert gens.size == 6
    for col in ("mean_fitness", "median_fitness", "best_fitness", "best_peak",
                "best_ever_fitness"):
        line = by_gid(fig, col)
        np.testing.assert_array_equal(line.get_xdata(), gens)
        np.testing.assert_array_equal(line.get_ydata(), csv_column(log, col))
    assert not fig.findobj(lambda a: a.get_gid() == "solved")  # swing-up has no threshold


def test_fitness_draws_the_solved_threshold(runs: dict[str, Path]) -> None:
    run = load_run(runs["a"])
    as_cartpole = dataclasses.replace(run, settings={**run.settings, "task": "cartpole"})
    line = by_gid(fitness_figure(as_cartpole), "solved")
    assert list(line.get_ydata()) == [475.0, 475.0]
    assert "solved (475)" in line.get_label()


def test_complexity_series_equal_the_log(runs: dict[str, Path]) -> None:
    run = load_run(runs["a"])
    fig = complexity_figure(run)
    log = runs["a"] / "log.csv"
    for col in ("best_connections", "median_connections"):
        np.testing.assert_array_equal(by_gid(fig, col).get_ydata(), csv_column(log, col))
    n_io = 1 + 5 + 1  # bias, five swing-up inputs, one output
    for col in ("best_nodes", "median_nodes"):
        np.testing.assert_array_equal(by_gid(fig, col).get_ydata(), csv_column(log, col) - n_io)


def test_objectives_mark_exactly_the_pareto_front(runs: dict[str, Path]) -> None:
    run = load_run(runs["a"])
    mean = csv_column(runs["a"] / "population.csv", "mean_fitness")
    conn = csv_column(runs["a"] / "population.csv", "connections")
    assert mean.size == 16
    dominated = [any((mean[j] >= mean[i] and conn[j] <= conn[i])
                     and (mean[j] > mean[i] or conn[j] < conn[i]) for j in range(mean.size))
                 for i in range(mean.size)]
    want = {(conn[i], mean[i]) for i in range(mean.size) if not dominated[i]}
    fig = objectives_figure(run)
    front = {tuple(p) for p in by_gid(fig, "front").get_offsets().data}
    rest = {tuple(p) for p in by_gid(fig, "population").get_offsets().data}
    assert front == want and front.isdisjoint(rest)
    assert front | rest == set(zip(conn, mean))
    # The run's best individual of that generation is on the front.
    best = csv_column(runs["a"] / "log.csv", "best_fitness")[-1]
    assert best in {m for _, m in front}


def check_network(g, task: str) -> None:  # noqa: ANN001
    lay = layout(g, task)
    fig = network_figure(g, task)
    FigureCanvasAgg(fig).draw()  # arrows shrink by points once drawn at the figure dpi
    arrows = fig.findobj(lambda a: a.get_gid() == "connection")
    assert len(arrows) == g.n_enabled
    en = np.flatnonzero(g.conn_enabled)
    to_in = fig.axes[0].transData.transform
    r_in = np.where(g.node_kind == HIDDEN, NODE_R_IN[True], NODE_R_IN[False])
    for arrow, k in zip(arrows, en):
        s, d = lay.index(int(g.conn_src[k])), lay.index(int(g.conn_dst[k]))
        # The arrow leaves the source's rim and its head touches the target's.
        pts = to_in(arrow.get_path().vertices) / fig.dpi
        for i, extra in ((s, 0.0), (d, 1 / 72)):
            centre = to_in([[lay.x[i], lay.y[i]]])[0] / fig.dpi
            gap = np.hypot(*(pts - centre).T).min()
            assert abs(gap - r_in[i] - extra) < 0.02
        assert lay.x[s] < lay.x[d]  # every connection runs left to right
    labels = [t.get_text() for t in fig.findobj(lambda a: a.get_gid() == "io_label")]
    assert labels == SWINGUP_LABELS
    acts = [t.get_text() for t in fig.findobj(lambda a: a.get_gid() == "act_label")]
    hidden = g.node_act[g.node_kind == HIDDEN]
    assert acts == [ABBREV[int(a)] for a in hidden]
    # No two nodes share a place.
    assert len(set(zip(lay.x.tolist(), lay.y.tolist()))) == g.n_nodes


def test_network_of_the_run_champion(runs: dict[str, Path]) -> None:
    check_network(load_run(runs["a"]).champion, "swingup")


def test_network_of_the_reference_champion(ref: Path) -> None:
    g = load_genome(ref / "champions" / "swing.out", "swingup", 5, 1)
    assert g.n_enabled == 52
    check_network(g, "swingup")


def test_network_with_nothing_enabled() -> None:
    from wann.genome import InnovationRegistry, initial_genome

    g = initial_genome(5, 1, InnovationRegistry(5, 1), np.random.default_rng(0), 0.0)
    fig = network_figure(g, "swingup")
    assert not fig.findobj(lambda a: a.get_gid() == "connection")
    labels = [t.get_text() for t in fig.findobj(lambda a: a.get_gid() == "io_label")]
    assert labels == SWINGUP_LABELS


def test_sweep_figure_equals_sweep_csv(runs: dict[str, Path], tmp_path: Path) -> None:
    run = load_run(runs["b"])
    path = compute_sweep(run, grid=9, episodes=2, seed=1)
    task = get_task("swingup")
    ev = make_evaluator(task, "compiled")
    want = sweep_shared_weight(ev, run.champion, stream_seeds(1, SWEEP, 2), weight_grid(9))
    ev.close()
    w, m = csv_column(path, "weight"), csv_column(path, "mean")
    np.testing.assert_allclose(w, np.linspace(-2, 2, 9))
    np.testing.assert_allclose(m, want.mean, atol=1e-6)  # sweep.csv keeps 6 decimals
    np.testing.assert_allclose(csv_column(path, "std"), want.std, atol=1e-6)
    fig = sweep_figure(load_run(runs["b"]))
    line = by_gid(fig, "mean")
    np.testing.assert_array_equal(line.get_xdata(), w)
    np.testing.assert_array_equal(line.get_ydata(), m)
    assert by_gid(fig, "best").get_xdata()[0] == w[np.argmax(m)]
    band = by_gid(fig, "std_band").get_paths()[0].vertices
    s = csv_column(path, "std")
    np.testing.assert_allclose(band[:, 1].min(), (m - s).min())
    np.testing.assert_allclose(band[:, 1].max(), (m + s).max())


def test_overlay_groups_seeds_and_draws_mean_and_band(runs: dict[str, Path]) -> None:
    loaded = [load_run(runs[k]) for k in ("a", "b", "c")]
    fig = overlay_figure(loaded, "best_fitness")
    a, b = (csv_column(runs[k] / "log.csv", "best_fitness") for k in ("a", "b"))
    c = csv_column(runs["c"] / "log.csv", "best_fitness")
    lines = {ln.get_gid(): ln for ln in fig.findobj(lambda x: str(x.get_gid()).startswith(
        "mean:"))}
    assert set(lines) == {"mean:pop_size=16 (2 runs)", "mean:pop_size=12 (1 run)"}
    np.testing.assert_allclose(lines["mean:pop_size=16 (2 runs)"].get_ydata(), (a + b) / 2)
    np.testing.assert_array_equal(lines["mean:pop_size=12 (1 run)"].get_ydata(), c)
    band = by_gid(fig, "band:pop_size=16 (2 runs)").get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(np.minimum(a, b).min())
    assert band[:, 1].max() == pytest.approx(np.maximum(a, b).max())
    assert not fig.findobj(lambda x: x.get_gid() == "band:pop_size=12 (1 run)")


def test_overlay_of_runs_of_different_lengths(runs: dict[str, Path]) -> None:
    fig = overlay_figure([load_run(runs["a"]), load_run(runs["short"])], "mean_fitness")
    a = csv_column(runs["a"] / "log.csv", "mean_fitness")
    s = csv_column(runs["short"] / "log.csv", "mean_fitness")
    assert (a.size, s.size) == (6, 4)
    line = by_gid(fig, "mean:swingup (2 runs)")  # same settings, lengths aside: one group
    np.testing.assert_allclose(line.get_ydata(), np.concatenate([(a[:4] + s) / 2, a[4:]]))
    band = by_gid(fig, "band:swingup (2 runs)").get_paths()[0].vertices
    assert band[:, 0].max() == 3  # the band covers only generations both runs reached


def test_cli_writes_every_figure(runs: dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    assert main(["plot", str(runs["a"]), "--svg"]) == 0
    out = capsys.readouterr()
    paths = [Path(p) for p in out.out.split()]
    names = sorted(p.name for p in paths)
    assert names == sorted(f"{n}.{e}" for n in ("fitness", "complexity", "objectives", "network")
                           for e in ("png", "svg"))
    assert "sweep" in out.err  # no sweep.csv: said so, not drawn
    for p in paths:
        data = p.read_bytes()
        assert p.parent == runs["a"] / "figures"
        if p.suffix == ".png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
        else:
            assert b"<svg" in data[:2000]


def test_cli_overlay_writes_beside_the_runs(
    runs: dict[str, Path], capsys: pytest.CaptureFixture
) -> None:
    assert main(["plot", str(runs["a"]), str(runs["b"]), "--column", "mean_fitness"]) == 0
    (path,) = capsys.readouterr().out.split()
    assert Path(path) == runs["a"].parent / "overlay_mean_fitness.png"
    assert Path(path).stat().st_size > 10_000


@pytest.mark.parametrize("case", ["no_log", "header_only", "empty_file", "not_a_dir"])
def test_bad_run_folder_is_one_clear_error(
    case: str, runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    d = tmp_path / "run"
    d.mkdir()
    (d / "champion.json").write_bytes((runs["a"] / "champion.json").read_bytes())
    if case == "header_only":
        (d / "log.csv").write_text((runs["a"] / "log.csv").read_text().splitlines()[0] + "\n")
    elif case == "empty_file":
        (d / "log.csv").write_text("")
    target = d / "nope" if case == "not_a_dir" else d
    before = digest(d)
    assert main(["plot", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("wann: error:")
    assert {"no_log": "no log.csv", "header_only": "no rows", "empty_file": "no rows",
            "not_a_dir": "does not exist"}[case] in err[0]
    assert digest(d) == before


def test_unwritable_output_is_one_clear_error(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    before = digest(runs["a"])
    assert main(["plot", str(runs["a"]), "--out", str(blocker / "figs")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a file, not a folder" in err[0]
    assert digest(runs["a"]) == before
