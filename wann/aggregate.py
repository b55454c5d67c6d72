"""Aggregates over the seed folders of a several-seed command (`--seeds`): a table of the mean
over seeds, its 95% bootstrap interval and the IQM, as markdown and JSON."""

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


def compare_aggregate(out: str | Path, task_name: str, seeds: Sequence[int],
                      per_seed: Sequence[Sequence], labels: dict[str, str], episodes: int) -> str:
    """The comparison over seeds: table.md, compare.csv and the curves over every seed.

    Rows are matched by name across seeds (the WANN row's connections differ per seed);
    every cell is the mean over seeds of that seed's test-episode mean, with its 95% bootstrap
    interval; the own-weights column also gets its IQM. Returns the markdown table.
    """
    from wann.compare import COLUMNS, RATIOS, summary_ratios
    from wann.curves import curve_points, write_curves

    out = Path(out)
    names = [r.name for r in per_seed[0]]
    by_name = [{r.name: r for r in rows} for rows in per_seed]
    head = ["model", *(label for _, label in COLUMNS), "IQM (tuned weights)", "connections",
            "disconnected"]
    lines = [f"# {task_name}: WANN against dense, pruned and random networks, {len(seeds)} seeds",
             "", f"Seeds {', '.join(map(str, seeds))}; each seed scores every row on its own "
             f"{episodes} test episodes (the same for every row of that seed).", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    csv_rows = []
    for name in names:
        rs = [b[name] for b in by_name if name in b]
        cells = {key: aggregate([r.scores[key]["mean"] for r in rs]) for key, _ in COLUMNS}
        conns = aggregate([r.connections for r in rs])
        dead = sum(not r.connected for r in rs)
        conn_txt = f"{conns.mean:.0f}" if conns.low == conns.high else conns.cell(0)
        lines.append("| " + " | ".join([
            name, *(cells[k].cell(0) for k, _ in COLUMNS), f"{cells['tuned_weights'].iqm:.0f}",
            conn_txt, f"{dead}/{len(rs)}" if dead else "—"]) + " |")
        line = {"model": name, "family": rs[0].family, "n_seeds": len(rs),
                "connections_mean": conns.mean, "n_disconnected": dead}
        for key, _ in COLUMNS:
            a = cells[key]
            line.update({f"{key}_mean": a.mean, f"{key}_ci_low": a.low,
                         f"{key}_ci_high": a.high, f"{key}_iqm": a.iqm})
        csv_rows.append(line)
    lines += ["", FOOTNOTE, "A cell is the mean over seeds of each seed's mean over its test "
              "episodes (the ± in each seed-N/table.md is the standard deviation over episodes). "
              "connections: the mean over seeds where they differ (the WANN's), with its interval.",
              "disconnected: in how many seeds no input reaches an output."]
    wanns = [next((r for r in rows if r.family == "wann"), None) for rows in per_seed]
    if all(w is not None for w in wanns):
        ratio = [summary_ratios(w) for w in wanns]
        lines += ["", "The WANN paper's summary ratios (WANN row, each seed's column mean over "
                  "its random-weights mean), over seeds:", ""]
        for key, _, label in RATIOS:
            vals = [r[key] for r in ratio if r[key] == r[key]]
            if vals:
                a = aggregate(vals)
                lines.append(f"- {label}: {a.cell(2)} (IQM {a.iqm:.2f}; "
                             f"{', '.join(f'{v:.2f}' for v in vals)})")
    text = "\n".join(lines) + "\n"
    atomic_write(out / "table.md", text)
    cols = list(csv_rows[0])
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    w.writerows(csv_rows)
    atomic_write(out / "compare.csv", buf.getvalue())
    points = [p for s, rows in zip(seeds, per_seed) for p in curve_points(rows, s, list(labels))]
    write_curves(out, points, labels, f"{task_name}: return against remaining connections, "
                 f"{len(seeds)} seeds")
    return text
