"""Reading what a run wrote to disk, for the figures (plots never touch a live search).

A run folder holds log.csv (one row per generation), config.toml, champion.json,
population.csv (the last generation's individuals) and, after `wann tune` or
`wann plot --sweep`, sweep.csv (the champion's return against the shared weight).
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from wann import WannError, layout
from wann.genome import Genome
from wann.io import load_genome
from wann.layout import LOG_COLUMNS, OPTIONAL_LOG_COLUMNS, POPULATION_COLUMNS, TEXT_COLUMNS
from wann.tasks import BUILTIN

SWEEP_FILE = layout.SWEEP


@dataclass
class RunData:
    """One run folder's files, parsed: log columns as float arrays (text columns as lists)."""

    path: Path
    log: dict[str, np.ndarray]
    text: dict[str, list[str]]
    settings: dict = field(default_factory=dict)
    config_text: str = ""
    champion: Genome | None = None
    population: dict[str, np.ndarray] | None = None
    sweep: dict[str, np.ndarray] | None = None

    @property
    def name(self) -> str:
        return self.path.name or str(self.path)

    @property
    def task(self) -> str | None:
        t = self.settings.get("task")
        if t is None and self.champion is not None:
            t = self.champion.meta.get("task")
        return t

    @property
    def generations(self) -> np.ndarray:
        return self.log["generation"]

    @property
    def n_io(self) -> int | None:
        """Bias + inputs + outputs, to turn node counts into hidden-node counts."""
        g = self.champion
        return None if g is None else 1 + g.n_in + g.n_out


def solved_threshold(task: str | None) -> float | None:
    spec = BUILTIN.get(task or "")
    return None if spec is None else spec.solved


def io_names(task: str | None, n_in: int, n_out: int) -> tuple[list[str], list[str]]:
    """Input and output names of a task, as its family names them (generic ones where the
    task names none)."""
    from wann.families import CONTROL, family_of

    return (family_of(task) if task else CONTROL).io_names(task or "", n_in, n_out)


def read_table(path: Path, columns: tuple[str, ...], text: tuple[str, ...] = (),
               optional: tuple[str, ...] = ()
               ) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """A CSV with a header as columns; every column but `text` must be numeric (an empty
    cell reads as NaN); an `optional` column a file lacks reads as all NaN."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
            header = rows[0].keys() if rows else []
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise WannError(f"cannot read {str(path)!r}: {exc}") from None
    if not rows:
        raise WannError(f"{str(path)!r} holds no rows yet (an empty log: has the run started?)")
    missing = [c for c in columns if c not in header and c not in optional]
    if missing:
        raise WannError(f"{str(path)!r} lacks the column {missing[0]!r}; is it a wann file?")
    nums, texts = {}, {}
    for c in columns:
        vals = [r.get(c) or "nan" for r in rows]
        if c in text:
            texts[c] = vals
            continue
        try:
            nums[c] = np.array([float(v) for v in vals])
        except (TypeError, ValueError):
            raise WannError(f"{str(path)!r}: column {c!r} holds a value that is not a number"
                            ) from None
    return nums, texts


def read_sweep(path: Path) -> dict[str, np.ndarray]:
    nums, _ = read_table(path, ("weight", "mean", "std"))
    return nums


def load_run(path: str | Path) -> RunData:
    """Parse a run folder; a folder with no log, or an empty log, is one clear error."""
    p = Path(path)
    if not p.is_dir():
        raise WannError(f"run folder {str(p)!r} does not exist")
    log_path = p / layout.LOG
    if not log_path.is_file():
        raise WannError(f"{str(p)!r} holds no log.csv: not a run folder (or not started)")
    log, text = read_table(log_path, LOG_COLUMNS, TEXT_COLUMNS, OPTIONAL_LOG_COLUMNS)
    run = RunData(p, log, text)
    cfg = p / layout.CONFIG
    if cfg.is_file():
        try:
            run.config_text = cfg.read_text()
            run.settings = tomllib.loads(run.config_text)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise WannError(f"cannot read {str(cfg)!r}: {exc}") from None
    if (p / layout.CHAMPION).is_file():
        run.champion = load_genome(p / layout.CHAMPION)
    if (p / layout.POPULATION).is_file():
        run.population, _ = read_table(p / layout.POPULATION, POPULATION_COLUMNS)
    if (p / SWEEP_FILE).is_file():
        run.sweep = read_sweep(p / SWEEP_FILE)
    return run
