"""The Python API: same results as the command line, no files unless asked, own env factories."""

from __future__ import annotations

import csv
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import wann
from tests.conftest import log_rows, need
from wann.cli import main
from wann.layout import TEXT_COLUMNS, TIMING_COLUMNS

DATA = Path(__file__).parent / "data" / "pre_change" / "plain"
SETTINGS = {"pop_size": 16, "generations": 6, "n_reps": 2, "checkpoint_every": 4}


def test_evolve_equals_the_command_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = wann.evolve("swingup", SETTINGS, backend="compiled", seed=3)
    assert list(tmp_path.iterdir()) == []
    got = [{k: str(v) for k, v in r.items() if k not in TIMING_COLUMNS} for r in result.history]
    assert got == log_rows(DATA / "log.csv")
    champion = wann.load_genome(DATA / "champion.json")
    assert result.champion.key() == champion.key()
    assert result.fitness == champion.meta["fitness"]
    assert len(result.population) == 16
    np.testing.assert_array_equal(result.column("generation"), np.arange(6))


def test_evolve_with_out_writes_the_run_folder(tmp_path: Path) -> None:
    wann.evolve("swingup", SETTINGS, backend="compiled", seed=3, out=tmp_path / "run")
    assert log_rows(tmp_path / "run") == log_rows(DATA / "log.csv")
    with pytest.raises(wann.WannError, match="already holds a run"):
        wann.evolve("swingup", SETTINGS, seed=3, out=tmp_path / "run")


def test_a_bad_env_factory_is_refused_like_a_bad_gymnasium_id() -> None:
    class Pixels(gym.Env):
        observation_space = gym.spaces.Box(0, 1, shape=(4, 4))
        action_space = gym.spaces.Discrete(2)

    with pytest.raises(wann.WannError, match="observation space must be a flat Box"):
        wann.evolve(Pixels, SETTINGS)
    with pytest.raises(wann.WannError, match="unknown task"):
        wann.evolve("NoSuchEnv-v9", SETTINGS)


def test_evaluate_and_score_match_wann_eval(capsys: pytest.CaptureFixture) -> None:
    champion = wann.load_genome(DATA / "champion.json")
    r = wann.evaluate([champion, champion], "swingup", (1.0, 2.0), 3)
    assert r.shape == (2, 2, 3) and np.array_equal(r[0], r[1])
    s = wann.score(DATA / "champion.json", episodes=3)
    assert main(["eval", str(DATA / "champion.json"), "--episodes", "3", "--json"]) == 0
    import json

    cli = json.loads(capsys.readouterr().out)
    assert s["all_shared_weights"] == cli["all_shared_weights"]


def tensorboard_scalars(folder: Path) -> dict[tuple[str, int], float]:
    """Every scalar in a folder's TensorBoard event files, {(tag, step): value}, read as
    TensorBoard reads them: TFRecords (length, CRC, an Event protobuf, CRC)."""
    import struct

    event_pb2 = need("tensorboardX.proto.event_pb2", "tensorboard")
    scalars = {}
    for path in sorted(folder.glob("events.out.tfevents.*")):
        data, at = path.read_bytes(), 0
        while at < len(data):
            (length,) = struct.unpack_from("<Q", data, at)
            event = event_pb2.Event.FromString(data[at + 12 : at + 12 + length])
            at += 12 + length + 4
            for value in event.summary.value:
                scalars[value.tag, event.step] = value.simple_value
    return scalars


def test_tensorboard_reporter_writes_scalars(tmp_path: Path) -> None:
    """TensorBoard's scalars, read back, are the numeric columns of log.csv, per generation."""
    need("tensorboardX", "tensorboard")
    out, tb = tmp_path / "run", tmp_path / "tb"
    assert main(["evolve", "--task", "swingup", "--pop-size", "8", "--generations", "2",
                 "--out", str(out), "--tensorboard", str(tb)]) == 0
    with open(out / "log.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2
    expected = {(f"wann/{k}", int(r["generation"])): float(v) for r in rows for k, v in r.items()
                if k not in TEXT_COLUMNS and k != "generation"}
    assert {"wann/best_fitness", "wann/median_fitness", "wann/best_connections"} <= {
        tag for tag, _ in expected}
    got = tensorboard_scalars(tb)
    assert got.keys() == expected.keys()
    for key, value in expected.items():  # TensorBoard keeps float32
        assert got[key] == pytest.approx(value, rel=1e-6, abs=1e-6), key


def test_reporters_see_every_hook_and_the_error_that_stopped_the_run() -> None:
    calls: list[str] = []

    class Recorder(wann.Reporter):
        def start(self, run: wann.Run) -> None:
            calls.append("start")

        def generation(self, run: wann.Run, stats: object, row: dict) -> None:
            calls.append(f"gen {row['generation']}")
            if row["generation"] == 1:
                raise KeyboardInterrupt

        def end(self, run: wann.Run) -> None:
            calls.append(f"end {type(run.error).__name__}")

    with pytest.raises(KeyboardInterrupt):
        wann.evolve("swingup", SETTINGS, seed=3, reporters=[Recorder()])
    assert calls == ["start", "gen 0", "gen 1", "end KeyboardInterrupt"]
