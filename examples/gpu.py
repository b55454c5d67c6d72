"""Run a search on an NVIDIA GPU (`pip install 'wann[cuda]'`), and optionally the same on the CPU.

    python examples/gpu.py [generations] [--cpu]     # default: the full swingup preset, GPU only

One kernel launch per generation evaluates every (net, shared weight, episode) rollout. Without
a GPU, numba's CUDA simulator runs the same kernel in Python (NUMBA_ENABLE_CUDASIM=1; very slow,
so keep episodes short: `max_steps`).
"""

import dataclasses
import sys

import wann


def main(generations: int = 1024, pop_size: int | None = None, max_steps: int | None = None,
         n_reps: int | None = None, cpu: bool = False) -> dict:
    task = wann.get_task("swingup")
    if max_steps is not None:
        task = dataclasses.replace(task, max_steps=max_steps)
    settings = wann.preset("swingup").replace(generations=generations)  # population 192
    if pop_size is not None:  # a smaller population (a tournament cannot exceed it)
        settings = settings.replace(pop_size=pop_size, tourn_size=min(settings.tourn_size, pop_size))
    if n_reps is not None:  # fewer episodes per weight, and in the champion's re-test
        settings = settings.replace(n_reps=n_reps, best_reps=n_reps)
    results = {"cuda": wann.evolve(task, settings, backend="cuda", seed=1)}
    if cpu:  # the same search on the CPU's compiled backend
        results["compiled"] = wann.evolve(task, settings, backend="compiled", seed=1)
    for name, r in results.items():
        print(f"{name:>8}: best {r.fitness:.1f}, {r.champion.n_enabled} connections")
    # On a GPU the math library rounds sin/cos/exp/tanh differently in the last bit, so long
    # chaotic rollouts drift apart; under the simulator (the host's math) they are equal.
    return results


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--cpu"]
    main(int(args[0]) if args else 1024, cpu="--cpu" in sys.argv)
