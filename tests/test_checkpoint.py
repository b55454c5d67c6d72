"""Checkpoint and resume: an interrupted run, resumed, equals the run made in one go.

Compared exactly: every column of log.csv except the wall-clock ones (TIMING_COLUMNS), and
champion.json, best.json and population.csv byte for byte. Interruptions covered: a normal
stop extended with --generations, an exception from the evaluation backend, Ctrl-C (SIGINT), SIGTERM
and SIGKILL of a real `wann evolve` process between checkpoints.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import log_rows
from wann import WannError
from wann import checkpoint as ckp
from wann.cli import main
from wann.config import preset
from wann.evaluation import make_evaluator
from wann.layout import LOG_COLUMNS, TIMING_COLUMNS
from wann.run import Run
from wann.tasks import get_task

GENS = 32
EVERY = 4
FLAGS = ["--task", "swingup", "--pop-size", "16", "--reps", "2", "--seed", "5",
         "--checkpoint-every", str(EVERY)]
PAUSE_AT = 6  # the generation a child stops before, between the checkpoints of 4 and 8
# A child that turns SIGINT into KeyboardInterrupt even where the parent shell ignores it, and
# that stops at a chosen point, after saying so in a marker file: the test signals it there, so
# where the signal lands does not depend on timing. The points: "ask", before asking for
# generation PAUSE_AT; "log", just after log.csv got generation PAUSE_AT's row (the window
# where a signal used to race the checkpoint).
CHILD = """
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
at, where = int(os.environ["WANN_TEST_PAUSE_AT"]), os.environ["WANN_TEST_PAUSE_IN"]
def pause():
    open(os.environ["WANN_TEST_PAUSED"], "w").close()
    while True:
        time.sleep(0.01)
from wann.search import Search
_ask, _replace = Search.ask, os.replace
def ask(self):
    if where == "ask" and self.generation == at:
        pause()
    return _ask(self)
def replace(src, dst, *a, **k):
    _replace(src, dst, *a, **k)
    if where == "log" and os.path.basename(dst) == "log.csv":
        with open(dst) as f:
            if sum(1 for _ in f) == at + 2:  # the header and rows 0..at
                pause()
Search.ask, os.replace = ask, replace
from wann.cli import main
sys.exit(main(sys.argv[1:]))
"""

def strip_timing(rows: list[dict]) -> list[dict]:
    """Checkpoint rows as log.csv would print them, without the wall-clock columns."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=LOG_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return [{k: v for k, v in r.items() if k not in TIMING_COLUMNS}
            for r in csv.DictReader(io.StringIO(buf.getvalue()))]


