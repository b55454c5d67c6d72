"""The CUDA classification evaluator: one error line without a GPU, the kernel under numba's
CUDA simulator equal to the compiled kernel (CI), and on a real GPU (skipped where none is
present) agreement to 1e-9 relative on the losses and run-to-run determinism."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import log_rows
from tests.test_cuda_backend import gpu_present, needs_gpu, needs_sim, simulated
from wann import WannError
from wann.classify import get_classify_task
from wann.classify.evaluator import ClassifyEvaluator
from wann.cli import main
from wann.evaluation import episode_seeds, make_evaluator
from wann.genome import InnovationRegistry, initial_genome
from wann.network import compile_population
from wann.variation import mutate

ROOT = Path(__file__).resolve().parents[1]


# -- without a GPU -------------------------------------------------------------------------

@pytest.mark.skipif(gpu_present() or simulated(),
                    reason="a GPU (or the simulator) is present: the backend would run")
def test_no_gpu_is_one_error_line_and_nothing_written(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["evolve", "--task", "digits", "--backend", "cuda", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("wann: error:") and "\n" not in err
    assert "numba-cuda" in err or "no usable" in err
    assert not out.exists()


def test_missing_extra_names_the_install(monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "numba_cuda" else real(name, *a))
    with pytest.raises(WannError, match=r"pip install 'wann\[cuda\]'"):
        make_evaluator(get_classify_task("digits"), "cuda")


def test_cuda_options_of_control_tasks_are_refused() -> None:
    task = get_classify_task("digits")
    with pytest.raises(WannError, match="fast math"):
        make_evaluator(task, "cuda", fast_math=True)
    with pytest.raises(WannError, match="not pool"):
        make_evaluator(task, "pool")


# -- under the CUDA simulator (CI) --------------------------------------------------------

@pytest.fixture(scope="module")
def sim(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("cudasim") / "classify.npz"
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    p = subprocess.run([sys.executable, "-W", "ignore", "-m", "tests.cuda_sim_classify_probe",
                        str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return dict(np.load(path))


@needs_sim
@pytest.mark.parametrize("nets", ["search", "weighted"])
def test_simulated_kernel_gives_the_compiled_losses(sim, nets: str) -> None:
    """Under the simulator the device code runs the host's math: the same losses (asked to
    1e-9 relative, found equal), the same failed entries, the same sample count. `search`:
    nets of several sizes with all edge weights 1 (the kernel that reads none); `weighted`:
    nets with their own weights, one overflowing to infinity in every entry."""
    ref, got = sim[f"{nets}/compiled/returns"], sim[f"{nets}/cuda/returns"]
    assert got.shape == ref.shape and got.shape[1:] == (3, 2)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=0)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(sim[f"{nets}/cuda/bad"], sim[f"{nets}/compiled/bad"])
    assert int(sim[f"{nets}/cuda/steps"]) == int(sim[f"{nets}/compiled/steps"]) > 0
    if nets == "weighted":
        assert sim["weighted/cuda/bad"][1].all() and not sim["weighted/cuda/bad"][0].any()


@needs_sim
def test_simulated_submitted_launch_is_its_own(sim) -> None:
    """A launch collected after another evaluate still gives its own nets' losses."""
    np.testing.assert_array_equal(sim["search/submitted/returns"], sim["search/compiled/returns"])
    np.testing.assert_array_equal(sim["search/submitted/bad"], sim["search/compiled/bad"])


@needs_sim
def test_simulated_search_gives_the_compiled_run(sim) -> None:
    """`wann.evolve(digits, backend="cuda")` on the simulator (generations submitted, the
    previous one reported meanwhile): the compiled run's log and champion."""
    assert sim["run/cuda/log"].shape[0] == 2
    np.testing.assert_array_equal(sim["run/cuda/log"], sim["run/compiled/log"])
    np.testing.assert_array_equal(sim["run/cuda/champion"], sim["run/compiled/champion"])


# -- on a GPU ------------------------------------------------------------------------------

def classification_batch(task, n: int = 16, mutations: int = 40):
    """Random nets of the classification pool, of several sizes."""
    genomes = []
    for seed in range(n):
        rng = np.random.default_rng(seed)
        reg = InnovationRegistry(task.n_in, task.n_out)
        g = initial_genome(task.n_in, task.n_out, reg, rng, 0.1)
        for _ in range(mutations):
            g, _ = mutate(g, rng, reg, (0.3, 0.3, 0.1, 0.3), task.hidden_acts)
        genomes.append(g)
    return compile_population(genomes)


def agree_on_gpu(task) -> None:
    """Losses within 1e-9 relative of the CPU's on every well-conditioned entry (nudging the
    images by 1e-13 relative moves the CPU's own loss by at most 1e-11 relative; periodic
    activations of large sums amplify any last-bit difference of the GPU's math library), at
    least three quarters of them; the same failed entries."""
    batch = classification_batch(task)
    weights, seeds = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]), episode_seeds(7, 3, 2)
    gpu, cpu = make_evaluator(task, "cuda"), ClassifyEvaluator(task, threads=4)
    rg, bg = gpu.evaluate(batch, weights, seeds)
    rc, bc = cpu.evaluate(batch, weights, seeds)
    nudged = dataclasses.replace(task, x_train=task.x_train * (1.0 + 1e-13))
    rn, _ = ClassifyEvaluator(nudged, threads=4).evaluate(batch, weights, seeds)
    well = ~bc & (np.abs(rn - rc) <= 1e-11 * np.abs(rc))
    assert well.mean() >= 0.75, f"only {well.mean():.0%} of entries well-conditioned"
    np.testing.assert_allclose(rg[well], rc[well], rtol=1e-9, atol=0)
    np.testing.assert_array_equal(bg, bc)
    again, _ = gpu.evaluate(batch, weights, seeds)
    np.testing.assert_array_equal(again, rg)  # deterministic on one GPU
    gpu.close()


@needs_gpu
def test_gpu_agrees_with_the_compiled_kernel_on_digits() -> None:
    agree_on_gpu(get_classify_task("digits"))


@needs_gpu
def test_gpu_agrees_with_the_compiled_kernel_on_mnist(mnist_dir) -> None:
    agree_on_gpu(get_classify_task("mnist", mnist_dir))


@needs_gpu
def test_gpu_same_seed_same_log(tmp_path) -> None:
    args = ["evolve", "--task", "digits", "--generations", "3", "--pop-size", "64", "--seed", "5",
            "--backend", "cuda"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    assert log_rows(tmp_path / "a") == log_rows(tmp_path / "b")
    assert (tmp_path / "a" / "champion.json").read_text() == (
        tmp_path / "b" / "champion.json").read_text()
