"""The README's numbers are what its own commands print: this runs the commands shown beside
the Table 1 reproduction and checks the table, cell by cell."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wann.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def run_json(args: list[str], capsys: pytest.CaptureFixture) -> dict:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def readme_row(label: str) -> list[str]:
    for line in README.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no table row {label!r} in the README")


def pm(s: dict) -> str:
    return f"{s['mean']:.0f} ± {s['std']:.0f}"


def test_table_1_row_is_what_eval_and_tune_print(ref: Path, tmp_path: Path, capsys) -> None:
    champ = str(ref / "champions" / "swing.out")
    tuned = str(ref / "tuned" / "cartpole_swingup.wann.json")
    ev = run_json(["eval", champ, "--task", "swingup", "--random", "--tuned", tuned], capsys)
    tu = run_json(["tune", champ, "--task", "swingup", "--sweep-only", "--out",
                   str(tmp_path / "tune")], capsys)
    random_w, random_shared, tuned_shared, tuned_w = readme_row("wann")
    assert random_w == pm(ev["random_weights"])
    assert random_shared == pm(ev["random_shared_weight"])
    w = re.search(r"w = ([-+.\d]+)", tuned_shared).group(1)
    assert tuned_shared == f"{pm(tu['tuned_shared_weight'])} (w = {w})"
    assert float(w) == pytest.approx(tu["best_shared_weight"])
    assert tuned_w == f"{pm(ev['own_weights'])}, median {ev['own_weights']['median']:.0f}"


def test_the_laptop_swing_champion_scores_what_the_readme_says(capsys) -> None:
    champ = README.parent / "results" / "laptop_swing" / "champion.json"
    ev = run_json(["eval", str(champ)], capsys)
    text = " ".join(README.read_text().split())
    assert f"scores {pm(ev['all_shared_weights'])} over the six shared weights" in text
    at_1 = next(s for s in ev["shared_weights"] if s["weight"] == 1.0)
    assert f"{pm(at_1)} at w = 1" in text
