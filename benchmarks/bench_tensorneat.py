"""Whole swing-up generations on the GPU, `wann`'s beside TensorNEAT's, in one run.

For each population size: a `swingup`-preset search of that population on the CUDA backend,
every generation timed from the start of one to the start of the next (breeding, compiling,
the GPU's rollouts, the champion's re-test, the run-folder writes: what `wann evolve` does),
and TensorNEAT's NEAT (JAX) on the same task, one jitted `Pipeline.step` per generation
(its population's transform, rollouts and tell), timed the same way with the fitnesses
copied back to the host, as its `auto_run` does.

TensorNEAT is not on the package registry: pass the path of a checkout of its published
source (`--tensorneat DIR`, holding src/tensorneat; its commit is read from DIR/.git or
DIR/COMMIT and recorded). Its task is the swing-up written here in JAX with the physics of
envs/twins/swingup.py (explicit Euler, dt 0.01, the same reward and termination, start
state N([0, 0, pi, 0], 0.2), at most 1,000 steps), 18 rollouts per net as `wann`'s 6
weights x 3 episodes, in float32: TensorNEAT's float64 mode (jax_enable_x64) fails in its
own species code.

    python benchmarks/bench_tensorneat.py --tensorneat ../tensorneat --sizes 192,1920 \\
        --out results/bench-tensorneat-device.md
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, table  # noqa: E402

from wann.config import preset  # noqa: E402
from wann.evaluation import make_evaluator  # noqa: E402
from wann.reporters import Reporter  # noqa: E402
from wann.run import Run  # noqa: E402
from wann.tasks import get_task  # noqa: E402

TN_SETTINGS = {"max_nodes": 64, "max_conns": 128, "species_size": 10, "repeat_times": 18,
               "max_step": 1000, "activations": "tanh, sigmoid, sin, relu, identity",
               "dtype": "float32"}


class Clock(Reporter):
    """The start of every generation (`settle` is the first thing a step does)."""

    def __init__(self) -> None:
        self.starts: list[float] = []

    def settle(self, run: Run) -> None:
        self.starts.append(time.perf_counter())

    def end(self, run: Run) -> None:
        self.starts.append(time.perf_counter())


def ours(pop: int, generations: int, skip: int, backend: str = "cuda") -> dict:
    """Median wall time of a generation (after the first `skip`), and of its evaluate()."""
    task = get_task("swingup")
    hp = preset("swingup").replace(pop_size=pop, generations=generations)
    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp:
        ev = make_evaluator(task, backend)
        try:
            r = Run.new(task, hp, ev, Path(tmp) / "run", seed=1, reporters=[clock])
            r.run()
        finally:
            ev.close()
    gen = np.diff(clock.starts)[skip:]
    evals = np.array([row["eval_seconds"] for row in r.rows])[skip:]
    conns = np.array([row["median_connections"] for row in r.rows])[skip:]
    return {"gen_ms": 1e3 * float(np.median(gen)), "eval_ms": 1e3 * float(np.median(evals)),
            "conns": float(np.median(conns))}


def tensorneat_commit(src: Path) -> str:
    if (src / "COMMIT").is_file():
        return (src / "COMMIT").read_text().strip()
    try:
        return subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def theirs(src: Path, pop: int, generations: int, skip: int) -> dict:
    """TensorNEAT's median generation on the swing-up, and its jit compile time."""
    sys.path.insert(0, str(src / "src"))
    import jax
    import jax.numpy as jnp
    from tensorneat.algorithm.neat import NEAT
    from tensorneat.common import ACT, AGG
    from tensorneat.genome import BiasNode, DefaultGenome
    from tensorneat.pipeline import Pipeline
    from tensorneat.problem.rl import RLEnv

    g, mc, mp, length, fmag, dt, fric, xlim = 9.82, 0.5, 0.5, 0.6, 10.0, 0.01, 0.1, 2.4
    total, mpl = mc + mp, mp * length

    def observe(s):  # noqa: ANN001, ANN202
        return jnp.array([s[0], s[1], jnp.cos(s[2]), jnp.sin(s[2]), s[3]])

    class SwingUp(RLEnv):
        """CartPoleSwingUp with envs/twins/swingup.py's physics, in JAX."""

        def env_reset(self, randkey):  # noqa: ANN001, ANN202
            s = jnp.array([0.0, 0.0, jnp.pi, 0.0]) + 0.2 * jax.random.normal(randkey, (4,))
            return observe(s), s

        def env_step(self, randkey, s, action):  # noqa: ANN001, ANN202
            a = jnp.clip(jnp.reshape(action, (-1,))[0], -1.0, 1.0)
            x, x_dot, th, th_dot = s[0], s[1], s[2], s[3]
            sn, c = jnp.sin(th), jnp.cos(th)
            force = a * fmag
            xacc = (-2.0 * mpl * th_dot * th_dot * sn + 3.0 * mp * g * sn * c + 4.0 * force
                    - 4.0 * fric * x_dot) / (4.0 * total - 3.0 * mp * c * c)
            tacc = (-3.0 * mpl * th_dot * th_dot * sn * c + 6.0 * total * g * sn
                    + 6.0 * (force - fric * x_dot) * c) / (4.0 * length * total
                                                          - 3.0 * mpl * c * c)
            n = jnp.array([x + x_dot * dt, x_dot + xacc * dt, th + th_dot * dt,
                           th_dot + tacc * dt])
            reward = (jnp.cos(n[2]) + 1.0) / 2.0 * jnp.cos(n[0] / xlim * (jnp.pi / 2.0))
            done = (n[0] < -xlim) | (n[0] > xlim)
            return observe(n), n, reward, done, {}

        @property
        def input_shape(self):  # noqa: ANN202
            return (5,)

        @property
        def output_shape(self):  # noqa: ANN202
            return (1,)

    acts = [ACT.tanh, ACT.sigmoid, ACT.sin, ACT.relu, ACT.identity]
    pipeline = Pipeline(
        algorithm=NEAT(pop_size=pop, species_size=TN_SETTINGS["species_size"],
                       genome=DefaultGenome(
                           num_inputs=5, num_outputs=1, max_nodes=TN_SETTINGS["max_nodes"],
                           max_conns=TN_SETTINGS["max_conns"],
                           node_gene=BiasNode(activation_options=acts,
                                              aggregation_options=AGG.sum))),
        problem=SwingUp(max_step=TN_SETTINGS["max_step"],
                        repeat_times=TN_SETTINGS["repeat_times"]),
        seed=1, generation_limit=generations, fitness_target=1e9,
    )
    state = pipeline.setup()
    t = time.perf_counter()
    step = jax.jit(pipeline.step).lower(state).compile()
    compile_s = time.perf_counter() - t
    times, best = [], -np.inf
    for _ in range(generations):
        t = time.perf_counter()
        state, _, fit = step(state)
        fit = np.asarray(jax.device_get(fit))
        times.append(time.perf_counter() - t)
        best = max(best, float(np.max(fit)))
    return {"gen_ms": 1e3 * float(np.median(times[skip:])), "compile_s": compile_s,
            "best": best, "dtype": str(jnp.zeros(1).dtype)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tensorneat", type=Path, help="a checkout of TensorNEAT's source")
    ap.add_argument("--sizes", default="192,1920")
    ap.add_argument("--generations", default="40",
                    help="generations per size (one number, or one per size)")
    ap.add_argument("--tn-generations", default="8",
                    help="TensorNEAT's generations per size (one number, or one per size; "
                    "0 skips it)")
    ap.add_argument("--skip", type=int, default=3, help="first generations left out")
    ap.add_argument("--backend", default="cuda", help="wann's backend (cuda; compiled to try "
                    "the benchmark on a machine without a GPU)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]

    def per_size(spec: str) -> list[int]:
        v = [int(x) for x in spec.split(",")]
        return v * len(sizes) if len(v) == 1 else v

    gens, tn_gens = per_size(args.generations), per_size(args.tn_generations)
    rows = []
    for size, n, tn in zip(sizes, gens, tn_gens):
        a = ours(size, n, args.skip, args.backend)
        print(f"wann {size}: {a}", flush=True)
        b = theirs(args.tensorneat, size, tn, min(args.skip, tn - 1)) if (
            args.tensorneat and tn) else None
        print(f"tensorneat {size}: {b}", flush=True)
        rows.append([f"{size:,}", f"{a['gen_ms']:.1f}", f"{a['eval_ms']:.1f}",
                     f"{a['gen_ms'] - a['eval_ms']:.1f}", f"{a['conns']:.0f}",
                     "-" if b is None else f"{b['gen_ms']:.1f}",
                     "-" if b is None else f"{b['compile_s']:.1f}",
                     "-" if b is None else f"{b['gen_ms'] / a['gen_ms']:.1f}x"])
    commit = tensorneat_commit(args.tensorneat) if args.tensorneat else "-"
    settings = ", ".join(f"{k} {v}" for k, v in TN_SETTINGS.items())
    text = [f"## Whole swing-up generations on the GPU, beside TensorNEAT: {machine()}", "",
            f"_wann: `swingup` preset (6 weights x 3 episodes, re-test of each generation's "
            f"best on 6 x 20), {args.backend} backend, a run folder written, seed 1; "
            f"{args.generations} "
            f"generations, medians over all but the first {args.skip}. TensorNEAT "
            f"(commit {commit}): NEAT, {settings}, one jitted Pipeline.step per generation "
            f"with its fitnesses copied to the host; {args.tn_generations} generations. "
            "Both in this run on this GPU._", "",
            table(["population", "wann generation ms", "of which evaluate() ms",
                   "rest (host) ms", "median connections", "TensorNEAT generation ms",
                   "TensorNEAT compile s", "wann faster by"], rows)]
    Path(args.out).write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
