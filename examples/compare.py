"""Compare a WANN with a trained dense network and a pruned one, from Python.

    python examples/compare.py [generations]
"""

import sys

import wann
from wann.baselines.dense import dense_layers, train_dense
from wann.baselines.prune import prune_and_finetune
from wann.tune import CMASettings


def main(generations: int = 5, episodes: int = 20) -> dict[str, dict]:
    task = wann.get_task("swingup")
    settings = wann.preset("quick").replace(pop_size=16, generations=generations, n_reps=2)
    champion = wann.evolve(task, settings, seed=3).champion
    cma = CMASettings(generations=generations, popsize=8, rollouts=1, check_every=generations,
                      check_episodes=2)
    ev = wann.make_evaluator(task, "auto")
    try:
        dense = train_dense(ev, task, dense_layers(task, [4]), cma, seed=3)
        pruned = prune_and_finetune(ev, dense, 0.5, cma, seed=3, max_steps=task.max_steps)
    finally:
        ev.close()
    scores = {
        "WANN (shared weights)": wann.score(champion, task, episodes=episodes)["all_shared_weights"],
        "dense": wann.score(dense.net.genome, task, episodes=episodes)["own_weights"],
        "pruned 50%": wann.score(pruned.genome, task, episodes=episodes)["own_weights"],
    }
    for name, s in scores.items():
        print(f"{name:>22}: {s['mean']:8.1f} ± {s['std']:6.1f}")
    return scores


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
