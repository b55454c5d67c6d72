"""How far can this machine scale a perfectly parallel numba loop? The ceiling that the
compiled backend's scaling should be read against (a VM's vCPUs may share physical cores).

    python benchmarks/bench_ceiling.py --cores 1,2,4,8,16 --out results/bench-ceiling.md
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numba
import numpy as np
from numba import prange

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import best_of, champion, champion_population, machine, table  # noqa: E402

from wann.evaluation import episode_seeds  # noqa: E402
from wann.evaluation.compiled import CompiledEvaluator  # noqa: E402
from wann.network import compile_population  # noqa: E402
from wann.tasks import get_task  # noqa: E402


@numba.njit(parallel=True, cache=True)
def pure_compute(n_jobs: int, work: int) -> np.ndarray:
    """n_jobs independent jobs of sin/cos/tanh arithmetic, no memory traffic to speak of."""
    out = np.empty(n_jobs)
    for j in prange(n_jobs):
        x = j * 1e-3
        for _ in range(work):
            x = math.sin(x) + 0.5 * math.cos(1.3 * x) + math.tanh(0.1 * x)
        out[j] = x
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cores", default="1,2")
    ap.add_argument("--nets", type=int, default=768, help="population of the compiled run")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cores = [int(c) for c in args.cores.split(",")]
    task = get_task("swingup")
    base = champion("swing")
    if base is None:
        sys.exit("bench_ceiling needs the reference champion (set WANN_REFERENCE)")
    batch = compile_population(champion_population(base, args.nets))
    weights, seeds = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]), episode_seeds(0, 0, 3)
    rows, t_pure1, t_comp1 = [], None, None
    pure_compute(32, 10)
    for c in cores:
        numba.set_num_threads(c)
        t_pure = best_of(lambda: pure_compute(4096, 20_000))
        ev = CompiledEvaluator(task, threads=c)
        ev.evaluate(batch.select([0]), weights, seeds)
        t_comp = best_of(lambda ev=ev: ev.evaluate(batch, weights, seeds))
        t_pure1 = t_pure1 or t_pure
        t_comp1 = t_comp1 or t_comp
        rows.append([c, t_pure, t_pure1 / t_pure, t_comp, ev.last_steps / t_comp, t_comp1 / t_comp])
    body = table(["threads", "pure prange s", "pure speed-up", "compiled swing-up s",
                  "steps/s", "compiled speed-up"], rows)
    text = (f"## Scaling ceiling: {machine()}\n\n_{args.nets} swing-up nets (mutated champions) x 6 "
            f"weights x 3 reps; pure: 4096 jobs of transcendental arithmetic_\n\n{body}\n")
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
