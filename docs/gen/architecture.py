"""The architecture page's layer picture, drawn with matplotlib (the site build calls
`draw_svg`; `python docs/gen/architecture.py out.svg` writes it to a file)."""

from __future__ import annotations

import io
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

# (row from the top, column start, width, title, modules); a row is a layer of the package,
# an arrow (from, to) runs from a layer to one it uses
BOXES = [
    (0, 0.0, 4.8, "command line", "wann/cli.py, wann/commands/:\nflags into plans, nothing else"),
    (0, 5.2, 4.8, "Python API", "wann/api.py (evolve, evaluate, score),\nwann.compare"),
    (1, 0.0, 10.0, "studies",
     "wann/study.py: ComparePlan checked whole, run_study; wann/seedjobs.py: one seeds executor"),
    (2, 0.0, 4.8, "methods",
     "wann/methods/: one registry, the literature\nwritten once; wann/baselines/: masks, family parts"),
    (2, 5.2, 4.8, "comparison", "wann/comparison/: one seed, one Row,\none table writer, the aggregate"),
    (3, 0.0, 10.0, "plotting",
     "wann/plotting/: a run's figures, the sparsity curves, the comparison's figures"),
    (4, 0.0, 10.0, "task families",
     "wann/families/: control and classification behind one protocol (wann/classify/, datasets/)"),
    (5, 0.0, 10.0, "evaluation",
     "wann/evaluation/: one Evaluator protocol; compiled (lockstep lanes), serial, pool, dask, cuda"),
    (6, 0.0, 6.6, "the spine",
     "run.py (ask → evaluate → tell), search.py, breed.py,\n"
     "population.py, genome.py, reporters.py, streams.py"),
    (6, 7.0, 3.0, "environments", "envs/ (as wann_envs):\ntwins, gymnasium"),
]
ARROWS = [(0, 2), (1, 2), (2, 3), (2, 4), (3, 5), (4, 5), (5, 6), (6, 7), (7, 8), (7, 9)]
COLOURS = ["#d7e3f4", "#d7e3f4", "#f4e3c1", "#dcefd9", "#dcefd9", "#fbe7d0", "#e6dcf0",
           "#f2d6d6", "#e4e4e4", "#e4e4e4"]
ROW_H, GAP = 0.9, 0.45


def centre(i: int) -> tuple[float, float, float, float]:
    row, x, w, *_ = BOXES[i]
    top = -(row * (ROW_H + GAP))
    return x + w / 2, top, top - ROW_H, x


def draw_svg() -> str:
    """The picture as SVG text (the same bytes for the same code)."""
    plt.rcParams["svg.hashsalt"] = "wann-architecture"
    fig, ax = plt.subplots(figsize=(10, 8.6))
    for (row, x, w, title, mods), colour in zip(BOXES, COLOURS):
        top = -(row * (ROW_H + GAP))
        ax.add_patch(FancyBboxPatch((x, top - ROW_H), w, ROW_H, boxstyle="round,pad=0.02,rounding_size=0.08",
                                    fc=colour, ec="#445", lw=1.0))
        ax.text(x + w / 2, top - 0.22, title, ha="center", va="center", fontsize=11, weight="bold")
        ax.text(x + w / 2, top - 0.58, mods, ha="center", va="center", fontsize=8.5, family="monospace")
    for a, b in ARROWS:
        ax_, _, a_bottom, _ = centre(a)
        bx, b_top, _, _ = centre(b)
        x = bx  # straight down, at the narrower box's centre if BOXES[b][2] < BOXES[a][2] else ax_
        ax.add_patch(FancyArrowPatch((x, a_bottom - 0.03), (x, b_top + 0.03), arrowstyle="-|>",
                                     mutation_scale=12, color="#445", lw=1.0))
    ax.set_xlim(-0.2, 10.2)
    ax.set_ylim(-(7 * (ROW_H + GAP)) + GAP - 0.1, 0.1)
    ax.axis("off")
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


if __name__ == "__main__":
    with open(sys.argv[1] if len(sys.argv) > 1 else "architecture.svg", "w") as f:
        f.write(draw_svg())
