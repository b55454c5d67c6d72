"""Start-up cost of the compiled backend: the first evaluation with an empty numba cache.

Each measurement is a fresh Python process with its own empty NUMBA_CACHE_DIR (cold), then a
second process on the cache the first one wrote (warm). Printed per task and kernel: seconds
to import the backend, and wall and CPU seconds of the first `evaluate` of a small generation
(almost all of it compilation or cache loading). CPU seconds are the less load-sensitive figure
on a shared machine (numba compiles on one thread).

    python benchmarks/bench_coldstart.py --tasks swingup,cartpole --modes exact,fast
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
from wann.evaluation import episode_seeds
from wann.evaluation.compiled import CompiledEvaluator
from wann.genome import InnovationRegistry, initial_genome
from wann.network import compile_population
from wann.tasks import get_task
t1 = time.perf_counter()
task = get_task(sys.argv[1])
rng = np.random.default_rng(0)
reg = InnovationRegistry(task.n_in, task.n_out)
batch = compile_population([initial_genome(task.n_in, task.n_out, reg, rng, 0.5) for _ in range(8)])
ev = CompiledEvaluator(task, threads=2, mode=sys.argv[2])
w0, c0 = time.perf_counter(), time.process_time()
ev.evaluate(batch, np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]), episode_seeds(0, 0, 3))
w1, c1 = time.perf_counter(), time.process_time()
print(json.dumps({"import": t1 - t0, "wall": w1 - w0, "cpu": c1 - c0}))
"""


def measure(task: str, mode: str, cache: str) -> dict[str, float]:
    """One fresh process's import and first-evaluate times with the given cache folder."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    out = subprocess.run([sys.executable, "-c", CHILD, task, mode], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tasks", default="swingup")
    ap.add_argument("--modes", default="exact,fast")
    args = ap.parse_args()
    print("| task | kernel | cold import s | cold first evaluate s (wall) | (CPU) | "
          "warm first evaluate s (wall) | (CPU) |")
    print("|---|---|---|---|---|---|---|")
    for task in args.tasks.split(","):
        for mode in args.modes.split(","):
            with tempfile.TemporaryDirectory() as cache:
                cold = measure(task, mode, cache)
                warm = measure(task, mode, cache)
            print(f"| {task} | {mode} | {cold['import']:.1f} | {cold['wall']:.1f} | "
                  f"{cold['cpu']:.1f} | {warm['wall']:.2f} | {warm['cpu']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
