"""Lockstep lanes and fast math against the hand-written C yardsticks, in the same run.

Compiles ../shared/bench/limit_swing.c and limit_lockstep.c (EXACT and FAST builds, 18 lanes:
6 shared weights x 3 episodes, the workload of one swing-up net) with gcc into a temporary
folder and times them beside our kernels, interleaved, best of --repeat rounds. Throughput is
environment steps per CPU second of one thread (less hurt than wall time by other load on a
shared machine; wall figures are printed too). Then a `swingup` generation of mutated champions
(lanes finish at different steps) per kernel, and the full `swingup` preset projected from it.

    python benchmarks/bench_lockstep.py --threads 1,2 --out results/bench-lockstep-local.md
    python benchmarks/bench_lockstep.py --threads 1,16 --out results/bench-lockstep-device.md
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import champion, champion_population, machine, table  # noqa: E402

from wann.config import preset, reference_dir  # noqa: E402
from wann.evaluation import episode_seeds  # noqa: E402
from wann.evaluation.compiled import CompiledEvaluator  # noqa: E402
from wann.network import compile_population  # noqa: E402
from wann.tasks import get_task  # noqa: E402

WEIGHTS = np.array(preset("swingup").weights)
W_ARG = ",".join(f"{w:g}" for w in WEIGHTS)
LANES = 18  # 6 weights x 3 repetitions
KERNELS = ("scalar", "exact", "fast")  # scalar: the previous kernel, one rollout per job


def bench_dir() -> Path:
    return reference_dir().parent / "bench"


def build_c(tmp: Path) -> dict[str, list[str]] | None:
    """The C programs as argument lists (champion, weights, blocks appended later)."""
    src = bench_dir()
    gcc = shutil.which("gcc")
    if gcc is None or not (src / "limit_lockstep.c").is_file():
        return None
    flags = ["-O3", "-march=native", "-Wno-unknown-pragmas"]
    builds = {
        "C lockstep exact": flags + [f"-DLANES={LANES}"],
        "C lockstep fast": flags + ["-ffast-math", "-fopenmp-simd", "-DFAST", f"-DLANES={LANES}", "-DPAD=4"],
    }
    progs = {}
    for name, fl in builds.items():
        exe = tmp / name.replace(" ", "_")
        subprocess.run([gcc, *fl, "-o", str(exe), str(src / "limit_lockstep.c"), "-lm"], check=True)
        progs[name] = [str(exe)]
    progs["C scalar (limit_swing loop)"] = progs["C lockstep exact"] + ["scalar"]
    return progs


def run_c(prog: list[str], champ: Path, blocks: int) -> tuple[float, float, float]:
    """(steps per wall s, steps per CPU s, mean return) of one C run."""
    cmd = [prog[0], str(champ), W_ARG, str(blocks), *prog[1:]]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    get = lambda key: float(re.search(rf"\b{key}=([-0-9.]+)", out).group(1))  # noqa: E731
    return get("steps_per_s"), get("steps_per_cpu_s"), get("mean")


def run_ours(ev: CompiledEvaluator, batch, seeds) -> tuple[float, float, float]:  # noqa: ANN001
    """(steps per wall s, steps per CPU s, mean return) of one evaluation."""
    w0, c0 = time.perf_counter(), time.process_time()
    r, _ = ev.evaluate(batch, WEIGHTS, seeds)
    w1, c1 = time.perf_counter(), time.process_time()
    return ev.last_steps / (w1 - w0), ev.last_steps / (c1 - c0), float(r.mean())


def bench_champion(repeat: int, blocks: int) -> str:
    champ_path = reference_dir() / "champions" / "swing.out"
    base = champion("swing")
    with tempfile.TemporaryDirectory() as tmp:
        progs = build_c(Path(tmp))
        if progs is None:
            return "_gcc or ../shared/bench absent: C yardsticks skipped_"
        task = get_task("swingup")
        batch = compile_population([base] * blocks)  # one net per lockstep group, as in C
        seeds = episode_seeds(0, 0, 3)
        evs = {k: CompiledEvaluator(task, threads=1, mode=k) for k in KERNELS}
        for ev in evs.values():
            ev.evaluate(batch.select([0]), WEIGHTS, seeds)  # compile / load from cache
        best: dict[str, list[float]] = {}
        for _ in range(repeat):
            for name, prog in progs.items():
                res = run_c(prog, champ_path, blocks)
                best[name] = [max(a, b) for a, b in zip(best.get(name, res), res)][:2] + [res[2]]
            for k, ev in evs.items():
                res = run_ours(ev, batch, seeds)
                best[k] = [max(a, b) for a, b in zip(best.get(k, res), res)][:2] + [res[2]]
    ref_exact, ref_fast = best["C lockstep exact"][1], best["C lockstep fast"][1]
    rows = []
    for name in ("C scalar (limit_swing loop)", "C lockstep exact", "C lockstep fast", *KERNELS):
        wall, cpu, mean = best[name]
        label = name if name.startswith("C") else f"wann {name} kernel"
        rows.append([label, wall / 1e6, cpu / 1e6, cpu / ref_exact, cpu / ref_fast, mean])
    head = ["program", "M steps/s (wall)", "M steps/s (CPU)", "vs C lockstep exact",
            "vs C lockstep fast", "mean return"]
    return (f"_reference champion swing.out, {blocks} nets x 6 weights x 3 episodes (C: {blocks} "
            f"groups of {LANES} lanes, its own start states), one thread, best of {repeat} "
            f"interleaved rounds; ratios are per CPU second_\n\n" + table(head, rows))


def bench_generation(threads: list[int], repeat: int) -> str:
    task = get_task("swingup")
    hp = preset("swingup")
    batch = compile_population(champion_population(champion("swing"), hp.pop_size))
    seeds = episode_seeds(0, 0, hp.n_reps)
    rows = []
    base: dict[int, float] = {}
    for c in threads:
        for k in KERNELS:
            ev = CompiledEvaluator(task, threads=c, mode=k)
            ev.evaluate(batch.select([0]), WEIGHTS, seeds)
            t_best = np.inf
            for _ in range(repeat):
                t0 = time.perf_counter()
                ev.evaluate(batch, WEIGHTS, seeds)
                t_best = min(t_best, time.perf_counter() - t0)
            base.setdefault(c, t_best)
            rows.append([k, c, ev.last_steps, t_best, ev.last_steps / t_best / 1e6,
                         ev.last_steps / t_best / c / 1e6, base[c] / t_best,
                         t_best * hp.generations / 60])
    head = ["kernel", "threads", "env steps", "s/generation", "M steps/s", "M steps/s per thread",
            "speed-up vs scalar kernel", "projected min, 1024 generations"]
    return (f"_`swingup` preset generation: {hp.pop_size} one-mutation variants of the reference "
            f"champion x 6 weights x {hp.n_reps} episodes (lanes end at different steps); best of "
            f"{repeat}. The projection assumes every generation costs this much (late-search nets; "
            f"early generations end episodes sooner): an upper bound, not a measured run_\n\n"
            + table(head, rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", default="1", help="thread counts for the generation table")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--blocks", type=int, default=224, help="nets (C: lockstep groups) per run")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if champion("swing") is None:
        sys.exit("bench_lockstep needs the reference champion swing.out (set WANN_REFERENCE)")
    threads = [int(c) for c in args.threads.split(",")]
    text = (f"## Lockstep lanes and fast math: {machine()}\n\n### The reference champion, one core\n\n"
            f"{bench_champion(args.repeat, args.blocks)}\n\n### A swingup generation\n\n"
            f"{bench_generation(threads, max(1, args.repeat // 2))}\n")
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
