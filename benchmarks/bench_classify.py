"""A classification generation on the CPU: the host's share (breeding, compiling the nets,
ranking, the run folder) beside the compiled kernel's, and the time to load MNIST.

The search is the paper's `mnist256` preset (population 960, one minibatch of 1,000 images,
six shared weights) on the real 16x16 MNIST, for its first generations, with the compiled
evaluator on `--workers` threads; each part of the loop is timed as in bench_host.py. The
loads: the 16x16 set built from the gzipped files, the same again (kept in memory), and the
28x28 set.

    python benchmarks/bench_classify.py --data ../shared/data/mnist --generations 20 \
        --workers 2 --out results/bench-classify-local.md
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_host import timed  # noqa: E402
from common import machine, table  # noqa: E402

import wann.run as run_module  # noqa: E402
from wann.classify import from_dataset  # noqa: E402
from wann.classify.evaluator import ClassifyEvaluator  # noqa: E402
from wann.config import preset  # noqa: E402
from wann.datasets import load_dataset, memo  # noqa: E402
from wann.run import Run  # noqa: E402
from wann.search import Search  # noqa: E402


def load_times(data: str) -> list[list[object]]:
    """Seconds to load each set (16x16 built, 16x16 kept, 28x28)."""
    memo.forget()
    rows = []
    for label, name in (("mnist (16x16 deskewed), built from the files", "mnist"),
                        ("mnist again (kept in memory: a copy)", "mnist"),
                        ("mnist28 (28x28, pixels / 255)", "mnist28")):
        t = time.perf_counter()
        d = load_dataset(name, data)
        rows.append([label, f"{time.perf_counter() - t:.2f}",
                     f"{d.x_train.shape[0]:,} x {d.x_train.shape[1]}"])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="folder of the four MNIST IDX files")
    ap.add_argument("--generations", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    loads = load_times(args.data)
    task = from_dataset(load_dataset("mnist", args.data))
    hp = preset("mnist256").replace(generations=args.generations, checkpoint_every=0)
    parts = {"ask": 0.0, "compile": 0.0, "evaluate (kernel)": 0.0, "tell": 0.0,
             "reporters": 0.0}
    timed(Search, "ask", parts, "ask")
    timed(Search, "tell", parts, "tell")
    timed(run_module, "compile_population", parts, "compile")
    timed(ClassifyEvaluator, "evaluate", parts, "evaluate (kernel)")
    timed(Run, "_notify", parts, "reporters")
    ev = ClassifyEvaluator(task, threads=args.workers)
    ev.evaluate(run_module.compile_population(Search(hp, task.n_in, task.n_out,
                                                     task.hidden_acts).ask()[:2]),
                np.ones(1), np.arange(1))  # compile (or load) the kernel first
    parts["evaluate (kernel)"] = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        r = Run.new(task, hp, ev, Path(tmp) / "run", 1)
        t0 = time.perf_counter()
        r.run()
        total = time.perf_counter() - t0
        history = r.rows
    n = args.generations
    rows = [[k, f"{v:.2f}", f"{1e3 * v / n:.0f}"] for k, v in parts.items()]
    host = total - parts["evaluate (kernel)"]
    rows.append(["host (whole loop less the kernel)", f"{host:.2f}", f"{1e3 * host / n:.0f}"])
    rows.append(["whole loop", f"{total:.2f}", f"{1e3 * total / n:.0f}"])
    conns = [h["median_connections"] for h in history]
    text = [f"## A `mnist256` generation on the CPU: {machine()}", "",
            f"_The first {n} generations of the `mnist256` preset (population 960, 6 shared "
            f"weights, a minibatch of 1,000 16x16 images), seed 1, the compiled evaluator on "
            f"{args.workers} threads, a run folder written every generation, no checkpoints; "
            f"median connections {conns[0]:.0f} in the first generation, {conns[-1]:.0f} in "
            "the last. evaluate includes the best nets' re-tests. Load average when it "
            f"ended: {os.getloadavg()[0]:.1f} (other jobs shared the cores)._", "",
            table(["part", "seconds", "ms per generation"], rows), "",
            "Loading MNIST from the gzipped IDX files:", "",
            table(["set", "seconds", "training images"], loads), "",
            "The GPU evaluator (`--backend cuda`) was not timed here: no GPU on this machine."]
    Path(args.out).write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