def assert_same_run(a: Path, b: Path) -> None:
    assert log_rows(a / "log.csv") == log_rows(b / "log.csv")
    for name in ("champion.json", "best.json", "population.csv", "config.toml"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def folder_digest(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


def start_child(out: Path, marker: Path, where: str = "ask") -> subprocess.Popen:
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "WANN_TEST_PAUSE_AT": str(PAUSE_AT),
           "WANN_TEST_PAUSE_IN": where, "WANN_TEST_PAUSED": str(marker)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, "evolve", *FLAGS, "--generations", str(GENS),
         "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def n_log_rows(out: Path) -> int:
    try:
        return max(len((out / "log.csv").read_text().splitlines()) - 1, 0)
    except OSError:
        return 0


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Three real runs side by side, each stopped before generation PAUSE_AT (between two
    checkpoints) and then killed with SIGKILL, interrupted by SIGINT or terminated by SIGTERM;
    then the uninterrupted reference, made in this process."""
    base = tmp_path_factory.mktemp("interrupt")
    dirs = {"kill": base / "killed", "int": base / "ctrl_c", "term": base / "terminated",
            "mid": base / "ctrl_c_mid_generation"}
    sig = {"kill": signal.SIGKILL, "int": signal.SIGINT, "term": signal.SIGTERM,
           "mid": signal.SIGINT}
    markers = {name: base / f"{name}.paused" for name in dirs}
    procs = {name: start_child(d, markers[name], "log" if name == "mid" else "ask")
             for name, d in dirs.items()}
    waiting = set(procs)
    try:
        while waiting:
            for name in sorted(waiting):
                if markers[name].exists():
                    procs[name].send_signal(sig[name])
                    waiting.discard(name)
                elif procs[name].poll() is not None:
                    pytest.fail(f"wann evolve ended before it was interrupted: "
                                f"{procs[name].stderr.read()}")
            time.sleep(0.01)
        results = {}
        for name, p in procs.items():
            _, err = p.communicate(timeout=120)
            results[name] = (p.returncode, err)
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
    ref_dir = base / "reference"
    assert main(["evolve", *FLAGS, "--generations", str(GENS), "--out", str(ref_dir)]) == 0
    return {"killed": dirs["kill"], "ctrl_c": dirs["int"], "terminated": dirs["term"],
            "mid": dirs["mid"], "reference": ref_dir, "results": results}


def test_sigkill_between_checkpoints_resumes_to_the_same_run(interrupted: dict) -> None:
    killed, ref = interrupted["killed"], interrupted["reference"]
    assert interrupted["results"]["kill"][0] == -signal.SIGKILL
    ck = ckp.load(ckp.path_in(killed))  # the last complete checkpoint, whole
    assert n_log_rows(killed) == PAUSE_AT
    assert ck.generation == PAUSE_AT // EVERY * EVERY
    # Nothing before the checkpoint is lost: its rows are the reference's first rows.
    assert strip_timing(ck.rows) == log_rows(ref / "log.csv")[: ck.generation]
    assert main(["evolve", "--resume", str(killed)]) == 0
    assert_same_run(ref, killed)
    assert ckp.load(ckp.path_in(killed)).generation == GENS


def test_ctrl_c_writes_the_last_generation_and_resumes(interrupted: dict) -> None:
    stopped, ref = interrupted["ctrl_c"], interrupted["reference"]
    rc, err = interrupted["results"]["int"]
    assert rc == 130, err
    assert "interrupted" in err and "--resume" in err
    ck = ckp.load(ckp.path_in(stopped))
    # The checkpoint holds the last completed generation, past the last periodic one.
    assert ck.generation == n_log_rows(stopped) == PAUSE_AT
    assert strip_timing(ck.rows) == log_rows(ref / "log.csv")[: ck.generation]
    assert main(["evolve", "--resume", str(stopped)]) == 0
    assert_same_run(ref, stopped)


def test_ctrl_c_just_after_a_logged_row_keeps_that_generation(interrupted: dict) -> None:
    """Interrupted just after log.csv got generation PAUSE_AT's row (the window that used to
    race the checkpoint): a generation the log shows is complete, and in the checkpoint."""
    stopped, ref = interrupted["mid"], interrupted["reference"]
    rc, err = interrupted["results"]["mid"]
    assert rc == 130, err
    ck = ckp.load(ckp.path_in(stopped))
    assert ck.generation == n_log_rows(stopped) == PAUSE_AT + 1
    assert strip_timing(ck.rows) == log_rows(ref / "log.csv")[: PAUSE_AT + 1]
    assert main(["evolve", "--resume", str(stopped)]) == 0
    assert_same_run(ref, stopped)


def test_sigterm_writes_the_last_generation_and_resumes(interrupted: dict) -> None:
    stopped, ref = interrupted["terminated"], interrupted["reference"]
    rc, err = interrupted["results"]["term"]
    assert rc == 143, err
    assert "wann: terminated" in err and "--resume" in err and "Traceback" not in err
    ck = ckp.load(ckp.path_in(stopped))
    assert ck.generation == n_log_rows(stopped) == PAUSE_AT
    assert main(["evolve", "--resume", str(stopped)]) == 0
    assert_same_run(ref, stopped)


def test_normal_stop_extended_equals_one_go(interrupted: dict, tmp_path: Path) -> None:
    out = tmp_path / "short"
    assert main(["evolve", *FLAGS, "--generations", "9", "--out", str(out)]) == 0
    assert ckp.load(ckp.path_in(out)).generation == 9  # the final checkpoint
    assert main(["evolve", "--resume", str(out), "--generations", str(GENS)]) == 0
    assert_same_run(interrupted["reference"], out)


class FailingEvaluator:
    """Wraps a real evaluator and fails at one generation, as a crashed backend would."""

    def __init__(self, inner: object, fail_at_call: int) -> None:
        self.inner, self.calls, self.fail_at = inner, 0, fail_at_call

    def evaluate(self, batch, weights, seeds):  # noqa: ANN001, ANN201
        if self.calls == self.fail_at:
            raise RuntimeError("backend lost")
        self.calls += 1
        return self.inner.evaluate(batch, weights, seeds)

    def drain_events(self) -> list:
        return self.inner.drain_events()

    def close(self) -> None:
        self.inner.close()


def test_error_in_backend_keeps_last_completed_generation(
    interrupted: dict, tmp_path: Path
) -> None:
    task = get_task("swingup")
    # The settings the CLI resolves from FLAGS (the quick preset under the flags).
    hp = preset("quick").replace(pop_size=16, generations=GENS, checkpoint_every=EVERY)
    # Two evaluator calls per generation (the population, then its best's re-test): call 12 is
    # generation 6's first.
    ev = FailingEvaluator(make_evaluator(task, "compiled"), fail_at_call=12)
    out = tmp_path / "crashed"
    run = Run.new(task, hp, ev, out, seed=5)
    with pytest.raises(RuntimeError, match="backend lost"):
        run.run()
    assert ckp.load(ckp.path_in(out)).generation == 6  # not 4: nothing completed is lost
    assert main(["evolve", "--resume", str(out)]) == 0
    assert_same_run(interrupted["reference"], out)


@pytest.fixture(scope="module")
def small_ckpt(interrupted: dict) -> bytes:
    return ckp.path_in(interrupted["reference"]).read_bytes()


def test_round_trip_is_exact(small_ckpt: bytes) -> None:
    ck = ckp.decode(small_ckpt)
    assert ckp.encode(ck) == small_ckpt
    assert ck.task == "swingup" and ck.seed == 5 and ck.generation == GENS
    assert all(isinstance(g.node_act, np.ndarray) for g in ck.search.population)


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[: len(b) // 2], "corrupted or truncated"),
    (lambda b: b[:-40] + bytes([b[-40] ^ 0xFF]) + b[-39:], "corrupted or truncated"),
    (lambda b: b"\x80\x04garbage" + b, "not a wann checkpoint"),
    (lambda b: b"", "not a wann checkpoint"),
    (lambda b: b.replace(f'"version": {ckp.VERSION}'.encode(), b'"version": 99', 1),
     "version 99 is not supported"),
])
def test_damaged_checkpoint_is_one_clear_error(small_ckpt: bytes, damage, message) -> None:  # noqa: ANN001
    with pytest.raises(WannError, match=message):
        ckp.decode(damage(small_ckpt))


def _rewrapped(ckpt: ckp.Checkpoint, version: int, edit=None) -> bytes:  # noqa: ANN001
    """A checkpoint file whose body is edited JSON under a valid header (as another writer
    would make it)."""
    import gzip
    import hashlib
    import json

    payload = json.loads(gzip.decompress(ckp.encode(ckpt).partition(b"\n")[2]))
    if edit is not None:
        edit(payload)
    body = gzip.compress(json.dumps(payload).encode())
    header = {"format": ckp.FORMAT, "version": version, "generation": ckpt.generation,
              "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    return json.dumps(header).encode() + b"\n" + body


@pytest.mark.parametrize("version", [1, 2])
def test_arrays_are_packed_and_older_versions_still_read(small_ckpt: bytes, version: int) -> None:
    """Version 3 writes the population and the innovation registry's table as compressed
    arrays; a version 1 file (every genome and the registry as JSON lists) and a version 2
    file (the registry as a JSON list) give the same search state, and are written again as
    the same version 3 bytes."""
    from wann.io import genome_to_dict

    ck = ckp.decode(small_ckpt)
    body = __import__("gzip").decompress(small_ckpt.partition(b"\n")[2])
    assert b'"packed"' in body and b'"delta":true' in body

    def older(payload: dict) -> None:
        payload["search"]["registry"]["conn"] = ck.search.registry["conn"].tolist()
        if version == 1:
            payload["search"]["population"] = [genome_to_dict(g) for g in ck.search.population]

    old = ckp.decode(_rewrapped(ck, version, older))
    assert len(old.search.population) == len(ck.search.population)
    for a, b in zip(old.search.population, ck.search.population):
        for f in ("node_id", "node_kind", "node_act", "conn_innov", "conn_src", "conn_dst",
                  "conn_enabled", "conn_weight"):
            np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    np.testing.assert_array_equal(np.asarray(old.search.registry["conn"]),
                                  ck.search.registry["conn"])
    assert ckp.encode(old) == small_ckpt


@pytest.mark.parametrize("edit", [
    lambda p: p["search"]["population"]["packed"]["arrays"]["conn_off"].update(
        data=__import__("base64").b64encode(__import__("zlib").compress(
            np.array([0, 5, 3], "<i4").tobytes())).decode()),
    lambda p: p["search"]["population"]["packed"]["arrays"]["conn_src"].update(dtype="<c16"),
    lambda p: p["search"]["population"]["packed"]["arrays"]["node_id"].update(data="@@"),
    lambda p: p["search"]["population"]["packed"]["arrays"]["conn_innov"].update(delta=1),
    lambda p: p["search"]["registry"]["conn"].update(dtype="<f4"),
])
def test_a_damaged_packed_population_is_one_clear_error(small_ckpt: bytes, edit) -> None:  # noqa: ANN001
    with pytest.raises(WannError, match="unreadable"):
        ckp.decode(_rewrapped(ckp.decode(small_ckpt), ckp.VERSION, edit))


def test_valid_checksum_over_bad_content_is_caught(small_ckpt: bytes) -> None:
    import gzip
    import hashlib
    import json

    body = gzip.compress(b'{"task": "swingup", "seed": 1}')
    header = {"format": ckp.FORMAT, "version": ckp.VERSION, "generation": 0,
              "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    with pytest.raises(WannError, match="unreadable"):
        ckp.decode(json.dumps(header).encode() + b"\n" + body)


def test_resume_from_corrupted_checkpoint_leaves_folder_untouched(
    interrupted: dict, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    src = interrupted["reference"]
    for name in ("log.csv", "champion.json", "config.toml"):
        (out / name).write_bytes((src / name).read_bytes())
    data = ckp.path_in(src).read_bytes()
    ckp.path_in(out).write_bytes(data[:-100])
    before = folder_digest(out)
    assert main(["evolve", "--resume", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("wann: error:") and "truncated" in err[0]
    assert folder_digest(out) == before


def test_crash_while_writing_keeps_the_old_checkpoint(
    small_ckpt: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / ckp.FILENAME
    path.write_bytes(small_ckpt)
    ck = ckp.decode(small_ckpt)
    ck.rows = ck.rows[:-1] + [dict(ck.rows[-1], mean_fitness=0.0)]

    def crash(fd: int) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError):
        ckp.save(path, ck)
    assert path.read_bytes() == small_ckpt
    assert [p.name for p in tmp_path.iterdir()] == [ckp.FILENAME]  # no temp file left


@pytest.mark.parametrize("extra, message", [
    (["--seed", "3"], "--seed cannot be changed"),
    (["--pop-size", "8"], "--pop-size cannot be changed"),
    (["--generations", "2"], "less than the"),
])
def test_resume_rejects_changed_settings(
    interrupted: dict, extra: list[str], message: str, capsys: pytest.CaptureFixture
) -> None:
    before = folder_digest(interrupted["reference"])
    assert main(["evolve", "--resume", str(interrupted["reference"]), *extra]) == 2
    assert message in capsys.readouterr().err
    assert folder_digest(interrupted["reference"]) == before


def test_resume_needs_a_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["evolve", "--resume", str(tmp_path)]) == 2
    assert "holds no checkpoint" in capsys.readouterr().err
    assert main(["evolve", "--resume", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_an_edited_config_toml_is_named_on_resume_and_the_run_stays_exact(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    base = ["evolve", "--pop-size", "8", "--seed", "4"]
    assert main([*base, "--generations", "3", "--out", str(tmp_path / "once")]) == 0
    out = tmp_path / "run"
    assert main([*base, "--generations", "2", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["evolve", "--resume", str(out), "--generations", "2"]) == 0  # untouched: quiet
    assert "warning" not in capsys.readouterr().err
    config = out / "config.toml"
    written = config.read_text()
    config.write_text(written.replace("pop_size = 8", "pop_size = 16")
                      .replace("prob_moo = 0.8", "prob_moo = 0.5"))
    assert main(["evolve", "--resume", str(out), "--generations", "3"]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warned) == 1, warned
    assert "pop_size (file 16, run 8); prob_moo (file 0.5, run 0.8)" in warned[0]
    assert "keeps its checkpoint's settings" in warned[0]
    assert config.read_text() == written.replace("generations = 2", "generations = 3")
    assert log_rows(out) == log_rows(tmp_path / "once")
