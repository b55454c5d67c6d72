"""A comparison over seeds: every row's columns as the mean over seeds with a 95% bootstrap
interval and the IQM (wann.stats), as a typed table and as table.md, compare.csv and curves.

Rows are matched by name across seeds (the WANN row's connections differ per seed); every
cell is the mean over seeds of that seed's mean (over test episodes or random draws).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wann.comparison.table import Row, Style
from wann.io import write_files
from wann.plotting.curves import curve_points, curves_title, write_curves
from wann.stats import FOOTNOTE, Aggregate, aggregate


@dataclass(frozen=True)
class AggregateRow:
    """One row of a comparison over seeds: each column's aggregate, the connections'."""

    name: str
    family: str
    cells: dict[str, Aggregate]
    connections: Aggregate
    n_seeds: int
    n_disconnected: int


def aggregate_rows(style: Style, per_seed: Sequence[Sequence[Row]]) -> list[AggregateRow]:
    """The rows of the first seed, in order (a name missing from a seed is left out of it)."""
    by_name = [{r.name: r for r in rows} for rows in per_seed]
    out = []
    for name in [r.name for r in per_seed[0]]:
        rs = [b[name] for b in by_name if name in b]
        out.append(AggregateRow(
            name, rs[0].family,
            {key: aggregate([r.scores[key]["mean"] for r in rs]) for key, _ in style.columns},
            aggregate([r.connections for r in rs]), len(rs), sum(not r.connected for r in rs)))
    return out


def compare_aggregate(out: str | Path | None, style: Style, task: str, seeds: Sequence[int],
                      per_seed: Sequence[Sequence[Row]], labels: dict[str, str], episodes: int,
                      ratios: object = None) -> tuple[list[AggregateRow], str]:
    """Write table.md, compare.csv and the curves over every seed (with `out`); the rows and
    the markdown. `ratios`: a row's summary ratios (the control family's), over seeds."""
    rows = aggregate_rows(style, per_seed)
    sc = style.scale
    what = "test episodes" if style.unit == "return" else "random draws and test images"
    digits = 1 if sc != 1 else 0
    head = ["model", *(label for _, label in style.columns), "IQM (tuned weights)",
            "connections", "disconnected"]
    lines = [f"# {task}: {style.title}, {len(seeds)} seeds", "",
             f"Seeds {', '.join(map(str, seeds))}; each seed scores every row on its own "
             f"{episodes} {what} (the same for every row of that seed).", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    csv_rows = []
    for a in rows:
        cells = {k: v.scaled(sc) for k, v in a.cells.items()}
        conns = a.connections
        conn_txt = f"{conns.mean:.0f}" if conns.low == conns.high else conns.cell(0)
        lines.append("| " + " | ".join([
            a.name, *(cells[k].cell(digits) for k, _ in style.columns),
            f"{cells['tuned_weights'].iqm:.{digits}f}", conn_txt,
            f"{a.n_disconnected}/{a.n_seeds}" if a.n_disconnected else "—"]) + " |")
        line = {"model": a.name, "family": a.family, "n_seeds": a.n_seeds,
                "connections_mean": conns.mean, "n_disconnected": a.n_disconnected}
        for key, _ in style.columns:
            v = a.cells[key]
            line.update({f"{key}_mean": v.mean, f"{key}_ci_low": v.low,
                         f"{key}_ci_high": v.high, f"{key}_iqm": v.iqm})
        csv_rows.append(line)
    within = ("over its test episodes (the ± in each seed-N/table.md is the standard deviation "
              "over episodes)" if style.unit == "return" else "(the ± in each seed-N/table.md is "
              "the standard deviation over random draws)")
    lines += ["", FOOTNOTE, f"A cell is the mean over seeds of each seed's mean {within}. "
              "connections: the mean over seeds where they differ (the WANN's), with its interval.",
              "disconnected: in how many seeds no input reaches an output."]
    wanns = [next((r for r in rs if r.family == "wann"), None) for rs in per_seed]
    if ratios is not None and all(w is not None for w in wanns):
        per = [ratios.of(w) for w in wanns]
        lines += ["", "The WANN paper's summary ratios (WANN row, each seed's column mean over "
                  "its random-weights mean), over seeds:", ""]
        for key, _, label in ratios.labels:
            vals = [r[key] for r in per if r[key] == r[key]]
            if vals:
                a = aggregate(vals)
                lines.append(f"- {label}: {a.cell(2)} (IQM {a.iqm:.2f}; "
                             f"{', '.join(f'{v:.2f}' for v in vals)})")
    text = "\n".join(lines) + "\n"
    if out is None:
        return rows, text
    out = Path(out)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(csv_rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(csv_rows)
    write_files(out, {"table.md": text, "compare.csv": buf.getvalue()})
    points = [p for s, rs in zip(seeds, per_seed) for p in curve_points(rs, s, list(labels))]
    write_curves(out, points, labels, curves_title(task, style.unit, seeds), style.unit)
    return rows, text

