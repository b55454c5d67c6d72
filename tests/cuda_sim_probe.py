"""Run the CUDA kernel under numba's CUDA simulator beside the compiled backend (a subprocess).

The simulator must be switched on before numba.cuda is first imported, so the simulator tests
run this file in a fresh interpreter with NUMBA_ENABLE_CUDASIM=1. It writes, for every twin
task and both thread layouts, the returns, fault flags and step counts of each backend on a
tiny generation, to the .npz file named on the command line.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

import numpy as np

import wann.evaluation.cuda as cuda_ev
from tests.conftest import log_rows, random_genome
from wann.config import preset
from wann.evaluation import episode_seeds
from wann.evaluation.compiled import CompiledEvaluator
from wann.evaluation.cuda import CudaEvaluator
from wann.network import compile_population
from wann.run import Run
from wann.tasks import get_task

TASKS = ("swingup", "cartpole", "acrobot", "pendulum", "mountaincar", "mountaincar-continuous")
STEPS = 30  # the simulator runs every thread as Python: keep rollouts short


class _Recording:
    """The kernels module, noting whether each kernel asked for reads no edge weight."""

    def __init__(self, kernels, units: list) -> None:  # noqa: ANN001
        self.kernels, self.units = kernels, units

    def generation_kernel(self, *args):  # noqa: ANN002, ANN202
        self.units.append(bool(args[5]))
        return self.kernels.generation_kernel(*args)


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
        # The large-generation path, switched on for this tiny batch: staging by a thread
        # pool in chunks; then nets with their own weights through the same path (they must
        # be sent, and read by the kernel compiled for weighted edges).
        limits = (cuda_ev.STAGE_THREADS_FROM, cuda_ev.STAGE_CHUNK)
        cuda_ev.STAGE_THREADS_FROM, cuda_ev.STAGE_CHUNK = 1, 5
        ev = CudaEvaluator(task)
        units: list[bool] = []
        ev.kernels = _Recording(ev.kernels, units)
        r, b = ev.evaluate(batch, weights, seeds)
        out[f"{name}/staged/returns"], out[f"{name}/staged/bad"] = r, b
        out[f"{name}/staged/steps"] = np.array(ev.last_steps)
        weighted = []
        for s, g in enumerate(genomes):
            g = g.copy()
            g.conn_weight = np.random.default_rng(s).uniform(-2, 2, g.conn_weight.size)
            weighted.append(g)
        wbatch = compile_population(weighted, use_weights=True)
        r, b = ev.evaluate(wbatch, np.ones(1), seeds)
        out[f"{name}/weighted/returns"], out[f"{name}/weighted/bad"] = r, b
        r, b = ref.evaluate(wbatch, np.ones(1), seeds)
        out[f"{name}/weighted-compiled/returns"], out[f"{name}/weighted-compiled/bad"] = r, b
        out[f"{name}/unit-kernel"] = np.array(units)  # all-1 batch, then the weighted one
        ev.close()
        cuda_ev.STAGE_THREADS_FROM, cuda_ev.STAGE_CHUNK = limits
    # A whole (tiny) search on the simulated GPU, whose reporters run while the next
    # generation is on the device, against the same search on the compiled backend.
    task = dataclasses.replace(get_task("swingup"), max_steps=STEPS)
    hp = preset("quick").replace(pop_size=8, generations=3, n_reps=1, best_reps=2,
                                 weights=(-1.0, 0.5, 2.0))
    with tempfile.TemporaryDirectory() as tmp:
        for label, ev in (("compiled", CompiledEvaluator(task)), ("cuda", CudaEvaluator(task))):
            folder = Path(tmp) / label
            Run.new(task, hp, ev, folder, seed=2).run()
            out[f"run/{label}/log"] = np.array(
                [[r[c] for c in r] for r in log_rows(folder / "log.csv")], dtype=str)
            for f in ("champion.json", "best.json", "population.csv"):
                out[f"run/{label}/{f}"] = np.array((folder / f).read_text())
    np.savez(path, **out)


if __name__ == "__main__":
    main(sys.argv[1])
