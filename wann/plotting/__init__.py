"""Figures of a run, made from what the run wrote to disk (matplotlib, headless Agg).

`plot_run(run_dir)` writes the fitness, complexity, objectives, network and (when there is a
sweep) shared-weight figures; `plot_overlay(run_dirs)` puts several runs on one figure.
"""

from wann.plotting.data import RunData, load_run
from wann.plotting.figures import (
    complexity_figure,
    fitness_figure,
    objectives_figure,
    overlay_figure,
    pareto_mask,
    sweep_figure,
)
from wann.plotting.network import layout, network_figure
from wann.plotting.output import compute_sweep, plot_overlay, plot_run, save_figure

__all__ = [
    "RunData", "load_run", "complexity_figure", "fitness_figure", "objectives_figure",
    "overlay_figure", "pareto_mask", "sweep_figure", "layout", "network_figure",
    "compute_sweep", "plot_overlay", "plot_run", "save_figure",
]
