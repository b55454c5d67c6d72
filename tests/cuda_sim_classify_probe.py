"""Run the CUDA classification kernel under numba's CUDA simulator beside the compiled one (a
subprocess: the simulator must be on before numba.cuda is first imported).

Writes to the .npz file named on the command line: the losses and fault flags of both
backends on a tiny generation (a search's nets, all edge weights 1), on nets with their own
weights (one of them overflowing), a launch collected after another one, and the log of a
two-generation digits search on each (the run loop submits on the GPU).
"""

from __future__ import annotations

import sys

import numpy as np

import wann
from tests.conftest import random_genome
from wann.activations import LINEAR
from wann.classify import get_classify_task
from wann.classify.cuda import ClassifyCudaEvaluator
from wann.classify.evaluator import ClassifyEvaluator
from wann.evaluation import episode_seeds
from wann.genome import from_dense
from wann.layout import TIMING_COLUMNS
from wann.network import compile_population


def main(path: str) -> None:
    from numba import config

    assert config.ENABLE_CUDASIM, "run with NUMBA_ENABLE_CUDASIM=1"
    out: dict[str, np.ndarray] = {}
    # 100 samples: a full chunk of 64 and a partial one of 36.
    task = get_classify_task("digits", minibatch=100)
    weights, seeds = np.array([-1.5, 0.5, 2.0]), episode_seeds(11, 2, 2)
    rng = np.random.default_rng(3)
    nets = {
        "search": compile_population([random_genome(s, 64, 10, 4 + 8 * s) for s in range(3)]),
        "weighted": compile_population([
            from_dense([64, 3, 10], rng.normal(0, 0.3, 65 * 3 + 4 * 10)),
            from_dense([64, 1, 10], np.full(65 + 20, 1e200), hidden_act=LINEAR),  # overflows
        ], use_weights=True),
    }
    for name, batch in nets.items():
        for label, ev in (("compiled", ClassifyEvaluator(task)), ("cuda", ClassifyCudaEvaluator(task))):
            r, b = ev.evaluate(batch, weights, seeds)
            out[f"{name}/{label}/returns"], out[f"{name}/{label}/bad"] = r, b
            out[f"{name}/{label}/steps"] = np.array(ev.last_steps)
            ev.close()
    # Submitted, with an evaluate of other nets before it is collected (as the run loop does
    # with a re-test): each launch keeps its own device arrays.
    ev = ClassifyCudaEvaluator(task)
    collect = ev.submit(nets["search"], weights, seeds)
    ev.evaluate(nets["weighted"], weights[:1], seeds[:1])
    out["search/submitted/returns"], out["search/submitted/bad"] = collect()
    small = get_classify_task("digits", minibatch=16)
    settings = wann.preset("digits").replace(pop_size=4, tourn_size=2, generations=2,
                                             minibatch=16, prob_init_enable=0.05)
    for label in ("compiled", "cuda"):
        result = wann.evolve(small, settings, backend=label, seed=4)
        out[f"run/{label}/log"] = np.array([[float(v) for k, v in row.items()
                                             if k not in TIMING_COLUMNS and k != "objectives"]
                                            for row in result.history])
        g = result.champion
        out[f"run/{label}/champion"] = np.concatenate([
            g.node_id, g.node_act, g.conn_innov, g.conn_src, g.conn_dst, g.conn_enabled])
    np.savez(path, **out)


if __name__ == "__main__":
    main(sys.argv[1])
