"""One row type and one table writer for every task family's comparison.

A `Row` is one scored network; a `Style` says how a task family's table reads (its score
columns, how a cell prints, what the cost of making a network is counted in, the notes under
the table). `write_table` writes table.md, compare.csv, compare.json and compare.png from
rows and a style, whatever the family.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wann.io import write_files
from wann.plotting.comparison import bar_chart


@dataclass
class Row:
    """One line of a comparison table: a network, its size and cost, and its scores (one
    summary dict per column: mean, std, median, ...)."""

    name: str
    connections: int
    sparsity: float
    cost: int | None  # env steps (control) or training samples (classification); None: unknown
    scores: dict[str, dict]
    note: str = ""
    family: str = ""  # the method that made it (a curve's key); "wann" for the WANN row
    connected: bool = True  # some input reaches some output (else it computes a constant)
    best_shared_weight: float = float("nan")
    sweep: object = field(default=None, repr=False)


@dataclass(frozen=True)
class Style:
    """How one task family's comparison table reads."""

    title: str  # after "<task>: "
    columns: tuple[tuple[str, str], ...]  # (score key, label)
    intro: Callable[[int, int], str]  # (episodes, seed) -> the line under the title
    cell: Callable[[dict], str]
    cost_key: str  # compare.csv / compare.json name of the cost
    cost_label: str
    cost: Callable[[int | None], str]
    notes: Callable[[Sequence[Row]], list[str]]  # lines under the table
    note_in_name: bool = True
    digits: int = 4  # decimals of compare.csv's scores
    stats: tuple[str, ...] = ("mean", "std", "median")
    extra: Callable[[Row], dict[str, float | None]] = lambda r: {}  # more csv/json cells
    scale: float = 1.0  # scores as drawn (100: percent)
    unit: str = "return"
    baseline: float | None = 0.0  # a horizontal line on the bar chart


def slug(name: str) -> str:
    """A file name for a row's name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def markdown_table(style: Style, task: str, rows: Sequence[Row], episodes: int, seed: int,
                   intro: str | None = None) -> str:
    head = ["model", *(label for _, label in style.columns), "connections", "sparsity",
            style.cost_label]
    lines = [f"# {task}: {style.title}", "", intro or style.intro(episodes, seed), "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        name = r.name + (f" ({r.note})" if r.note and style.note_in_name else "")
        cells = [name, *(style.cell(r.scores[key]) for key, _ in style.columns),
                 str(r.connections), f"{r.sparsity:.1%}", style.cost(r.cost)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines + ["", *style.notes(rows)]) + "\n"


def csv_table(style: Style, rows: Sequence[Row]) -> str:
    buf = io.StringIO()
    cols = ["model", "note", "connections", "sparsity", style.cost_key, "best_shared_weight"]
    for key, _ in style.columns:
        cols += [f"{key}_{s}" for s in style.stats]
    extra_cols = list(style.extra(rows[0])) if rows else []
    cols += ["family", "connected", *extra_cols]
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        line = [r.name, r.note, r.connections, f"{r.sparsity:.6f}",
                "" if r.cost is None else r.cost, f"{r.best_shared_weight:.4g}"]
        for key, _ in style.columns:
            line += [f"{r.scores[key][s]:.{style.digits}f}" for s in style.stats]
        line += [r.family, int(r.connected),
                 *(f"{v:.4f}" if v is not None and v == v else "" for v in style.extra(r).values())]
        w.writerow(line)
    return buf.getvalue()


def sweeps_csv(rows: Sequence[Row]) -> str:
    lines = ["model,weight,mean,std"]
    for r in rows:
        if r.sweep is None:
            continue
        for w, m, s in zip(r.sweep.weights, r.sweep.mean, r.sweep.std):
            lines.append(f"{r.name},{w:.6g},{m:.6f},{s:.6f}")
    return "\n".join(lines) + "\n"


def row_record(style: Style, r: Row) -> dict:
    """A row as compare.json holds it."""
    extra = {k: (v if v is not None and v == v else None) for k, v in style.extra(r).items()}
    return {"model": r.name, "note": r.note, "connections": r.connections,
            "sparsity": r.sparsity, style.cost_key: r.cost,
            "best_shared_weight": r.best_shared_weight, "scores": r.scores,
            "family": r.family, "connected": r.connected, **({"ratios": extra} if extra else {})}


def row_from_record(r: dict) -> Row:
    """A row as compare.json holds it (without its sweep)."""
    cost = r.get("env_steps", r.get("training_samples"))
    return Row(r["model"], int(r["connections"]), float(r["sparsity"]), cost, r["scores"],
               r.get("note", ""), r.get("family", ""), bool(r.get("connected", True)),
               float(r.get("best_shared_weight", float("nan"))))


def write_table(out: Path, style: Style, task: str, rows: Sequence[Row], seed: int,
                episodes: int, record: dict, ylabel: str, intro: str | None = None) -> None:
    """table.md, compare.csv, sweeps.csv (where rows have sweeps), compare.json (`record`
    plus the rows) and compare.png."""
    record = {**record, "rows": [row_record(style, r) for r in rows]}
    files = {"table.md": markdown_table(style, task, rows, episodes, seed, intro),
             "compare.csv": csv_table(style, rows),
             "sweeps.csv": sweeps_csv(rows) if any(r.sweep is not None for r in rows) else None,
             "compare.json": json.dumps(record, indent=1) + "\n"}
    write_files(out, files)
    bar_chart(style, task, rows, out / "compare.png", ylabel)


def print_rows(style: Style, rows: Sequence[Row]) -> str:
    """One seed's table as plain text."""
    width = max(len(r.name) for r in rows)
    lines = [f"{'model':<{width}}  " + "  ".join(f"{label:>20}" for _, label in style.columns)]
    for r in rows:
        lines.append(f"{r.name:<{width}}  " + "  ".join(
            f"{style.cell(r.scores[k]):>20}" for k, _ in style.columns))
    return "\n".join(lines)
