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
