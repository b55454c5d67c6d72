"""The CUDA backend: clear errors without a GPU, the kernel's logic under numba's CUDA simulator,
and on a real GPU (skipped where none is present) determinism and agreement with the compiled
backend, step for step over 100 steps and in mean return over 100 episodes."""

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
from wann import WannError
from wann.cli import main
from wann.evaluation import episode_seeds, make_evaluator
from wann.evaluation.cuda import rollout_slot
from wann.network import compile_population
from wann.tasks import get_task

ROOT = Path(__file__).resolve().parents[1]
TASKS = ("swingup", "cartpole", "acrobot", "pendulum", "mountaincar", "mountaincar-continuous")
HAVE_NUMBA_CUDA = importlib.util.find_spec("numba_cuda") is not None


def simulated() -> bool:
    """numba's CUDA simulator is switched on (NUMBA_ENABLE_CUDASIM=1) in this process."""
    from numba import config

    return HAVE_NUMBA_CUDA and bool(config.ENABLE_CUDASIM)


def gpu_present() -> bool:
    """A real CUDA GPU that numba-cuda can use (not the simulator)."""
    if not HAVE_NUMBA_CUDA or simulated():
        return False
    try:
        from numba import cuda

        return bool(cuda.is_available())
    except Exception:  # noqa: BLE001 - a numba-cuda that does not import: no GPU to test
        return False


# Under WANN_REQUIRE_EXTRAS=1 (CI, where the `test` extra installs numba-cuda) a missing
# numba-cuda fails the simulator tests instead of skipping them.
REQUIRE_EXTRAS = os.environ.get("WANN_REQUIRE_EXTRAS") == "1"
needs_sim = pytest.mark.skipif(not HAVE_NUMBA_CUDA and not REQUIRE_EXTRAS,
                               reason="numba-cuda not installed (pip install 'wann[cuda]')")
needs_gpu = pytest.mark.skipif(not gpu_present(), reason="no CUDA GPU here")


# -- without a GPU -------------------------------------------------------------------------

def test_rollout_slot() -> None:
    assert rollout_slot(18, 1) == 18
    assert rollout_slot(18, 32) == 32
    assert rollout_slot(64, 32) == 64
    assert rollout_slot(65, 32) == 96
    assert rollout_slot(18, 0, 192) == 32  # a small generation: one net per warp
    assert rollout_slot(18, 0, 19_200) == 18  # a large one: packed
    with pytest.raises(ValueError):
        rollout_slot(18, -1)


def test_task_without_twin_is_refused() -> None:
    no_twin = dataclasses.replace(get_task("swingup"), name="no-twin", env_id="NoTwin-v0")
    with pytest.raises(WannError, match="no compiled twin"):
        make_evaluator(no_twin, "cuda")


@pytest.mark.skipif(gpu_present() or simulated(),
                    reason="a GPU (or the simulator) is present: the backend would run")
