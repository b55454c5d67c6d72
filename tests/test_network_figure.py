"""network.png as a reader sees it: arrows inside the frame, clear of the nodes they skip,
a title and labels inside the figure, a legend that says something."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import ArrowStyle, FancyArrowPatch

from tests.conftest import random_genome
from wann.genome import HIDDEN
from wann.io import genome_from_dict, load_genome
from wann.plotting import layout, network_figure
from wann.plotting.network import NODE_R_IN

REPO = Path(__file__).resolve().parent.parent
LAPTOP = REPO / "results" / "laptop_swing" / "champion.json"


def _drawn(fig):  # noqa: ANN001, ANN202
    FigureCanvasAgg(fig).draw()
    return fig.canvas.get_renderer()


def _arrows(fig) -> list[FancyArrowPatch]:  # noqa: ANN001
    return fig.findobj(lambda a: a.get_gid() == "connection")


def _points(arrow: FancyArrowPatch) -> np.ndarray:
    """Points along the drawn arrow (line and head), its curves sampled, in data coordinates."""
    t = np.linspace(0.0, 1.0, 24)
    return np.concatenate([seg(t) if seg.degree else seg.control_points
                           for seg, _ in arrow.get_path().iter_bezier()])


def _through_a_node() -> dict:
    """Cart-pole shaped: θ -> h -> left and θ -> left; h sits between them, so a straight
    direct edge θ -> left would run through h."""
    return {
        "format": "wann-genome", "version": 1, "n_in": 4, "n_out": 2,
        "nodes": {"id": [0, 1, 2, 3, 4, 5, 6, 7],
                  "kind": ["bias"] + ["input"] * 4 + ["output"] * 2 + ["hidden"],
                  "activation": [1] * 7 + [10]},
        "connections": {"innovation": [0, 1, 2], "source": [3, 7, 3],
                        "destination": [7, 5, 5], "enabled": [True] * 3,
                        "weight": [1.0, 1.0, 1.0]},
        "meta": {},
    }


def genomes() -> list[tuple[str, object, str]]:
    out = [("direct-edge", genome_from_dict(_through_a_node()), "cartpole"),
           ("random-100", random_genome(7, 5, 1, 160), "swingup"),
           ("random-small", random_genome(3, 4, 2, 6), "cartpole")]
    if LAPTOP.is_file():
        out.append(("laptop", load_genome(LAPTOP), "swingup"))
    return out


CASES = genomes()


@pytest.fixture(params=CASES, ids=[c[0] for c in CASES])
def drawn(request: pytest.FixtureRequest):  # noqa: ANN201
    _, g, task = request.param
    fig = network_figure(g, task)
    return g, task, fig, _drawn(fig)


def test_one_arrow_with_a_head_per_enabled_connection(drawn) -> None:  # noqa: ANN001
    g, _, fig, _ = drawn
    arrows = _arrows(fig)
    assert len(arrows) == g.n_enabled
    for a in arrows:
        assert isinstance(a, FancyArrowPatch)
        assert isinstance(a.get_arrowstyle(), ArrowStyle.CurveFilledB)  # "-|>": head at target


def test_arrows_stay_inside_the_axes(drawn) -> None:  # noqa: ANN001
    _, _, fig, _ = drawn
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    for a in _arrows(fig):
        v = _points(a)
        assert v[:, 0].min() >= x0 and v[:, 0].max() <= x1
        assert v[:, 1].min() >= y0 and v[:, 1].max() <= y1


def test_title_labels_and_legend_inside_the_figure(drawn) -> None:  # noqa: ANN001
    _, _, fig, renderer = drawn
    box = fig.bbox
    texts = [fig._suptitle] + fig.findobj(lambda a: a.get_gid() == "io_label")
    texts += [lg for lg in fig.legends]
    for t in texts:
        e = t.get_window_extent(renderer)
        assert e.x0 >= box.x0 and e.x1 <= box.x1 and e.y0 >= box.y0 and e.y1 <= box.y1, t


def test_long_title_of_a_small_network_fits(tmp_path: Path) -> None:
    g = genome_from_dict(_through_a_node())
    title = "Champion of cartpole-seed-12: 3 connections, 1 hidden nodes, fitness 254.8"
    fig = network_figure(g, "cartpole", title)
    e = fig._suptitle.get_window_extent(_drawn(fig))
    assert fig._suptitle.get_text() == title
    assert e.x0 >= 0 and e.x1 <= fig.bbox.x1 and e.y1 <= fig.bbox.y1


def test_no_legend_entry_repeats_itself(drawn) -> None:  # noqa: ANN001
    g, _, fig, _ = drawn
    labels = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    assert len(labels) == len(set(g.node_act[g.node_kind == HIDDEN].tolist()))
    for label in labels:
        if " = " in label:
            short, name = label.split(" = ")
            assert short != name


def _min_gap_in(fig, g, task: str, part: float = 1.0) -> float:  # noqa: ANN001
    """Least distance (inches) between an arrow and a node it does not connect, less `part`
    of that node's radius (1: to the node's edge; 0: to its centre)."""
    lay = layout(g, task)
    ax = fig.axes[0]
    to_in = ax.transData.transform
    dpi = fig.dpi
    centres = to_in(np.column_stack([lay.x, lay.y])) / dpi
    radius = np.where(g.node_kind == HIDDEN, NODE_R_IN[True], NODE_R_IN[False])
    gap = np.inf
    for a, (s, d) in zip(_arrows(fig), lay.edges):
        dense = to_in(_points(a)) / dpi
        others = np.ones(g.n_nodes, dtype=bool)
        others[[s, d]] = False
        dist = np.hypot(dense[:, None, 0] - centres[None, others, 0],
                        dense[:, None, 1] - centres[None, others, 1])
        gap = min(gap, float((dist.min(axis=0) - part * radius[others]).min()))
    return gap


def test_direct_edge_goes_around_the_node_in_its_way() -> None:
    g = genome_from_dict(_through_a_node())
    lay = layout(g, "cartpole")
    i_theta, i_left, i_h = lay.index(3), lay.index(5), lay.index(7)
    straight_at_h = (lay.y[i_theta] + lay.y[i_left]) / 2  # the chord at h's column (1 of 2)
    assert lay.x[i_h] == 1 and lay.x[i_left] == 2
    assert abs(straight_at_h - lay.y[i_h]) < 0.3  # rows: well inside h's marker
    fig = network_figure(g, "cartpole")
    _drawn(fig)
    assert _min_gap_in(fig, g, "cartpole") > 0


@pytest.mark.parametrize("name", ["random-100", "laptop"])
def test_no_edge_runs_through_the_middle_of_a_node_it_skips(name: str) -> None:
    """Dense networks: a long edge may graze a node's rim, never cross its middle half."""
    match = [c for c in CASES if c[0] == name]
    if not match:
        pytest.skip(f"{LAPTOP} not found")
    _, g, task = match[0]
    fig = network_figure(g, task)
    _drawn(fig)
    assert _min_gap_in(fig, g, task, part=0.5) > 0


def test_the_dense_cases_are_dense() -> None:
    g = dict((c[0], c[1]) for c in CASES)["random-100"]
    assert g.n_enabled >= 60
