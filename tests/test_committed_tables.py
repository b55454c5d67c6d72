"""The committed small comparisons (results/compare-small/) reproduce bit for bit: the same
command gives the same tables on both task families."""

from __future__ import annotations

from pathlib import Path

import pytest

from wann.cli import main

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "results" / "compare-small"
SAME = ("table.md", "compare.csv", "curves.csv")


def check(out: Path, folder: Path, files: tuple[str, ...]) -> None:
    for f in files:
        assert (out / f).read_text() == (folder / f).read_text(), f


def test_swingup_comparison_reproduces(ref, tmp_path, capsys) -> None:
    out = tmp_path / "swingup"
    assert main(["compare", "--quick", "--champion", str(ref / "champions" / "swing.out"),
                 "--task", "swingup", "--sparsities", "0.5", "0.9", "--generations", "2",
                 "--finetune-generations", "1", "--tune-generations", "1", "--rollouts", "1",
                 "--episodes", "3", "--dense-hidden", "10", "--grid", "5",
                 "--sweep-episodes", "2", "--workers", "2", "--out", str(out)]) == 0
    capsys.readouterr()
    check(out, SMALL / "swingup", (*SAME, "sweeps.csv"))
    assert sorted(p.name for p in (out / "genomes").iterdir()) == sorted(
        p.name for p in (SMALL / "swingup" / "genomes").iterdir())


def test_digits_comparison_reproduces(tmp_path, capsys) -> None:
    champion = ROOT / "results" / "digits" / "champion.json"
    if not champion.is_file():
        pytest.skip("results/digits/champion.json is not in this checkout")
    out = tmp_path / "digits"
    assert main(["compare", "--task", "digits", "--champion", str(champion), "--methods", "all",
                 "--sparsities", "0.5", "0.9", "--dense-hidden", "20", "10", "--epochs", "1",
                 "--episodes", "5", "--out", str(out)]) == 0
    capsys.readouterr()
    check(out, SMALL / "digits", (*SAME, "noise.csv", "layer_reinit.csv"))
