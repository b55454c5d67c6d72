"""Lockstep lanes: bit-identical to the one-rollout-per-job kernel; the fast-math kernel is
deterministic, differs only by rounding, and its champions keep their score in exact mode."""

import math

import numba
import numpy as np
import pytest

from tests.conftest import log_rows, random_genome
from wann import WannError, activations
from wann.cli import main
from wann.evaluation import episode_seeds, make_evaluator
from wann.evaluation.compiled import CompiledEvaluator
from wann.io import load_genome
from wann.network import compile_genome, compile_population
from wann.tasks import get_task
from wann_envs.twins import swingup

TASKS = ["swingup", "cartpole", "acrobot", "pendulum", "mountaincar", "mountaincar-continuous"]


def _generation(task, n_nets: int = 10, n_mut: int = 30):
    """Nets of varied size whose episodes end at different steps (and some fail)."""
    genomes = [random_genome(100 + s, task.n_in, task.n_out, n_mut + 3 * s) for s in range(n_nets)]
    return compile_population(genomes)


@pytest.mark.parametrize("name", TASKS)
def test_lanes_equal_scalar_kernel(name: str) -> None:
    task = get_task(name)
    batch = _generation(task)
    weights, seeds = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]), episode_seeds(5, 2, 3)
    ref = CompiledEvaluator(task, mode="scalar")
    r0, b0 = ref.evaluate(batch, weights, seeds)
    for threads in (1, 2):
        ev = CompiledEvaluator(task, threads=threads)
        r, b = ev.evaluate(batch, weights, seeds)
        np.testing.assert_array_equal(r, r0, err_msg=f"{name}, {threads} threads")
        np.testing.assert_array_equal(b, b0)
        assert ev.last_steps == ref.last_steps


@pytest.mark.parametrize("name", ["swingup", "acrobot"])
@pytest.mark.parametrize("n_lanes", [1, 4, 6, 8])
def test_few_lanes_equal_scalar_kernel(name: str, n_lanes: int) -> None:
    """Up to 8 lanes (CMA-ES: one weight, a few episodes) take the register-sum path: the
    same bits as the scalar kernel, with each net's own weights (a dense net, as trained)."""
    from wann.baselines.dense import dense_genome

    task = get_task(name)
    rng = np.random.default_rng(n_lanes)
    layers = [task.n_in, 16, 8, task.n_out]
    n_w = sum(a * b for a, b in zip([x + 1 for x in layers[:-1]], layers[1:]))
    genomes = [dense_genome(task, layers, rng.normal(0, 0.5, n_w)) for _ in range(3)]
    batch = compile_population(genomes, use_weights=True)
    weights, seeds = np.ones(1), episode_seeds(9, 1, n_lanes)
    r0, b0 = CompiledEvaluator(task, mode="scalar").evaluate(batch, weights, seeds)
    r, b = CompiledEvaluator(task, threads=2).evaluate(batch, weights, seeds)
    np.testing.assert_array_equal(r, r0)
    np.testing.assert_array_equal(b, b0)


def test_swingup_lanes_end_at_different_steps() -> None:
    """The generation above really exercises lane retirement (not all episodes run 1000 steps)."""
    task = get_task("swingup")
    ev = CompiledEvaluator(task)
    batch = _generation(task)
    ev.evaluate(batch, np.array([-2.0, 0.5, 2.0]), episode_seeds(5, 2, 3))
    assert 0 < ev.last_steps < batch.n_nets * 9 * task.max_steps


@numba.njit
def _split_step(state, a):
    s, c = math.sin(state[2]), math.cos(state[2])
    x, xd, th, thd = swingup.advance(state[0], state[1], state[2], state[3], a, s, c)
    r = swingup.reward(math.cos(th), math.cos(swingup.reward_arg(x)))
    return x, xd, th, thd, r, swingup.terminated(x)


def test_swingup_split_step_equals_step() -> None:
    rng = np.random.default_rng(0)
    for _ in range(3000):
        state = rng.normal(0, 2, 4)
        a = rng.normal(0, 1.5)
        want = state.copy()
        reward, term = swingup.step(want, np.array([a]))
        got = _split_step(state.copy(), a)
        assert got[:4] == tuple(want) and got[4] == reward and got[5] == term


@numba.njit
def _lanes(a, u):
    out = np.empty_like(u)
    activations.apply_lanes(a, u, out, u.size)
    return out


@numba.njit
def _scalar(a, u):
    out = np.empty_like(u)
    for i in range(u.size):
        out[i] = activations.apply(a, u[i])
    return out


def test_apply_lanes_equals_apply() -> None:
    u = np.random.default_rng(1).normal(0, 3, 37)
    for a in (*activations.ALL_IDS, 99):
        np.testing.assert_array_equal(_lanes(a, u), _scalar(a, u))


