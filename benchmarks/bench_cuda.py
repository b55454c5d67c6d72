"""The CUDA backend beside the hand-written GPU yardstick and the compiled CPU backend.

Swing-up generations of 192, 1,920 and 19,200 nets x 6 weights x 3 repetitions (3,456 to
345,600 rollouts of up to 1,000 steps), in two populations: copies of the reference champion
(the yardstick's workload: every thread runs the same net) and one-mutation variants of it (a
late-search generation: nets of different sizes and episode lengths). The yardstick
(`../shared/bench/limit_swing_gpu.cu`, one thread per rollout of the champion) is built with
nvcc and run in the same benchmark run, so the ratio, not a noisy absolute, is the result.

    python benchmarks/bench_cuda.py --out results/bench-cuda.md [--yardstick FILE.cu]
        [--run-dir results/swingup-cuda --run-wall SECONDS]   # adds a finished run's times
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import best_of, champion, champion_population, machine, table  # noqa: E402

from wann.config import reference_dir  # noqa: E402
from wann.evaluation import episode_seeds  # noqa: E402
from wann.evaluation.compiled import CompiledEvaluator  # noqa: E402
from wann.evaluation.cuda import CudaEvaluator  # noqa: E402
from wann.network import compile_genome, compile_population, pack_batches  # noqa: E402
from wann.tasks import get_task  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])
NVCC = os.environ.get("NVCC", "/usr/local/cuda/bin/nvcc")


def gpu_name() -> str:
    from numba import cuda

    d = cuda.get_current_device()
    name = d.name.decode() if isinstance(d.name, bytes) else str(d.name)
    return f"{name} (compute capability {d.compute_capability[0]}.{d.compute_capability[1]})"


def build_yardstick(source: Path, workdir: Path) -> Path:
    exe = workdir / "limit_swing_gpu"
    subprocess.run([NVCC, "-O3", "-arch=sm_90", "-o", str(exe), str(source)], check=True)
    return exe


def run_yardstick(exe: Path, champ_out: Path, rollouts: int) -> tuple[float, float]:
    """(steps per second, mean return) as the yardstick prints them (best of 5 launches)."""
    p = subprocess.run([str(exe), str(champ_out), str(rollouts)], check=True,
                       capture_output=True, text=True)
    m = re.search(r"steps_per_s=(\S+) mean_return=(\S+) err=(.*)", p.stdout)
    if m is None or m.group(3).strip() != "no error":
        raise RuntimeError(f"yardstick failed: {p.stdout} {p.stderr}")
    return float(m.group(1)), float(m.group(2))


def time_gpu(ev: CudaEvaluator, batch, seeds, repeat: int = 5) -> tuple[float, float, int]:
    """Best kernel-only and best whole-evaluate seconds, and the steps of one generation."""
    ev.evaluate(batch, WEIGHTS, seeds)  # compile / load and warm up
    kernel = np.inf

    def once() -> None:
        nonlocal kernel
        ev.evaluate(batch, WEIGHTS, seeds)
        kernel = min(kernel, ev.last_kernel_seconds)

    whole = best_of(once, repeat)
    return kernel, whole, ev.last_steps


def run_times(run_dir: Path) -> tuple[int, float, float]:
    """Generations, summed evaluation seconds and summed generation seconds of a run's log."""
    with open(run_dir / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return (len(rows), sum(float(r["eval_seconds"]) for r in rows),
            sum(float(r["gen_seconds"]) for r in rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--yardstick", default=str(ROOT.parent / "shared" / "bench" / "limit_swing_gpu.cu"))
    ap.add_argument("--sizes", default="192,1920,19200", help="nets per generation")
    ap.add_argument("--cpu-sizes", default="192,1920", help="sizes also run on the CPU backend")
    ap.add_argument("--cpu-threads", type=int, default=os.cpu_count())
    ap.add_argument("--run-dir", help="a finished `wann evolve --backend cuda` run to report")
    ap.add_argument("--run-wall", type=float, help="that run's end-to-end wall seconds")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    cpu_sizes = {int(s) for s in args.cpu_sizes.split(",") if s}
    task = get_task("swingup")
    base = champion("swing")
    if base is None:
        sys.exit("bench_cuda needs the reference champion (set WANN_REFERENCE)")
    champ_out = reference_dir() / "champions" / "swing.out"
    seeds = episode_seeds(0, 0, 3)
    one = compile_genome(base)
    populations = {"champion": lambda n: pack_batches([one] * n),
                   "mutated": lambda n: compile_population(champion_population(base, n))}

    with tempfile.TemporaryDirectory() as tmp:
        exe = build_yardstick(Path(args.yardstick), Path(tmp))
        yard = {n: run_yardstick(exe, champ_out, n * 18) for n in sizes}
    for n, (sps, ret) in yard.items():
        print(f"yardstick {n * 18} rollouts: {sps:.3e} steps/s, mean return {ret:.1f}", flush=True)

    gpu = {a: CudaEvaluator(task, align=a, local=False) for a in (1, 32)}
    gpu["local"] = CudaEvaluator(task, align=1, local=True)
    gpu["local32"] = CudaEvaluator(task, align=32, local=True)
    gpu[0] = CudaEvaluator(task)  # the defaults: local arrays, layout by generation size
    cpu = CompiledEvaluator(task, threads=args.cpu_threads)
    rows = []
    for kind, make in populations.items():
        for n in sizes:
            batch = make(n)
            t0 = time.perf_counter()
            gpu[0].evaluate(batch, WEIGHTS, seeds)
            first = time.perf_counter() - t0  # the first call compiles the kernel
            res = {a: time_gpu(gpu[a], batch, seeds) for a in (1, 32, 0, "local", "local32")}
            k_local, k_local32 = res["local"][0], res["local32"][0]
            k1, _, steps = res[1]
            k32, _, _ = res[32]
            _, w0, _ = res[0]
            cpu_sps = None
            if n in cpu_sizes:
                t_cpu = best_of(lambda b=batch: cpu.evaluate(b, WEIGHTS, seeds), 2)
                cpu_sps = cpu.last_steps / t_cpu
            row = [kind, n * 18, steps, yard[n][0], steps / k1, steps / k32, steps / k_local,
                   steps / k_local32, steps / w0,
                   steps / w0 / yard[n][0], cpu_sps if cpu_sps else "-",
                   steps / w0 / cpu_sps if cpu_sps else "-"]
            print(f"{kind} {n}: first call {first:.2f} s; evaluate() steps/s with local arrays, "
                  f"warp per net: {steps / res['local32'][1]:.4g}", flush=True)
            rows.append(row)
            print(row, flush=True)
    # Threads per block, packed layout, on the champion copies: the kernel alone.
    blocks_rows = []
    for n in sizes:
        batch = populations["champion"](n)
        row = [n * 18]
        for block in (64, 128, 256):
            ev = CudaEvaluator(task, align=1, block=block)
            k, _, steps = time_gpu(ev, batch, seeds)
            row.append(steps / k / yard[n][0])
        blocks_rows.append(row)
        print(row, flush=True)
    try:
        regs = {name: list(gpu[0].kernels.generation_kernel(0, 5, 1, False, local, True)
                           .get_regs_per_thread().values())
                for name, local in (("scratch", 0), ("local, 64 nodes", 64))}
    except Exception as exc:  # noqa: BLE001 - only a note
        regs = {"?": str(exc)}

    header = ["population", "rollouts", "steps", "yardstick steps/s", "kernel steps/s (scratch, packed)",
              "kernel steps/s (scratch, warp per net)", "kernel steps/s (local, packed)",
              "kernel steps/s (local, warp per net)", "evaluate() steps/s (defaults)",
              "evaluate() / yardstick",
              f"CPU compiled {args.cpu_threads} threads steps/s", "evaluate() / CPU"]
    text = [f"## CUDA backend: {gpu_name()}; host {machine()}", "",
            "_Swing-up generations of N nets x 6 weights x 3 reps (rollouts up to 1,000 steps). "
            "`champion`: N copies of the reference champion, the yardstick's workload; "
            "`mutated`: N one-mutation variants of it. Kernel steps/s: launch to finish, best of "
            "5; evaluate(): the whole call the search makes (episode start states, copies to "
            "and from the device, launch), with the defaults: node values in per-thread local "
            "arrays, nets padded to whole warps in generations of up to 16,384 padded threads "
            "and packed in larger ones. scratch: node values in a global [node, thread] array; "
            "packed: nets back to back (18 threads each); warp per net: each net's rollouts "
            "padded to 32 threads. The yardstick "
            "(limit_swing_gpu.cu, nvcc -O3 -arch=sm_90) ran in the same benchmark run._", "",
            table(header, rows), "", f"Registers per thread of the kernel: {regs}", "",
            "Kernel steps/s over the yardstick's by threads per block (champion copies, local, "
            "packed):",
            "", table(["rollouts", "64", "128 (default)", "256"], blocks_rows)]
    if args.run_dir:
        gens, ev_s, gen_s = run_times(Path(args.run_dir))
        wall = f"{args.run_wall:.1f} s end to end (process start to exit)" if args.run_wall else ""
        text += ["", f"### Full run: `wann evolve --preset swingup --backend cuda` "
                 f"({gens} generations)", "",
                 f"{wall}; GPU evaluation (evaluate() calls) {ev_s:.1f} s, host work inside "
                 f"generations (ask, compile, tell, writing the run folder) {gen_s - ev_s:.1f} s."]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
