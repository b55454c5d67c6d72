"""The tutorials' scripts (examples/, shown on the documentation site) run as a user would run
them, at a tiny budget, and do what their pages say."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import need
from tests.test_examples import load
from wann.layout import TIMING_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
MNIST = ROOT.parent / "shared" / "data" / "mnist"


def without_timing(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in TIMING_COLUMNS} for row in history]


def test_evolve_and_plot(tmp_path) -> None:
    result, written = load("evolve_and_plot").main(2, tmp_path / "run", pop_size=8, sweep=True)
    assert len(result.history) == 2
    names = {p.name for p in written}
    assert {"fitness.png", "complexity.png", "objectives.png", "network.png", "sweep.png"} <= names
    assert all(p.stat().st_size > 5_000 for p in written)
    assert (tmp_path / "run" / "champion.json").is_file() and (tmp_path / "run" / "sweep.csv").is_file()


def test_compare_table(tmp_path) -> None:
    table = load("compare_table").main(tmp_path / "cmp", generations=2)
    for row in ("| WANN", "| dense (5-10-1)", "| pruned 90%", "| lottery ticket 50%", "| random mask 90%"):
        assert row in table
    assert "| model | random weights | random shared weight |" in table
    assert (tmp_path / "cmp" / "compare" / "compare.png").is_file()


def test_classification_on_digits() -> None:
    scores = load("classify").main(2, pop_size=16)["digits"]
    assert 0.0 <= scores["ensemble"]["accuracy"] <= 1.0
    assert np.isfinite(scores["ensemble"]["cross_entropy"])


def test_classification_on_mnist() -> None:
    if not (MNIST / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"the MNIST IDX files are not at {MNIST} (../shared/data/mnist beside the checkout)")
    scores = load("classify").main(1, mnist=MNIST, pop_size=16)["mnist"]
    assert 0.0 <= scores["ensemble"]["accuracy"] <= 1.0
    assert np.isfinite(scores["ensemble"]["cross_entropy"])


def test_gpu_tutorial_under_the_cuda_simulator() -> None:
    """The GPU tutorial's kernel, run by numba's CUDA simulator (the host's math), gives the
    compiled backend's search exactly. The simulator must be on before numba.cuda is imported:
    a fresh interpreter."""
    need("numba_cuda", "cuda")
    code = (
        "import sys; sys.path.insert(0, 'examples'); import gpu\n"
        "from tests.test_tutorials import without_timing as w\n"
        "r = gpu.main(2, pop_size=4, max_steps=20, n_reps=1, cpu=True)\n"
        "assert w(r['cuda'].history) == w(r['compiled'].history), 'cuda and compiled differ'\n"
        "assert len(r['cuda'].history) == 2\n"
    )
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "cuda: best" in p.stdout and "compiled: best" in p.stdout


def test_dask_tutorial_gives_the_serial_backends_search() -> None:
    need("distributed", "dask")
    import wann

    result = load("dask_cluster").main(2, workers=2, pop_size=8)
    settings = wann.preset("quick").replace(pop_size=8, generations=2, n_reps=2)
    serial = wann.evolve("swingup", settings, backend="serial", seed=4)
    assert without_timing(result.history) == without_timing(serial.history)
