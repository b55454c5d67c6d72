"""Run the CUDA kernel under numba's CUDA simulator beside the compiled backend (a subprocess).

The simulator must be switched on before numba.cuda is first imported, so the simulator tests
run this file in a fresh interpreter with NUMBA_ENABLE_CUDASIM=1. It writes, for every twin
task and both thread layouts, the returns, fault flags and step counts of each backend on a
tiny generation, to the .npz file named on the command line.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np

from tests.conftest import random_genome
from wann.evaluation import episode_seeds
from wann.evaluation.compiled import CompiledEvaluator
from wann.evaluation.cuda import CudaEvaluator
from wann.network import compile_population
from wann.tasks import get_task

TASKS = ("swingup", "cartpole", "acrobot", "pendulum", "mountaincar", "mountaincar-continuous")
STEPS = 30  # the simulator runs every thread as Python: keep rollouts short


def main(path: str) -> None:
    from numba import config

    assert config.ENABLE_CUDASIM, "run with NUMBA_ENABLE_CUDASIM=1"
    out: dict[str, np.ndarray] = {}
    for name in TASKS:
        task = dataclasses.replace(get_task(name), max_steps=STEPS)
        # Nets of different sizes, so that node offsets and edge ranges are exercised.
        genomes = [random_genome(s, task.n_in, task.n_out, 5 + 6 * s) for s in range(3)]
        batch = compile_population(genomes)
        weights, seeds = np.array([-1.5, 0.5, 2.0]), episode_seeds(11, 2, 2)
        ref = CompiledEvaluator(task)
        out[f"{name}/compiled/returns"], out[f"{name}/compiled/bad"] = ref.evaluate(
            batch, weights, seeds)
        out[f"{name}/compiled/steps"] = np.array(ref.last_steps)
        # Node values in the global scratch with nets packed or one net per warp, and node
        # values in per-thread local arrays.
        for label, kw in (("packed", {"align": 1, "local": False}),
                          ("warp", {"align": 32, "local": False}),
                          ("local", {"align": 1, "local": True})):
            ev = CudaEvaluator(task, **kw)
            r, b = ev.evaluate(batch, weights, seeds)
            out[f"{name}/{label}/returns"], out[f"{name}/{label}/bad"] = r, b
            out[f"{name}/{label}/steps"] = np.array(ev.last_steps)
        # Submitted (collected later, as the champion's re-test is), with an evaluate of
        # other nets in between: the submitted launch keeps buffers of its own.
        ev = CudaEvaluator(task)
        collect = ev.submit(batch, weights, seeds)
        ev.evaluate(compile_population(genomes[:1]), weights[:1], seeds[:1])
        r, b = collect()
        out[f"{name}/submitted/returns"], out[f"{name}/submitted/bad"] = r, b
        out[f"{name}/submitted/steps"] = np.array(ev.last_steps)
    np.savez(path, **out)


if __name__ == "__main__":
    main(sys.argv[1])
