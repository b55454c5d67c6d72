"""Shared fixtures: the reference release's folder, skipped with a reason where absent."""

from __future__ import annotations

import csv
import importlib
import os
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from wann.config import reference_dir
from wann.evaluation import make_evaluator
from wann.evaluation.serial import SerialEvaluator
from wann.genome import Genome, InnovationRegistry, initial_genome
from wann.layout import TIMING_COLUMNS
from wann.network import compile_population
from wann.tasks import get_task
from wann.variation import mutate


@pytest.fixture(scope="session")
def ref() -> Path:
    d = reference_dir()
    if not (d / "champions" / "swing.out").is_file():
        pytest.skip(f"reference data not found at {d} (needs ../shared/reference beside the repo)")
    return d


#: The four standard MNIST files, gzipped (../shared/data/mnist beside the checkout; CI has it).
MNIST_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    if not all((MNIST_DIR / f"{n}.gz").is_file() for n in (
            "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte")):
        pytest.skip(f"the MNIST IDX files are not at {MNIST_DIR} "
                    "(needs ../shared/data/mnist beside the repo)")
    return MNIST_DIR


# Set by .ci/run: there the `test` extra has installed every optional package a test uses, so a
# test skipped for a missing one would be a test CI silently never ran; it fails instead.
REQUIRE_EXTRAS = os.environ.get("WANN_REQUIRE_EXTRAS") == "1"


def need(module: str, extra: str) -> ModuleType:
    """Import an optional package a test needs: skip with the install line where it is absent,
    fail under WANN_REQUIRE_EXTRAS=1 (CI), where the `test` extra must have installed it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        msg = f"{module} is not installed (pip install 'wann[{extra}]'): {exc}"
        if REQUIRE_EXTRAS:
            pytest.fail(f"{msg}; the 'test' extra must install it", pytrace=False)
        pytest.skip(msg)


def random_genome(seed: int, n_in: int = 5, n_out: int = 2, n_mut: int = 30) -> Genome:
    """A genome grown by a random sequence of mutations."""
    rng = np.random.default_rng(seed)
    reg = InnovationRegistry(n_in, n_out)
    g = initial_genome(n_in, n_out, reg, rng, 0.5)
    for _ in range(n_mut):
        g, _ = mutate(g, rng, reg, (0.3, 0.3, 0.1, 0.3), tuple(range(1, 12)))
    return g


def log_rows(path: Path) -> list[dict]:
    """A run's log.csv (given the file or its run folder) without the wall-clock columns,
    as strings: what must be equal, bit for bit, between runs with the same seed."""
    path = Path(path)
    if path.is_dir():
        path = path / "log.csv"
    with open(path, newline="") as f:
        return [{k: v for k, v in r.items() if k not in TIMING_COLUMNS} for r in csv.DictReader(f)]


@pytest.fixture(scope="module")
def task():
    return get_task("swingup")


@pytest.fixture(scope="module")
def ev(task):
    e = make_evaluator(task, "compiled", 2)
    yield e
    e.close()


@pytest.fixture(scope="module")
def work():
    """A small swing-up generation and its serial (fault-free) results."""
    task = get_task("swingup")
    batch = compile_population([random_genome(s, 5, 1, 25) for s in range(8)])
    weights, seeds = np.array([-1.0, 0.5, 2.0]), np.array([3, 4])
    serial = SerialEvaluator(task)
    expected = serial.evaluate(batch, weights, seeds)
    serial.close()
    return task, batch, weights, seeds, expected
