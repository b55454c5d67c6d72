"""A classification generation on the CPU and on the GPU: the host's share (breeding,
compiling the nets, ranking, the run folder) beside the evaluator's, and the time to load MNIST.

The search is the paper's `mnist256` preset (population 960, one minibatch of 1,000 images,
six shared weights) on the real 16x16 MNIST, for its first generations, once per backend in
the same process: `compiled` (the CPU kernel on `--workers` threads) and, with `--cuda`, the
GPU evaluator (one launch a generation, overlapped with the host's breeding as in `wann
evolve --backend cuda`). Each part of the loop is timed as in bench_host.py. The loads: the
16x16 set built from the gzipped files, the same again (kept in memory), and the 28x28 set.

    python benchmarks/bench_classify.py --data ../shared/data/mnist --generations 20 \
        --workers 2 --out results/bench-classify-local.md
    python benchmarks/bench_classify.py --data DIR --generations 200 --workers 16 --cuda \
        --out results/bench-classify-device.md          # on the GPU machine
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


class Timed:
    """An evaluator whose evaluation is timed (`seconds`): `evaluate` whole and, for one that
    can `submit` (the GPU), the launch plus the wait for its results; the host's breeding
    between the two is not counted. Everything else is the evaluator's own."""

    def __init__(self, evaluator: object) -> None:
        self.evaluator = evaluator
        self.seconds = 0.0
        if hasattr(evaluator, "submit"):
            self.submit = self._submit

    def __getattr__(self, name: str) -> object:
        return getattr(self.evaluator, name)

    def evaluate(self, *args):  # noqa: ANN002, ANN201
        t = time.perf_counter()
        try:
            return self.evaluator.evaluate(*args)
        finally:
            self.seconds += time.perf_counter() - t

    def _submit(self, *args):  # noqa: ANN002, ANN202
        t = time.perf_counter()
        collect = self.evaluator.submit(*args)
        launched = time.perf_counter() - t

        def wait():  # noqa: ANN202
            t1 = time.perf_counter()
            try:
                return collect()
            finally:
                self.seconds += launched + time.perf_counter() - t1
        return wait


def search_times(task: object, evaluator: object, generations: int
                 ) -> tuple[list[list[str]], float, list[dict]]:
    """Time the first `generations` of `mnist256` with `evaluator`, by part."""
    hp = preset("mnist256").replace(generations=generations, checkpoint_every=0)
    parts = {"ask": 0.0, "compile": 0.0, "evaluate": 0.0, "tell": 0.0, "reporters": 0.0}
    saved = [(o, n, getattr(o, n)) for o, n in ((Search, "ask"), (Search, "tell"),
                                                (run_module, "compile_population"),
                                                (Run, "_notify"))]
    timed(Search, "ask", parts, "ask")
    timed(Search, "tell", parts, "tell")
    timed(run_module, "compile_population", parts, "compile")
    timed(Run, "_notify", parts, "reporters")
    ev = Timed(evaluator)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            r = Run.new(task, hp, ev, Path(tmp) / "run", 1)
            t0 = time.perf_counter()
            r.run()
            total = time.perf_counter() - t0
            history = r.rows
    finally:
        for o, n, f in saved:
            setattr(o, n, f)
    parts["evaluate"] = ev.seconds
    n = generations
    rows = [[k, f"{v:.2f}", f"{1e3 * v / n:.1f}"] for k, v in parts.items()]
    rows.append(["whole loop", f"{total:.2f}", f"{1e3 * total / n:.1f}"])
    return rows, total, history


def warm(evaluator: object, task: object) -> None:
    """Compile (or load) the evaluator's kernel before timing."""
    pop = Search(preset("mnist256"), task.n_in, task.n_out, task.hidden_acts).ask()[:2]
    evaluator.evaluate(run_module.compile_population(pop), np.ones(1), np.arange(1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="folder of the four MNIST IDX files")
    ap.add_argument("--generations", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cuda", action="store_true", help="also time the GPU evaluator")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    loads = load_times(args.data)
    task = from_dataset(load_dataset("mnist", args.data))
    n = args.generations
    runs = []
    ev = ClassifyEvaluator(task, threads=args.workers)
    warm(ev, task)
    runs.append((f"compiled, {args.workers} threads", *search_times(task, ev, n)))
    ev.close()
    if args.cuda:
        from wann.classify.cuda import ClassifyCudaEvaluator

        gpu = ClassifyCudaEvaluator(task)
        warm(gpu, task)
        runs.append(("cuda (one launch a generation)", *search_times(task, gpu, n)))
        gpu.close()
    text = [f"## `mnist256` generations by backend: {machine()}", "",
            f"_The first {n} generations of the `mnist256` preset (population 960, 6 shared "
            "weights, a minibatch of 1,000 16x16 images of the real MNIST), seed 1, a run "
            "folder written every generation, no checkpoints, each backend's kernel compiled "
            "before its timing. evaluate includes the best nets' re-tests; on the GPU it is "
            "the copies and launch plus the wait for the results (the breeding between them "
            "is the host's). Load average when it ended: "
            f"{os.getloadavg()[0]:.1f}._", ""]
    body = []
    for label, rows, _total, history in runs:
        conns = [h["median_connections"] for h in history]
        body += [[label, *r] for r in rows]
        text.append(f"- {label}: median connections {conns[0]:.0f} in the first generation, "
                    f"{conns[-1]:.0f} in the last; best fitness (minus the minibatch cross-entropy) "
                    f"{history[-1]['best_fitness']:.4f}")
    text += ["", table(["backend", "part", "seconds", "ms per generation"], body), ""]
    if len(runs) == 2:
        cpu, gpu_total = runs[0][2], runs[1][2]
        text += [f"Whole loop, {runs[0][0]} / GPU: {cpu / gpu_total:.1f}x.", ""]
    text += ["Loading MNIST from the gzipped IDX files:", "",
             table(["set", "seconds", "training images"], loads)]
    if not args.cuda:
        text += ["", "The GPU evaluator (`--cuda`) was not timed here."]
    Path(args.out).write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
