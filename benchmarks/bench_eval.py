"""Evaluation speed: forward pass, swing-up throughput (reference-style numpy vs pool vs
compiled), seconds per generation, scaling with cores, BipedalWalker through the pool, and
start-up time. Writes a markdown section (with the machine's description) to --out.

    python benchmarks/bench_eval.py --cores 1,2 --out results/bench-local.md
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reference_baseline as refb  # noqa: E402
from common import best_of, champion, champion_population, machine, table  # noqa: E402

from wann.config import preset  # noqa: E402
from wann.evaluation import episode_seeds  # noqa: E402
from wann.evaluation.compiled import CompiledEvaluator, initial_states  # noqa: E402
from wann.evaluation.pool import PoolEvaluator  # noqa: E402
from wann.evaluation.rollout import run_episode  # noqa: E402
from wann.network import compile_genome, compile_population, forward, kernel_args  # noqa: E402
from wann.tasks import get_task  # noqa: E402

WEIGHTS = np.array(preset("swingup").weights)


@numba.njit(cache=True)
def _loop_forward(node_off, act, in_start, in_end, edge_src, edge_w, out_pos, n_in, obs, n):
    values = np.empty(node_off[1])
    out = np.empty(out_pos.shape[1])
    acc = 0.0
    for i in range(n):
        obs[0] = i * 1e-6
        forward(node_off, act, in_start, in_end, edge_src, edge_w, out_pos, 0, n_in, obs, 0.5,
                values, out)
        acc += out[0]
    return acc


def _forward_row(name: str) -> list | None:
    """ns per forward call of one champion: compiled single, compiled batched, numpy."""
    from wann.network import activate

    g = champion(name)
    if g is None:
        return None
    b = compile_genome(g)
    args = kernel_args(b)
    obs = np.random.default_rng(0).normal(size=g.n_in)
    n = 200_000
    _loop_forward(*args, g.n_in, obs.copy(), 10)
    t_single = best_of(lambda: _loop_forward(*args, g.n_in, obs.copy(), n))
    many = np.random.default_rng(1).normal(size=(4096, g.n_in))
    activate(b, 0, many, 0.5)
    t_batch = best_of(lambda: activate(b, 0, many, 0.5))
    wmat, avec, n_in, n_out = refb.to_matrix(g, 0.5)
    t_ref = best_of(lambda: [refb.act(wmat, avec, n_in, n_out, obs) for _ in range(2000)])
    return [f"{name}.out", g.n_enabled, t_single / n * 1e9, t_batch / 4096 * 1e9,
            t_ref / 2000 * 1e9, (t_ref / 2000) / (t_single / n)]


def bench_forward() -> str:
    rows = [_forward_row(name) for name in ("swing", "biped")]
    if any(r is None for r in rows):
        return "_reference champions not found: forward-pass benchmark skipped_"
    return table(["net", "connections", "ns/call (single, compiled loop)", "ns/input (batch 4096)",
                  "ns/call (reference numpy)", "speed-up single"], rows)


def swing_population(size: int) -> list:
    base = champion("swing")
    if base is None:
        from wann.genome import InnovationRegistry, initial_genome

        reg = InnovationRegistry(5, 1)
        rng = np.random.default_rng(0)
        return [initial_genome(5, 1, reg, rng, 1.0) for _ in range(size)]
    return champion_population(base, size)


def bench_throughput(cores: list[int], pool_nets: int, base_nets: int) -> tuple[str, str, dict]:
    task = get_task("swingup")
    pop = swing_population(192)
    seeds = episode_seeds(0, 0, 3)
    batch = compile_population(pop)
    results: dict = {}
    # (c) compiled, whole generation, per thread count.
    comp_rows = []
    for c in cores:
        ev = CompiledEvaluator(task, threads=c)
        ev.evaluate(batch.select([0]), WEIGHTS, seeds)
        t = best_of(lambda ev=ev: ev.evaluate(batch, WEIGHTS, seeds), repeat=3)
        steps = ev.last_steps
        results[("compiled", c)] = (steps, t)
        comp_rows.append([c, steps, t, steps / t, steps / t / c])
    # (b) pool on the first pool_nets nets of the generation.
    sub = batch.select(range(pool_nets))
    ev1 = CompiledEvaluator(task)
    ev1.evaluate(sub, WEIGHTS, seeds)
    sub_steps = ev1.last_steps  # rollouts are identical on every backend
    pool_rows = []
    for c in cores:
        pool = PoolEvaluator(task, c)
        try:
            pool.evaluate(sub.select(range(c)), WEIGHTS[:1], seeds[:1])  # warm the workers
            t = best_of(lambda pool=pool: pool.evaluate(sub, WEIGHTS, seeds), repeat=1)
        finally:
            pool.close()
        results[("pool", c)] = (sub_steps, t)
        pool_rows.append([c, sub_steps, t, sub_steps / t, sub_steps / t / c])
    # (a) the reference's way, one core, on the first base_nets nets and one repetition.
    states = initial_states(ev1.env, ev1.twin, seeds[:1])
    t0 = time.perf_counter()
    _, base_steps = refb.rollouts(pop[:base_nets], WEIGHTS, states)
    t_base = time.perf_counter() - t0
    base_rate = base_steps / t_base
    results["baseline"] = (base_steps, t_base)
    rows = [["(a) reference-style numpy", 1, base_steps, t_base, base_rate, base_rate, 1.0]]
    for label, rs in (("(b) pool", pool_rows), ("(c) compiled", comp_rows)):
        for r in rs:
            rows.append([label, r[0], r[1], r[2], r[3], r[4], r[4] / base_rate])
    thr = table(["backend", "cores", "env steps", "seconds", "steps/s", "steps/s per core",
                 "per-core ratio to (a)"], rows)
    scale = [["compiled", c, results[("compiled", c)][0] / results[("compiled", c)][1],
              (results[("compiled", c)][0] / results[("compiled", c)][1])
              / (results[("compiled", cores[0])][0] / results[("compiled", cores[0])][1])]
             for c in cores]
    scale += [["pool", c, results[("pool", c)][0] / results[("pool", c)][1],
               (results[("pool", c)][0] / results[("pool", c)][1])
               / (results[("pool", cores[0])][0] / results[("pool", cores[0])][1])]
              for c in cores]
    scl = table(["backend", "cores", "steps/s", f"speed-up vs {cores[0]} core(s)"], scale)
    return thr, scl, results


def bench_generation(cores: int) -> str:
    task = get_task("swingup")
    rows = []
    for name in ("laptop_swing", "swingup"):
        hp = preset(name)
        batch = compile_population(swing_population(hp.pop_size))
        seeds = episode_seeds(0, 0, hp.n_reps)
        ev = CompiledEvaluator(task, threads=cores)
        ev.evaluate(batch.select([0]), WEIGHTS, seeds)
        t = best_of(lambda ev=ev, batch=batch, seeds=seeds: ev.evaluate(batch, WEIGHTS, seeds))
        rows.append([name, hp.pop_size, hp.n_reps, cores, ev.last_steps, t, t * hp.generations / 60])
    return table(["preset", "population", "reps", "threads", "env steps/generation",
                  "s/generation (all episodes full length)", "projected minutes for 1024 gens"], rows)


def _raw_steps(args: tuple[str, int, int]) -> int:
    import gymnasium as gym

    env_id, n, seed = args
    env = gym.make(env_id)
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    acts = rng.uniform(-1, 1, size=(n, env.action_space.shape[0]))
    for i in range(n):
        _, _, term, trunc, _ = env.step(acts[i])
        if term or trunc:
            env.reset()
    return n


def bench_biped(cores: list[int], nets: int) -> str:
    from multiprocess import get_context

    try:
        task = get_task("biped")
    except Exception as exc:  # noqa: BLE001 - Box2D missing: say so in the table
        return f"_BipedalWalker unavailable: {exc}_"
    base = champion("biped")
    pop = champion_population(base, nets) if base is not None else None
    if pop is None:
        return "_reference biped champion not found: skipped_"
    batch = compile_population(pop)
    w, seeds = np.array([-1.5]), episode_seeds(0, 0, 1)
    # Count the steps once (rollouts are identical on every backend).
    env = task.make_env()
    counted = 0
    for k in range(batch.n_nets):
        inner = env.unwrapped
        before = getattr(inner, "_wann_steps", 0)
        orig = inner.step

        def counting(a, orig=orig, inner=inner):
            inner._wann_steps = getattr(inner, "_wann_steps", 0) + 1
            return orig(a)

        inner.step = counting
        run_episode(env, task, batch, k, float(w[0]), int(seeds[0]))
        inner.step = orig
        counted += inner._wann_steps - before
    rows = []
    for c in cores:
        pool = PoolEvaluator(task, c)
        try:
            pool.evaluate(batch.select(range(min(c, nets))), w, seeds)
            t_pool = best_of(lambda pool=pool: pool.evaluate(batch, w, seeds), repeat=1)
        finally:
            pool.close()
        per = counted // c
        with get_context("spawn").Pool(c) as raw:
            raw.map(_raw_steps, [("BipedalWalker-v3", 50, i) for i in range(c)])
            t0 = time.perf_counter()
            raw.map(_raw_steps, [("BipedalWalker-v3", per, i) for i in range(c)])
            t_raw = time.perf_counter() - t0
        ours, rawr = counted / t_pool, per * c / t_raw
        rows.append([c, counted, ours, rawr, ours / rawr])
    return table(["processes", "env steps", "pool steps/s (ours)", "raw env.step steps/s",
                  "ours / raw"], rows)


def bench_startup() -> str:
    rows = []
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("first (empty numba cache)", "warm (cached)"):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "wann.cli", "evolve", "--task", "swingup",
                            "--generations", "1", "--pop-size", "8", "--out",
                            str(Path(out) / label[:5])], env=env, check=True,
                           capture_output=True)
            rows.append([label, time.perf_counter() - t0])
    return table(["`wann evolve` start-up (1 generation of 8)", "seconds"], rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cores", default="1,2", help="comma-separated core counts to measure")
    ap.add_argument("--out", default="results/bench-local.md")
    ap.add_argument("--pool-nets", type=int, default=32, help="nets in the pool measurement")
    ap.add_argument("--base-nets", type=int, default=2, help="nets in the numpy baseline")
    ap.add_argument("--biped-nets", type=int, default=16)
    ap.add_argument("--skip", default="", help="comma-separated sections to skip")
    args = ap.parse_args()
    cores = [int(c) for c in args.cores.split(",")]
    skip = set(args.skip.split(","))
    parts = [f"## {machine()}", f"_{time.strftime('%Y-%m-%d %H:%M')}, numba {numba.__version__}, "
             f"cores measured: {args.cores}_"]

    def section(title: str, body: str) -> None:
        parts.append(f"### {title}\n\n{body}")
        print(f"### {title}\n{body}\n", flush=True)

    if "forward" not in skip:
        section("1. Forward pass", bench_forward())
    if "throughput" not in skip:
        thr, scl, _ = bench_throughput(cores, args.pool_nets, args.base_nets)
        section("2. Swing-up evaluation throughput (a `swingup` generation: 192 x 6 weights x 3 reps)",
                thr)
        section("3. Scaling with cores", scl)
    if "generation" not in skip:
        section("4. Seconds per generation and projected full runs (compiled)", bench_generation(max(cores)))
    if "biped" not in skip:
        section("5. BipedalWalker through the pool vs raw env.step", bench_biped(cores, args.biped_nets))
    if "startup" not in skip:
        section("Start-up", bench_startup())
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n\n".join(parts) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
