"""The host's share of a search: everything a generation costs besides its rollouts.

On one H200 a `swingup` generation's rollouts take about 3 ms (192 nets) to 4 ms (1,920);
the host's ask, genome compilation, tell (ranking, breeding) and run-folder writes decide a
GPU run's wall time. Here an evaluator that returns seeded random numbers stands in for the
rollouts (rewarding connections, so that nets grow), asynchronous as the GPU's is (so the
run folder is written by a writer thread, as on the GPU), and each part is timed over a
`swingup`-preset search. Beside it, in the same run: the population's compilation in one
compiled call against the per-genome path it replaced (compile each genome, then pack).

    python benchmarks/bench_host.py --generations 300 --out results/bench-host-local.md
    python benchmarks/bench_host.py --sizes 192,1920,19200 --generations 300,300,100 \
        --out results/bench-host-local.md     # 10x and 100x the population
    python benchmarks/bench_host.py --preset mnist256 --data ../shared/data/mnist \
        --sizes 960 --generations 600 --checkpoint-every 8 --out results/bench-host-mnist-local.md

With several sizes, `--generations` gives each its own count (nets grow over a run, so the
per-generation figures are means over that many generations). `--preset mnist256` is the
paper's MNIST search (its 2,560 input-output connections carried by every genome), whose
host work bounds its GPU run; `--checkpoint-every` writes checkpoints as a real run does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, table  # noqa: E402

import wann.run as run_module  # noqa: E402
from wann import netcompile, reporters  # noqa: E402
from wann.config import preset  # noqa: E402
from wann.evaluation.faults import NoFaults  # noqa: E402
from wann.families import resolve_task as get_task  # noqa: E402
from wann.network import compile_genome, compile_population, pack_batches  # noqa: E402
from wann.run import Run  # noqa: E402
from wann.search import Search  # noqa: E402


class RandomReturns(NoFaults):
    """Returns drawn from a seeded generator, plus 1 per enabled connection so that nets grow
    as in a real search: the search runs, no rollout does."""

    def __init__(self) -> None:
        self.rng = np.random.default_rng(0)

    def evaluate(self, batch, weights, seeds):  # noqa: ANN001, ANN201
        shape = (batch.n_nets, len(weights), len(seeds))
        grow = 1.0 * batch.n_conn[:, None, None]
        return self.rng.random(shape) * 100.0 + grow, np.zeros(shape, dtype=bool)

    def submit(self, batch, weights, seeds):  # noqa: ANN001, ANN201
        """As the GPU evaluator: launch now, collect later (the run then overlaps its
        run-folder writes with the next generation, as on the device)."""
        result = self.evaluate(batch, weights, seeds)
        return lambda: result

    def close(self) -> None:
        pass


def timed(owner: object, name: str, bucket: dict[str, float], key: str) -> None:
    """Add the wall time of every call of owner.name to bucket[key]."""
    fn = getattr(owner, name)

    def wrapper(*a, **k):  # noqa: ANN002, ANN003, ANN202
        t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            bucket[key] += time.perf_counter() - t

    setattr(owner, name, wrapper)


def measure(pop_size: int, generations: int, name: str = "swingup", data: str | None = None,
            checkpoint_every: int = 0) -> tuple[list[list[str]], float, object]:
    """Host time of one search of pop_size x generations, by part; (rows, total, population)."""
    task = get_task(name, data)
    hp = preset(name).replace(pop_size=pop_size, generations=generations,
                              checkpoint_every=checkpoint_every)
    parts = {"ask": 0.0, "compile": 0.0, "tell": 0.0, "reporters": 0.0,
             "waiting for files": 0.0, "writer thread": 0.0}
    saved = [(o, n, getattr(o, n)) for o, n in ((Search, "ask"), (Search, "tell"),
                                                (run_module, "compile_population"),
                                                (Run, "_notify"),
                                                (reporters.FolderWriter, "submit"))]
    timed(Search, "ask", parts, "ask")
    timed(Search, "tell", parts, "tell")
    timed(run_module, "compile_population", parts, "compile")
    notify = Run._notify

    def split_notify(self, event, *a):  # noqa: ANN001, ANN002, ANN202
        t = time.perf_counter()
        try:
            return notify(self, event, *a)
        finally:
            key = "waiting for files" if event == "settle" else "reporters"
            parts[key] += time.perf_counter() - t

    Run._notify = split_notify
    submit = reporters.FolderWriter.submit

    def timed_submit(self, job):  # noqa: ANN001, ANN202
        def run_job() -> None:
            t = time.perf_counter()
            try:
                job()
            finally:
                parts["writer thread"] += time.perf_counter() - t
        submit(self, run_job)

    reporters.FolderWriter.submit = timed_submit
    try:
        with tempfile.TemporaryDirectory() as tmp:
            r = Run.new(task, hp, RandomReturns(), Path(tmp) / "run", 1)
            t0 = time.perf_counter()
            r.run()
            total = time.perf_counter() - t0
            genomes = r.search.population
    finally:
        for o, n, f in saved:
            setattr(o, n, f)
    n = generations
    rows = [[f"{pop_size:,}", k, f"{v:.2f}", f"{1e3 * v / n:.2f}"] for k, v in parts.items()]
    rows.append([f"{pop_size:,}", "whole loop", f"{total:.2f}", f"{1e3 * total / n:.2f}"])
    return rows, total, genomes


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generations", default="300",
                    help="generations per size (one number, or one per size)")
    ap.add_argument("--sizes", default="192", help="population sizes, comma-separated")
    ap.add_argument("--preset", default="swingup", help="the search's preset and task")
    ap.add_argument("--data", help="data folder of a classification task (mnist256)")
    ap.add_argument("--checkpoint-every", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    gens = [int(x) for x in args.generations.split(",")]
    gens = gens * len(sizes) if len(gens) == 1 else gens
    # Compile every numba function first (their caches may be cold), the parallel
    # population compile included.
    saved = netcompile.PARALLEL_FROM, netcompile.PARALLEL_THREADS
    netcompile.PARALLEL_FROM = netcompile.PARALLEL_THREADS = 1
    measure(max(16, preset(args.preset).tourn_size), 3, args.preset, args.data,
            args.checkpoint_every)
    netcompile.PARALLEL_FROM, netcompile.PARALLEL_THREADS = saved
    rows: list[list[str]] = []
    first = None
    for size, n in zip(sizes, gens):
        r, _, genomes = measure(size, n, args.preset, args.data, args.checkpoint_every)
        rows += r
        first = genomes if first is None else first
        print("\n".join(" | ".join(x) for x in r), flush=True)
    genomes = list(first)
    compile_population(genomes)
    best = {"one call": np.inf, "per genome, then packed": np.inf}
    for _ in range(20):
        t = time.perf_counter()
        compile_population(genomes)
        best["one call"] = min(best["one call"], time.perf_counter() - t)
        t = time.perf_counter()
        pack_batches([compile_genome(g) for g in genomes])
        best["per genome, then packed"] = min(best["per genome, then packed"],
                                             time.perf_counter() - t)
    size = np.mean([g.n_enabled for g in genomes])
    what = ", ".join(f"{n} generations of {s:,}" for s, n in zip(sizes, gens))
    ckpt = (f"a checkpoint every {args.checkpoint_every} generations"
            if args.checkpoint_every else "no checkpoints")
    text = [f"## Host time of a `{args.preset}` search without rollouts: {machine()}", "",
            f"_{what}; random returns (seed 0) plus 1 per connection, a run "
            f"folder written every generation (log, population, best, champion when it "
            f"changes), {ckpt}. "
            "compile includes the champion re-test's one-genome batch; reporters is what "
            "the loop spends handing a generation to the reporters, waiting for files the "
            "time it waits for the writer thread to finish the last generation's files, "
            "writer thread the time that thread spent writing (beside the loop); whole loop "
            "is the wall time._", "",
            table(["population", "part", "seconds", "ms per generation"], rows), "",
            f"Compiling the last generation of the first size ({len(genomes)} genomes, "
            f"{size:.0f} enabled connections on average), best of 20:", "",
            table(["how", "ms"], [[k, f"{1e3 * v:.2f}"] for k, v in best.items()])]
    Path(args.out).write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