def test_no_gpu_or_no_extra_is_one_error_line(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["evolve", "--task", "swingup", "--backend", "cuda", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("wann: error:") and "\n" not in err
    assert "numba-cuda" in err or "no usable" in err
    assert not out.exists()


def test_missing_extra_names_the_install(monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "numba_cuda" else real(name, *a))
    with pytest.raises(WannError, match=r"pip install 'wann\[cuda\]'"):
        make_evaluator(get_task("swingup"), "cuda")


@needs_sim
def test_device_pow_is_libdevice_not_the_host_symbol() -> None:
    """The twins' libm pow compiles for the GPU to libdevice's pow (PTX only, no GPU needed)."""
    from numba import cuda

    from wann_envs.twins._libm import libm_pow

    def square(out, x):  # pragma: no cover - compiled
        out[0] = libm_pow(x, 2.0)

    try:
        ptx, _ = cuda.compile_ptx(square, "void(float64[:], float64)", cc=(9, 0))
    except Exception as exc:  # noqa: BLE001 - no NVVM (the CUDA compiler) installed
        pytest.skip(f"cannot compile PTX here: {type(exc).__name__}")
    assert "wann_twins_libm_pow" not in ptx
    assert "pow" in ptx


# -- under the CUDA simulator (CI) --------------------------------------------------------

@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    path = tmp_path_factory.mktemp("cudasim") / "probe.npz"
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    p = subprocess.run([sys.executable, "-m", "tests.cuda_sim_probe", str(path)], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    return dict(np.load(path))


@needs_sim
@pytest.mark.parametrize("name", TASKS)
@pytest.mark.parametrize("layout", ["packed", "warp", "local", "submitted", "staged"])
def test_simulated_kernel_equals_compiled(sim, name: str, layout: str) -> None:
    """Under the simulator the kernel runs the host's math: every slot bit-identical."""
    ref = sim[f"{name}/compiled/returns"]
    got = sim[f"{name}/{layout}/returns"]
    assert got.shape == ref.shape == (3, 3, 2)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(sim[f"{name}/{layout}/bad"], sim[f"{name}/compiled/bad"])
    assert int(sim[f"{name}/{layout}/steps"]) == int(sim[f"{name}/compiled/steps"]) > 0


@needs_sim
@pytest.mark.parametrize("name", TASKS)
def test_simulated_nets_with_their_own_weights_through_the_large_paths(sim, name) -> None:
    """Edge weights that are not all 1 are sent and read (the other layouts run a search's
    nets, all weights 1, through the kernel that reads none)."""
    assert sim[f"{name}/unit-kernel"].tolist() == [True, False]
    ref = sim[f"{name}/weighted-compiled/returns"]
    assert ref.shape == (3, 1, 2)
    np.testing.assert_array_equal(sim[f"{name}/weighted/returns"], ref)
    np.testing.assert_array_equal(sim[f"{name}/weighted/bad"],
                                  sim[f"{name}/weighted-compiled/bad"])


@needs_sim
def test_simulated_search_reporting_during_evaluation_gives_the_compiled_run(sim) -> None:
    """A search on the (simulated) GPU, reporting each generation while the next one is on
    the device, writes the log, champion, best and population of the compiled backend."""
    np.testing.assert_array_equal(sim["run/cuda/log"], sim["run/compiled/log"])
    assert sim["run/cuda/log"].shape[0] == 3
    for f in ("champion.json", "best.json", "population.csv"):
        assert str(sim[f"run/cuda/{f}"]) == str(sim[f"run/compiled/{f}"]), f


# -- on a GPU ------------------------------------------------------------------------------

def fixed_batch(task, n: int = 8):
    """Random nets of the task's own activations but the step. A step's jump, or a periodic
    activation of a huge value (squared, which control tasks never use, makes those), turns a
    last-bit difference of the GPU's math library into a different trajectory."""
    from wann.activations import STEP
    from wann.genome import InnovationRegistry, initial_genome
    from wann.variation import mutate

    pool = tuple(a for a in task.hidden_acts if a != STEP)
    genomes = []
    for seed in range(n):
        rng = np.random.default_rng(seed)
        reg = InnovationRegistry(task.n_in, task.n_out)
        g = initial_genome(task.n_in, task.n_out, reg, rng, 0.5)
        for _ in range(25):
            g, _ = mutate(g, rng, reg, (0.3, 0.3, 0.1, 0.3), pool)
        genomes.append(g)
    return compile_population(genomes)


@needs_gpu
def test_gpu_same_seed_same_log(tmp_path) -> None:
    args = ["evolve", "--task", "swingup", "--generations", "4", "--pop-size", "48", "--seed", "5",
            "--backend", "cuda"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    assert log_rows(tmp_path / "a") == log_rows(tmp_path / "b")
    assert (tmp_path / "a" / "champion.json").read_text() == (
        tmp_path / "b" / "champion.json").read_text()


@needs_gpu
@pytest.mark.parametrize("name", TASKS)
def test_gpu_agrees_step_for_step_over_100_steps(name: str, monkeypatch) -> None:
    """Returns truncated after n = 1..100 steps agree to 1e-9: every reward and every stop,
    of every rollout that is well-conditioned.

    A rollout counts as well-conditioned when nudging its start state by 1e-13 (relative) moves
    the CPU's own return by at most 1e-10: nets with near-discontinuities (a saturated tanh
    switching sign, say) amplify any last-bit difference, the GPU's included, by 1e8 and more
    within a few dozen steps. At least three quarters of the test set must qualify.
    """
    import wann.evaluation.compiled as compiled

    base = get_task(name)
    batch = fixed_batch(base)
    weights, seeds = np.array([-2.0, -0.5, 1.0, 2.0]), episode_seeds(21, 0, 3)
    real = compiled.initial_states

    def nudged(env, twin, s):  # noqa: ANN001, ANN202
        return real(env, twin, s) * (1.0 + 1e-13)

    for n in range(1, 101):
        task = dataclasses.replace(base, max_steps=n)
        gpu, cpu = make_evaluator(task, "cuda"), make_evaluator(task, "compiled")
        rg, bg = gpu.evaluate(batch, weights, seeds)
        rc, bc = cpu.evaluate(batch, weights, seeds)
        with monkeypatch.context() as m:
            m.setattr(compiled, "initial_states", nudged)
            rn, _ = cpu.evaluate(batch, weights, seeds)
        well = np.abs(rn - rc) <= 1e-10
        np.testing.assert_allclose(rg[well], rc[well], rtol=0, atol=1e-9,
                                   err_msg=f"{name}, {n} steps")
        np.testing.assert_array_equal(bg, bc)
        gpu.close()
        cpu.close()
    assert well.mean() >= 0.75, f"{name}: only {well.mean():.0%} of rollouts well-conditioned"


@needs_gpu
@pytest.mark.parametrize("layout", [{"align": 1}, {"align": 32}, {"align": 1, "local": False}])
def test_gpu_mean_return_over_100_episodes(layout: dict) -> None:
    """Full 1,000-step episodes of an evolved champion: GPU and CPU means agree statistically."""
    from wann.evaluation.cuda import CudaEvaluator
    from wann.io import load_genome
    from wann.scoring import test_seeds

    path = ROOT / "results" / "laptop_swing" / "champion.json"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    task = get_task("swingup")
    batch = compile_population([load_genome(path)])
    weights, seeds = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]), test_seeds(0, 100)
    gpu, cpu = CudaEvaluator(task, **layout), make_evaluator(task, "compiled", 4)
    rg, _ = gpu.evaluate(batch, weights, seeds)
    rc, _ = cpu.evaluate(batch, weights, seeds)
    for wi in range(weights.size):
        a, b = rg[0, wi], rc[0, wi]
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert abs(a.mean() - b.mean()) <= 3 * se + 1e-9, (weights[wi], a.mean(), b.mean())
