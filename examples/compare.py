"""Compare a WANN with a trained dense network and a pruned one, from Python.

    python examples/compare.py [generations]
"""

import sys

import numpy as np

import wann
from wann.baselines.dense import dense_layers, train_dense
from wann.baselines.layered import apply_mask, flatten, matrices
from wann.baselines.masks import layer_counts, n_keep, top_masks
from wann.cmaes import cma_es
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
        # Magnitude pruning by hand: the largest half of each layer's trained weights (the
        # output layer at half the rate), fine-tuned by CMA-ES (`wann.compare` does all this).
        mats = matrices(dense.layers, dense.trained)
        keep = layer_counts([m.size for m in mats], n_keep(dense.trained.size, 0.5))
        mask = flatten(top_masks([np.abs(m) for m in mats], keep)).astype(bool)
        pruned = cma_es(ev, apply_mask(dense.result.genome, mask), dense.trained[mask], cma, 3)
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
