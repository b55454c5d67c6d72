"""The compiled backend runs every twin task and agrees bit for bit with gymnasium."""

import numpy as np
import pytest

from tests.conftest import random_genome
from wann.evaluation import episode_seeds, make_evaluator
from wann.evaluation.compiled import CompiledEvaluator
from wann.network import compile_population
from wann.tasks import get_task
from wann_envs.twins.dispatch import TWIN_IDS

TASKS = ["swingup", "cartpole", "acrobot", "pendulum", "mountaincar", "mountaincar-continuous"]


@pytest.mark.parametrize("name", TASKS)
def test_compiled_equals_serial_gymnasium(name: str) -> None:
    task = get_task(name)
    assert task.env_id in TWIN_IDS
    assert isinstance(make_evaluator(task), CompiledEvaluator)  # the default where a twin exists
    genomes = [random_genome(s, task.n_in, task.n_out, 20) for s in range(4)]
    batch = compile_population(genomes)
    weights, seeds = np.array([-2.0, 0.5, 1.0]), episode_seeds(3, 1, 2)
    serial = make_evaluator(task, "serial")
    r_serial, b_serial = serial.evaluate(batch, weights, seeds)
    serial.close()
    for threads in (1, 2):
        ev = CompiledEvaluator(task, threads=threads)
        r, b = ev.evaluate(batch, weights, seeds)
        np.testing.assert_array_equal(r, r_serial, err_msg=f"{name}, {threads} threads")
        np.testing.assert_array_equal(b, b_serial)
        assert ev.last_steps > 0


def test_no_twin_means_no_compiled_backend() -> None:
    from wann import WannError

    task = get_task("lunarlander")
    with pytest.raises(WannError, match="no compiled twin"):
        make_evaluator(task, "compiled")


def test_a_cold_compile_is_announced_once_and_a_cached_kernel_not(tmp_path, monkeypatch,
                                                                   caplog) -> None:
    """The fast-math kernel compiles for about a minute on a cold cache: one line says so
    before; a kernel compiled in this process, or cached on disk, is not announced."""
    import importlib
    import logging
    import sys

    from wann.evaluation.compiled import announce_compile

    (tmp_path / "wann_cold_kernel.py").write_text(
        "import numba\n\n@numba.njit(cache=True)\ndef twice(x):\n    return 2 * x\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "wann_cold_kernel", raising=False)
    mod = importlib.import_module("wann_cold_kernel")
    with caplog.at_level(logging.INFO, logger="wann"):
        announce_compile(mod.twice, "test kernel", "a moment")
        assert mod.twice(2) == 4
        announce_compile(mod.twice, "test kernel", "a moment")  # compiled here now
        del sys.modules["wann_cold_kernel"]
        fresh = importlib.import_module("wann_cold_kernel")  # a new process would see this
        assert not fresh.twice.signatures
        announce_compile(fresh.twice, "test kernel", "a moment")  # on disk now
    assert [r.getMessage() for r in caplog.records] == [
        "compiling the test kernel (a moment on a cold cache; later runs load it)"]


def test_the_evaluator_announces_the_kernel_it_runs(monkeypatch) -> None:
    from wann.evaluation import compiled, lanes

    seen = []
    monkeypatch.setattr(compiled, "announce_compile",
                        lambda kernel, what, duration: seen.append((kernel, what, duration)))
    task = get_task("swingup")
    ev = CompiledEvaluator(task)
    ev.evaluate(compile_population([random_genome(0)]), np.array([1.0]), np.array([1]))
    assert seen == [(lanes.exact_kernel, "exact kernel", "about 15 s")]