def test_fast_math_deterministic_and_close() -> None:
    task = get_task("swingup")
    batch = _generation(task, 8)
    weights, seeds = np.array([-1.0, -0.5, 0.5, 1.0]), episode_seeds(1, 0, 4)
    exact, _ = CompiledEvaluator(task).evaluate(batch, weights, seeds)
    fast = [CompiledEvaluator(task, threads=t, fast=True).evaluate(batch, weights, seeds)
            for t in (1, 2, 2)]
    for r, b in fast[1:]:
        np.testing.assert_array_equal(r, fast[0][0])
        np.testing.assert_array_equal(b, fast[0][1])
    assert not np.array_equal(fast[0][0], exact)  # vector libm rounds differently
    assert abs(fast[0][0].mean() - exact.mean()) < 0.05 * abs(exact).mean() + 1.0


def test_fast_math_needs_compiled_backend() -> None:
    with pytest.raises(WannError, match="--fast-math needs the compiled backend"):
        make_evaluator(get_task("swingup"), "serial", fast_math=True)
    with pytest.raises(WannError, match="no twin"):
        make_evaluator(get_task("lunarlander"), fast_math=True)


def test_fast_math_run_deterministic_and_champion_scores_in_exact_mode(tmp_path, capsys) -> None:
    args = ["evolve", "--task", "swingup", "--generations", "4", "--pop-size", "16", "--reps", "2",
            "--seed", "3", "--fast-math"]
    assert main([*args, "--workers", "1", "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--workers", "2", "--out", str(tmp_path / "b")]) == 0
    assert log_rows(tmp_path / "a") == log_rows(tmp_path / "b")
    assert "fast_math = true" in (tmp_path / "a" / "config.toml").read_text()
    capsys.readouterr()
    # the fast-mode champion, scored on many fresh episodes in both modes
    task = get_task("swingup")
    genome = load_genome(tmp_path / "a" / "champion.json")
    batch = compile_genome(genome)
    weights, seeds = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]), episode_seeds(77, 0, 200)
    r_exact, _ = CompiledEvaluator(task).evaluate(batch, weights, seeds)
    r_fast, _ = CompiledEvaluator(task, fast=True).evaluate(batch, weights, seeds)
    diff = (r_fast - r_exact).ravel()
    se = max(diff.std(ddof=1) / math.sqrt(diff.size), 1e-9)
    assert abs(diff.mean()) < 4 * se + 1e-6 * abs(r_exact.mean())


@pytest.mark.parametrize("name", TASKS)
def test_fast_math_every_twin_same_at_any_thread_count(name: str) -> None:
    task = get_task(name)
    batch = _generation(task, 6)
    weights, seeds = np.array([-1.5, 0.5, 1.0]), episode_seeds(2, 1, 2)
    r1, b1 = CompiledEvaluator(task, threads=1, fast=True).evaluate(batch, weights, seeds)
    r2, b2 = CompiledEvaluator(task, threads=2, fast=True).evaluate(batch, weights, seeds)
    np.testing.assert_array_equal(r1, r2)
    np.testing.assert_array_equal(b1, b2)
    assert np.isfinite(r1).all()


def test_cli_fast_math_with_another_backend_is_one_line_error(tmp_path, capsys) -> None:
    argv = ["evolve", "--task", "swingup", "--fast-math", "--backend", "pool",
            "--out", str(tmp_path / "r")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("wann: error:") and "--fast-math" in err and "\n" not in err


@pytest.mark.parametrize("fast", [False, True])
def test_non_finite_outputs_fail_in_both_modes(fast: bool) -> None:
    """Fast math must not assume finite values: an infinite weight makes every rollout fail."""
    task = get_task("swingup")
    batch = _generation(task, 4)
    ev = CompiledEvaluator(task, fast=fast)
    r, b = ev.evaluate(batch, np.array([np.inf, 1.0]), episode_seeds(0, 0, 2))
    assert b[:, 0].all() and (r[:, 0] == task.worst_return).all()
    assert not b[:, 1].any()


def test_shared_compiled_calls_declare_their_fast_math() -> None:
    """numba compiles a called (not inlined) function with the fast math of the first kernel that
    calls it, unless the function sets its own, and caches it so: exact results would depend on
    whether a fast-math kernel compiled the twins first."""
    from wann_envs.twins import dispatch
    for module in (*dispatch.MODULES, dispatch, activations):
        for name, f in vars(module).items():
            if not isinstance(f, numba.core.registry.CPUDispatcher):
                continue
            if f.targetoptions.get("inline", "never") == "never":
                assert f.targetoptions.get("fastmath") is False, f"{module.__name__}.{name}"
