"""The run figures as a reader sees them: whole-number generations, a legend that hides no
line, a Pareto front whose count can be seen, and a warning when tasks are mixed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from tests.test_plot import make_run
from wann.plotting import complexity_figure, fitness_figure, load_run, objectives_figure, overlay_figure
from wann.plotting.data import RunData


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory) -> RunData:
    return load_run(make_run(tmp_path_factory.mktemp("fig") / "short", 2, pop=12, gens=3))


def _draw(fig) -> None:  # noqa: ANN001
    FigureCanvasAgg(fig).draw()


def _gen_ticks_are_whole(ax) -> None:  # noqa: ANN001
    lo, hi = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks


def test_generation_ticks_are_whole_numbers(short: RunData) -> None:
    assert len(short.generations) == 3
    for fig in (fitness_figure(short), complexity_figure(short),
                overlay_figure([short, short], "best_fitness")):
        _draw(fig)
        for ax in fig.axes:
            _gen_ticks_are_whole(ax)
    fig = complexity_figure(short)
    _draw(fig)
    for ax in fig.axes:  # connections and hidden nodes are counts too
        lo, hi = ax.get_ylim()
        assert all(float(t).is_integer() for t in ax.get_yticks() if lo <= t <= hi)


def test_fitness_legend_hides_neither_curves_nor_the_solved_line(short: RunData) -> None:
    fig = fitness_figure(short, solved=float(np.max(short.log["best_fitness"])))
    _draw(fig)
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    legends = fig.legends + ([ax.get_legend()] if ax.get_legend() else [])
    assert len(legends) == 1
    box = legends[0].get_window_extent(renderer)
    assert not box.overlaps(ax.get_window_extent(renderer))
    assert box.y0 >= 0 and box.x0 >= 0 and box.x1 <= fig.bbox.x1
    assert any("solved" in t.get_text() for t in legends[0].get_texts())


def test_identical_front_individuals_show_their_number(short: RunData) -> None:
    # Nine identical individuals on the front at one point, two more at another.
    conn = np.array([3.0] * 9 + [5.0, 5.0, 8.0])
    mean = np.array([100.0] * 9 + [150.0, 150.0, 40.0])
    run = dataclasses.replace(short, population={"connections": conn, "mean_fitness": mean})
    fig = objectives_figure(run)
    counts = sorted(t.get_text() for t in fig.findobj(lambda a: a.get_gid() == "front_count"))
    assert counts == ["×2", "×9"]
    front = fig.findobj(lambda a: a.get_gid() == "front")[0]
    assert {tuple(p) for p in front.get_offsets().data} == {(3.0, 100.0), (5.0, 150.0)}
    sizes = front.get_sizes()
    assert sizes.max() > sizes.min()  # the bigger crowd gets the bigger marker
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Pareto front (11 individuals at 2 points)" in labels
    _draw(fig)
    lo, hi = fig.axes[0].get_xlim()
    assert all(float(t).is_integer() for t in fig.axes[0].get_xticks() if lo <= t <= hi)


def test_distinct_front_keeps_the_plain_label(short: RunData) -> None:
    conn = np.array([1.0, 2.0, 3.0])
    mean = np.array([10.0, 20.0, 30.0])
    run = dataclasses.replace(short, population={"connections": conn, "mean_fitness": mean})
    fig = objectives_figure(run)
    assert not fig.findobj(lambda a: a.get_gid() == "front_count")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Pareto front (3)" in labels


def test_overlay_of_different_tasks_warns(short: RunData) -> None:
    other = dataclasses.replace(short, path=Path("elsewhere"),
                                settings={**short.settings, "task": "cartpole"})
    with pytest.warns(UserWarning, match="different tasks"):
        fig = overlay_figure([short, other], "best_fitness")
    assert "different tasks" in fig.axes[0].get_title()
    _draw(fig)
    legend = fig.legends[0].get_window_extent(fig.canvas.get_renderer())
    assert legend.x0 >= 0 and legend.x1 <= fig.bbox.x1 and legend.y0 >= 0
    assert not fig.findobj(lambda a: a.get_gid() == "solved")


def test_overlay_of_one_task_does_not_warn(short: RunData,
                                           recwarn: pytest.WarningsRecorder) -> None:
    overlay_figure([short, short], "best_fitness")
    assert not [w for w in recwarn if "different tasks" in str(w.message)]


def test_the_cli_warns_of_mixed_tasks_in_one_line(tmp_path, capsys) -> None:
    from wann.cli import main

    for task in ("swingup", "cartpole"):
        assert main(["evolve", "--task", task, "--generations", "2", "--pop-size", "8",
                     "--out", str(tmp_path / task)]) == 0
    capsys.readouterr()
    assert main(["plot", str(tmp_path / "swingup"), str(tmp_path / "cartpole"),
                 "--out", str(tmp_path / "figs")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == ["wann: warning: overlaying runs of different tasks (cartpole, swingup): "
                   "their returns are not on one scale"]
