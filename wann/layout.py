"""The run folder: its file names and columns, the one place reporters write and plots read.

A run folder holds config.toml (the settings), log.csv (one row per generation),
population.csv (the last generation's individuals), best.json (the last generation's best),
champion.json (the best ever), summary.json, events.csv (worker faults, only if any),
checkpoint.ckpt, and after `wann tune` or `wann plot --sweep`, sweep.csv.
"""

from __future__ import annotations

from pathlib import Path

CONFIG = "config.toml"
LOG = "log.csv"
POPULATION = "population.csv"
BEST = "best.json"
CHAMPION = "champion.json"
SUMMARY = "summary.json"
EVENTS = "events.csv"
SWEEP = "sweep.csv"
# Classification: the champion's accuracy over the shared weight (wann tune).
ACCURACY_SWEEP = "accuracy_sweep.csv"
CHECKPOINT = "checkpoint.ckpt"

LOG_COLUMNS = (
    "generation", "mean_fitness", "median_fitness", "best_fitness", "best_peak",
    "best_connections", "best_nodes", "median_connections", "median_nodes",
    "best_ever_fitness", "objectives", "nonfinite_rollouts", "eval_seconds", "gen_seconds",
    "best_retest", "champion_retest", "retest_rollouts", "retest_seconds",
)
# best_retest: this generation's best re-tested on best_reps fresh episodes per weight;
# champion_retest: the champion's re-test score (what the next best must beat); best_ever_fitness
# stays the champion's mean on its generation's training episodes. Logs written before re-tests
# existed lack these four columns (OPTIONAL_LOG_COLUMNS): readers treat them as missing.
OPTIONAL_LOG_COLUMNS = ("best_retest", "champion_retest", "retest_rollouts", "retest_seconds")
# Wall-clock columns: the only ones that differ between two runs with the same seed.
TIMING_COLUMNS = ("eval_seconds", "gen_seconds", "retest_seconds")
# Log columns that hold text, not numbers.
TEXT_COLUMNS = ("objectives",)
# The last generation's individuals, for the objectives (Pareto) figure.
POPULATION_COLUMNS = ("individual", "mean_fitness", "peak_fitness", "connections", "nodes", "rank")
# Worker faults (lost or timed-out workers); they never change results, so stay out of log.csv.
EVENT_COLUMNS = ("generation", "kind", "worker", "sub_batches", "detail")


def holds_run(run_dir: str | Path) -> bool:
    """Whether a folder already holds a run (a log or a checkpoint)."""
    d = Path(run_dir)
    return (d / LOG).exists() or (d / CHECKPOINT).exists()
