"""Aggregates over the seed folders of `wann evolve` and `wann tune` with `--seeds`: a table of
the mean over seeds, its 95% bootstrap interval and the IQM, as markdown and JSON (a
comparison's aggregate is wann.comparison.aggregate)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from wann import layout
from wann.io import atomic_write, load_genome
from wann.seeds import seed_dir
from wann.stats import FOOTNOTE, Aggregate, aggregate

AGGREGATE_MD = "aggregate.md"
AGGREGATE_JSON = "aggregate.json"

# The run-folder quantities an evolve aggregate reports, from each seed's last log row.
EVOLVE_QUANTITIES = (
    ("champion_retest", "champion, re-tested (best_reps episodes per weight)"),
    ("best_ever_fitness", "champion, on its training episodes"),
    ("best_fitness", "last generation's best"),
    ("mean_fitness", "last generation's mean"),
)


def _md_table(title: str, seeds: Sequence[int], cells: dict[str, tuple[str, Aggregate]],
              note: str = "") -> str:
    lines = [f"# {title}", "", f"{len(seeds)} seeds: {', '.join(map(str, seeds))}.", ""]
    if note:
        lines += [note, ""]
    lines += ["| quantity | mean [95% CI] | IQM | per seed |", "|---|---|---|---|"]
    for label, agg in cells.values():
        per = ", ".join(f"{v:.1f}" for v in agg.values)
        lines.append(f"| {label} | {agg.cell(1)} | {agg.iqm:.1f} | {per} |")
    return "\n".join(lines + ["", FOOTNOTE, ""])


def _write(out: Path, title: str, seeds: Sequence[int], cells: dict[str, tuple[str, Aggregate]],
           note: str = "") -> None:
    atomic_write(out / AGGREGATE_MD, _md_table(title, seeds, cells, note))
    record = {"seeds": list(seeds), "confidence": 0.95,
              "cells": {k: {"label": lab, **a.as_dict()} for k, (lab, a) in cells.items()}}
    atomic_write(out / AGGREGATE_JSON, json.dumps(record, indent=1) + "\n")


def evolve_aggregate(out: str | Path, seeds: Sequence[int]) -> dict[str, Aggregate]:
    """Aggregate the last log row (and the champion's size) of each seed's run folder."""
    out = Path(out)
    last = []
    conns = []
    for s in seeds:
        with open(seed_dir(out, s) / layout.LOG, newline="") as f:
            last.append(list(csv.DictReader(f))[-1])
        conns.append(load_genome(seed_dir(out, s) / layout.CHAMPION).n_enabled)
    cells: dict[str, tuple[str, Aggregate]] = {}
    for key, label in EVOLVE_QUANTITIES:
        vals = [float(r.get(key) or "nan") for r in last]
        if all(v == v for v in vals):  # no NaN: logs written before re-tests lack the column
            cells[key] = (label, aggregate(vals))
    cells["champion_connections"] = ("champion's connections", aggregate(conns))
    gens = int(last[0]["generation"]) + 1
    _write(out, "Search over seeds", seeds, cells, f"After {gens} generations.")
    return {k: a for k, (_, a) in cells.items()}


def tune_aggregate(out: str | Path, seeds: Sequence[int], results: Sequence[dict]
                   ) -> dict[str, Aggregate]:
    """Aggregate each seed's tune.json: the tuned shared weight's and tuned weights' means."""
    cells: dict[str, tuple[str, Aggregate]] = {
        "best_shared_weight": ("best shared weight", aggregate(
            [r["best_shared_weight"] for r in results])),
        "tuned_shared_weight": ("tuned shared weight (test mean)", aggregate(
            [r["tuned_shared_weight"]["mean"] for r in results])),
    }
    if all("tuned_weights" in r for r in results):
        cells["tuned_weights"] = ("tuned weights (test mean)", aggregate(
            [r["tuned_weights"]["mean"] for r in results]))
    _write(Path(out), f"Tuning {results[0]['genome']} over seeds", seeds, cells)
    return {k: a for k, (_, a) in cells.items()}
