"""One CMA-ES generation of `wann compare`'s dense start, the cost that dominates a comparison.

32 candidates of the 5-64-64-1 swing-up net (4,609 weights, each candidate its own weights)
x 4 episodes: 128 rollouts of up to 1,000 steps, the evaluator call CMA-ES makes every
generation of the dense start, of every lottery round and of every random mask. Timed for the
compiled backend's lockstep kernel (few lanes: sums in registers) beside its one-rollout-per-
job scalar kernel in the same run; both give the same bits (checked here too). Also a
96-candidate x 4 generation (three seeds' candidates at once) and the pruned 80% net.

    python benchmarks/bench_cma_dense.py --threads 1,2 --out results/bench-cma-local.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import best_of, machine, table  # noqa: E402

from wann.baselines.dense import dense_genome, init_weights  # noqa: E402
from wann.evaluation import episode_seeds  # noqa: E402
from wann.evaluation.compiled import CompiledEvaluator  # noqa: E402
from wann.network import compile_population  # noqa: E402
from wann.tasks import get_task  # noqa: E402

LAYERS = [5, 64, 64, 1]


def candidates(n: int, keep: float, seed: int = 0):  # noqa: ANN201
    """n candidates: the start's weights plus CMA-ES-sized noise, a `keep` share enabled."""
    task = get_task("swingup")
    rng = np.random.default_rng(seed)
    w0 = init_weights(LAYERS, rng)
    genomes = []
    for _ in range(n):
        g = dense_genome(task, LAYERS, w0 + rng.normal(0.0, 0.1, w0.size))
        if keep < 1.0:  # the largest weights (a magnitude-pruned net's size and shape)
            g.conn_enabled = np.abs(g.conn_weight) >= np.quantile(np.abs(w0), 1.0 - keep)
        genomes.append(g)
    return compile_population(genomes, use_weights=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    task = get_task("swingup")
    weights, seeds = np.ones(1), episode_seeds(0, 0, 4)
    rows = []
    for label, n, keep in (("dense start, 32 candidates", 32, 1.0),
                           ("dense start, 96 candidates", 96, 1.0),
                           ("pruned 80%, 32 candidates", 32, 0.2)):
        batch = candidates(n, keep)
        for threads in [int(t) for t in args.threads.split(",")]:
            secs = {}
            out = {}
            for mode in ("scalar", "exact"):
                ev = CompiledEvaluator(task, threads=threads, mode=mode)
                out[mode] = ev.evaluate(batch, weights, seeds)  # compile, warm up
                secs[mode] = best_of(lambda ev=ev, b=batch: ev.evaluate(b, weights, seeds),
                                     args.repeat)
                steps = ev.last_steps
            same = all(np.array_equal(a, b) for a, b in zip(out["scalar"], out["exact"]))
            rows.append([label, threads, steps, f"{secs['scalar']:.3f}", f"{secs['exact']:.3f}",
                         f"{secs['scalar'] / secs['exact']:.2f}", "yes" if same else "NO"])
            print(rows[-1], flush=True)
    header = ["generation", "threads", "steps", "scalar kernel s", "lockstep kernel s",
              "speed-up", "same bits"]
    text = [f"## CMA-ES generations of the dense start: {machine()}", "",
            "_Best of " + str(args.repeat) + " evaluate() calls; 4 episodes per candidate, "
            "each candidate its own weights. scalar: one rollout per job; lockstep: a net's "
            "episodes as lanes, four lanes' sums in registers._", "", table(header, rows)]
    Path(args.out).write_text("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
