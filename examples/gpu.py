"""Run a search on an NVIDIA GPU (`pip install 'wann[cuda]'`), and check it against the CPU.

    python examples/gpu.py [generations]

One kernel launch per generation evaluates every (net, shared weight, episode) rollout. Without
a GPU, numba's CUDA simulator runs the same kernel in Python (NUMBA_ENABLE_CUDASIM=1; very slow,
so keep episodes short: `max_steps`).
"""

import dataclasses
import sys

import wann


def main(generations: int = 50, pop_size: int = 192, max_steps: int | None = None,
         n_reps: int = 3) -> dict:
    task = wann.get_task("swingup")
    if max_steps is not None:
        task = dataclasses.replace(task, max_steps=max_steps)
    settings = wann.preset("swingup").replace(pop_size=pop_size, generations=generations,
                                             n_reps=n_reps, best_reps=n_reps,
                                             tourn_size=min(8, pop_size))
    gpu = wann.evolve(task, settings, backend="cuda", seed=1)
    cpu = wann.evolve(task, settings, backend="compiled", seed=1)
    for name, r in (("cuda", gpu), ("compiled", cpu)):
        print(f"{name:>8}: best {r.fitness:.1f}, {r.champion.n_enabled} connections")
    # On a GPU the math library rounds sin/cos/exp/tanh differently in the last bit, so long
    # chaotic rollouts drift apart; under the simulator (the host's math) they are equal.
    return {"cuda": gpu, "compiled": cpu}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
