"""Same seed, same run folder as committed (tests/data/pre_change).

The reference files were written by `wann evolve` before the run loop became reporters and
regenerated once when the champion became re-tested (best_reps): that added the log's re-test
columns and changed best_ever_fitness and the checkpoint's champion, nothing else (the
population and best.json stayed byte for byte). A fresh run with the same settings must
reproduce the log (less the wall-clock columns), genomes, population table and checkpoint
contents exactly. tests/data/old_checkpoint_save_mod.json is the checkpoint as first written,
with settings removed since. Regenerate (only on an intended change of results) with
`python3 -m tests.test_same_seed`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from pathlib import Path

import pytest

from wann import checkpoint as ckp
from wann.cli import main
from wann.config import DATA_KEYS, REMOVED
from wann.layout import TIMING_COLUMNS

DATA = Path(__file__).parent / "data" / "pre_change"
TIMING = TIMING_COLUMNS
# Settings added since the committed run, at the value that reproduces it.
ADDED = {"fast_math": False}
RUNS = {
    "plain": [],
    "speciate": ["--config", str(DATA / "speciate.toml")],
}
ARGS = ["--task", "swingup", "--pop-size", "16", "--generations", "6", "--reps", "2",
        "--seed", "3", "--checkpoint-every", "4", "--backend", "compiled"]


def _csv_without_timing(text: str) -> str:
    rows = list(csv.DictReader(io.StringIO(text)))
    out = io.StringIO()
    cols = [c for c in (rows[0] if rows else {}) if c not in TIMING]
    w = csv.DictWriter(out, fieldnames=cols, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue()


def _checkpoint_contents(path: Path) -> str:
    """The checkpoint's decoded JSON body (its population listed genome by genome and its
    registry's table as a list, as version 1 of the format wrote them), less the log rows'
    wall-clock columns, the settings removed since (save_mod, which nothing read), those added since for
    classification tasks only (DATA_KEYS: minibatch, split, data digest) and those added since
    at their default (fast_math = false: the exact kernel, the only one before)."""
    data = path.read_bytes()
    body = data[data.index(b"\n") + 1 :]
    payload = json.loads(gzip.decompress(body))
    pop = payload["search"]["population"]
    if isinstance(pop, dict):  # version 2 packs it: compare it as version 1 listed it
        from wann.checkpoint import _read_population
        from wann.io import genome_to_dict

        payload["search"]["population"] = [genome_to_dict(g) for g in
                                           _read_population(pop, str(path))]
    reg = payload["search"]["registry"]
    if isinstance(reg["conn"], dict):  # version 3 packs the registry's table too
        from wann.checkpoint import _read_registry

        reg["conn"] = _read_registry(reg)["conn"].tolist()
    payload["rows"] = [{k: v for k, v in r.items() if k not in TIMING} for r in payload["rows"]]
    for hp in (payload["hp"], payload["search"]["hp"]):
        for key in (*REMOVED, *DATA_KEYS):
            hp.pop(key, None)
        for key, default in ADDED.items():
            if hp.get(key) == default:
                del hp[key]
    return json.dumps(payload, indent=1, sort_keys=True) + "\n"


def snapshot(run_dir: Path) -> dict[str, str]:
    """The files of a run folder that must not change for the same seed, normalised."""
    return {
        "log.csv": _csv_without_timing((run_dir / "log.csv").read_text()),
        "population.csv": (run_dir / "population.csv").read_text(),
        "best.json": (run_dir / "best.json").read_text(),
        "champion.json": (run_dir / "champion.json").read_text(),
        "checkpoint.json": _checkpoint_contents(run_dir / "checkpoint.ckpt"),
    }


def _evolve(name: str, out: Path) -> None:
    assert main(["evolve", *ARGS, *RUNS[name], "--out", str(out)]) == 0


@pytest.mark.parametrize("name", sorted(RUNS))
def test_same_seed_reproduces_the_committed_run(name: str, tmp_path: Path) -> None:
    _evolve(name, tmp_path / name)
    got = snapshot(tmp_path / name)
    for fname, text in got.items():
        want = (DATA / name / fname).read_text()
        if fname == "checkpoint.json":  # normalise the old file the same way
            want = json.dumps(_strip_removed(json.loads(want)), indent=1, sort_keys=True) + "\n"
        assert text == want, f"{name}/{fname} differs"


def _strip_removed(payload: dict) -> dict:
    for hp in (payload["hp"], payload["search"]["hp"]):
        for key in (*REMOVED, *DATA_KEYS):
            hp.pop(key, None)
    return payload


def test_old_checkpoint_with_removed_settings_loads(tmp_path: Path) -> None:
    """A checkpoint written before save_mod was removed still loads and resumes."""
    _evolve("plain", tmp_path / "run")
    ck = ckp.load(tmp_path / "run" / "checkpoint.ckpt")
    old = json.loads((DATA.parent / "old_checkpoint_save_mod.json").read_text())
    assert "save_mod" in old["hp"]
    assert ckp.decode_state(old["search"]).generation == ck.generation == 6
    assert ckp.decode_state(old["search"]).population[0].key() == ck.search.population[0].key()


if __name__ == "__main__":  # regenerate the reference files
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for name in RUNS:
            _evolve(name, Path(tmp) / name)
            (DATA / name).mkdir(parents=True, exist_ok=True)
            for fname, text in snapshot(Path(tmp) / name).items():
                (DATA / name / fname).write_text(text)
    sys.exit(0)
