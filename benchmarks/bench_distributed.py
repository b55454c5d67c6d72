"""Generation throughput of the pool and Dask backends, and Dask's overhead against the pool.

Each task evaluates one fixed population (one-mutation variants of the reference champion: a
late-search population whose episodes mostly run their full length) over the six shared
weights, for a few generations with fresh episode seeds each. Every configuration must give
the same returns, bit for bit; the table says so. Dask runs its own LocalCluster of
single-threaded worker processes; the pool its own processes. At each worker count both run
side by side, their generations alternating, so drifting machine load touches both alike.

    python benchmarks/bench_distributed.py --workers 1 2 --out results/bench-distributed-local.md
    python benchmarks/bench_distributed.py --workers 1 2 4 8 16 --tasks biped \\
        --out results/bench-distributed-16core.md
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import champion, champion_population, machine, table  # noqa: E402

from wann.config import preset  # noqa: E402
from wann.evaluation import episode_seeds  # noqa: E402
from wann.genome import InnovationRegistry, initial_genome  # noqa: E402
from wann.network import NetBatch, compile_population  # noqa: E402
from wann.tasks import get_task  # noqa: E402
from wann.variation import mutate  # noqa: E402

WEIGHTS = np.array(preset("biped").weights, dtype=np.float64)
CHAMPION = {"biped": "biped", "swingup": "swing"}


def population(task_name: str, size: int, seed: int = 0) -> NetBatch:
    """The reference champion's neighbourhood, or grown random nets where the data is absent."""
    base = champion(CHAMPION[task_name])
    if base is not None:
        return compile_population(champion_population(base, size, seed))
    task = get_task(task_name)
    rng = np.random.default_rng(seed)
    reg = InnovationRegistry(task.n_in, task.n_out)
    genomes = []
    for _ in range(size):
        g = initial_genome(task.n_in, task.n_out, reg, rng, 0.5)
        for _ in range(40):
            g, _ = mutate(g, rng, reg, (0.3, 0.3, 0.1, 0.3), task.hidden_acts)
        genomes.append(g)
    return compile_population(genomes)


def make(backend: str, task_name: str, workers: int):  # noqa: ANN201 - an Evaluator
    task = get_task(task_name)
    if backend == "pool":
        from wann.evaluation.pool import PoolEvaluator

        return PoolEvaluator(task, workers)
    from wann.evaluation.dask_backend import DaskEvaluator

    return DaskEvaluator(task, workers=workers)


def measure(
    backends: list[str], task_name: str, workers: int, batch: NetBatch, reps: int,
    generations: int,
) -> dict[str, dict]:
    """Time the backends side by side: their generations alternate, so a change in the
    machine's load touches all of them alike (the others sit idle meanwhile)."""
    evaluators, out = {}, {}
    try:
        for backend in backends:
            t0 = time.perf_counter()
            evaluators[backend] = make(backend, task_name, workers)
            out[backend] = {"startup": time.perf_counter() - t0, "times": [], "returns": None}
            # One small untimed generation: every later one runs on warm workers.
            evaluators[backend].evaluate(
                batch.select(range(min(batch.n_nets, 4 * workers))), WEIGHTS[:1],
                episode_seeds(0, 999, 1),
            )
        for g in range(generations):
            seeds = episode_seeds(0, g, reps)
            for backend, ev in evaluators.items():
                t = time.perf_counter()
                returns, _ = ev.evaluate(batch, WEIGHTS, seeds)
                out[backend]["times"].append(time.perf_counter() - t)
                if out[backend]["returns"] is None:
                    out[backend]["returns"] = returns
    finally:
        for ev in evaluators.values():
            ev.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts")
    ap.add_argument("--tasks", nargs="+", default=["biped", "swingup"], choices=sorted(CHAMPION))
    ap.add_argument("--backends", nargs="+", default=["pool", "dask"], choices=["pool", "dask"])
    ap.add_argument("--biped-pop", type=int, default=64, help="BipedalWalker population")
    ap.add_argument("--swingup-pop", type=int, default=192, help="swing-up population")
    ap.add_argument("--reps", type=int, default=1, help="episodes per shared weight")
    ap.add_argument("--generations", type=int, default=2, help="timed generations per setting")
    ap.add_argument("--out", required=True, help="markdown file to write the tables to")
    args = ap.parse_args()

    rows, overhead, mismatches = [], [], []
    for task_name in args.tasks:
        pop = args.biped_pop if task_name == "biped" else args.swingup_pop
        batch = population(task_name, pop)
        episodes = batch.n_nets * WEIGHTS.size * args.reps
        reference = None
        base_time: dict[str, float] = {}
        per_workers: dict[int, dict[str, float]] = {}
        for workers in args.workers:
            results = measure(args.backends, task_name, workers, batch, args.reps,
                              args.generations)
            for backend, m in results.items():
                s_gen = statistics.median(m["times"])
                if reference is None:
                    reference = m["returns"]
                same = np.array_equal(m["returns"], reference)
                if not same:
                    mismatches.append(f"{task_name} {backend} x{workers}")
                base_time.setdefault(backend, s_gen * workers)  # first (smallest) count
                per_workers.setdefault(workers, {})[backend] = s_gen
                rows.append([
                    task_name, backend, workers, episodes, round(m["startup"], 2),
                    round(s_gen, 3), round(episodes / s_gen, 1),
                    round(base_time[backend] / s_gen, 2), "yes" if same else "NO",
                ])
                print(" | ".join(map(str, rows[-1])), flush=True)
        for workers, by in per_workers.items():
            if "pool" in by and "dask" in by:
                overhead.append([task_name, workers, round(by["pool"], 3), round(by["dask"], 3),
                                 f"{100 * (by['dask'] / by['pool'] - 1):+.1f}%"])

    text = [
        "## Distributed evaluation: pool and Dask (`benchmarks/bench_distributed.py`)",
        "",
        f"Machine: {machine()}.",
        f"Command: `python {' '.join(sys.argv)}`.",
        f"Each generation: every net x {WEIGHTS.size} shared weights x {args.reps} episode(s); "
        f"median of {args.generations} timed generations after a warm-up, the backends' "
        "generations alternating. Speedup: against the smallest worker count of the same "
        "backend, scaled by its worker count.",
        "",
        table(["task", "backend", "workers", "episodes/gen", "startup s", "s/gen",
               "episodes/s", "speedup", "same returns"], rows),
    ]
    if overhead:
        text += ["", "Dask against the pool at equal workers (positive: Dask is slower):", "",
                 table(["task", "workers", "pool s/gen", "dask s/gen", "dask overhead"],
                       overhead)]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(text) + "\n")
    print("\n".join(text))
    if mismatches:
        print(f"returns differ for: {', '.join(mismatches)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
