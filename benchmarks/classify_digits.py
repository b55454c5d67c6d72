"""A WANN search on digits through Search + the classification evaluator, with its test scores.

Usage: PYTHONPATH=. python3 benchmarks/classify_digits.py [--preset digits] [--generations N]
       [--pop N] [--seed S] [--workers W] [--every K]
Prints progress (generation, best mean fitness, champion's ensemble test accuracy, seconds) and
at the end the Table-1-style row of the best-ever network. Times are wall-clock upper bounds on
a shared machine.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from wann.classify import get_classify_task
from wann.classify.evaluator import ClassifyEvaluator
from wann.classify.mlp import TrainSettings
from wann.classify.scoring import ensemble, table_row
from wann.config import preset
from wann.evaluation import episode_seeds
from wann.io import save_genome
from wann.network import compile_population
from wann.search import Search


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="digits")
    ap.add_argument("--generations", type=int)
    ap.add_argument("--pop", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--every", type=int, default=16)
    ap.add_argument("--out", help="write the champion genome (JSON) here")
    a = ap.parse_args()
    hp = preset(a.preset)
    if a.generations:
        hp = hp.replace(generations=a.generations)
    if a.pop:
        hp = hp.replace(pop_size=a.pop, tourn_size=min(hp.tourn_size, a.pop))
    task = get_classify_task(hp.task)
    ev = ClassifyEvaluator(task, threads=a.workers)
    search = Search(hp, task.n_in, task.n_out, hp.hidden_activations or task.hidden_acts,
                    task.output_act, seed=a.seed)
    weights = np.asarray(hp.weights)
    t0 = time.perf_counter()
    for gen in range(hp.generations):
        batch = compile_population(search.ask())
        returns, _ = ev.evaluate(batch, weights, episode_seeds(a.seed, gen, hp.n_reps))
        stats = search.tell(returns)
        if gen % a.every == 0 or gen == hp.generations - 1:
            acc = ensemble(task, stats.best_ever, hp.weights).accuracy
            print(f"gen {gen:4d}  best fitness {stats.best_ever_fitness:8.4f}  "
                  f"champion conns {stats.best_ever.n_enabled:4d}  ensemble test acc {acc:.3f}  "
                  f"{time.perf_counter() - t0:7.1f} s", flush=True)
    elapsed = time.perf_counter() - t0
    if a.out:
        save_genome(search.best_ever, a.out)
    row = table_row(task, search.best_ever, hp.weights, a.seed,
                    train_settings=TrainSettings(epochs=30, lr=0.01))
    row.pop("per_weight")
    print(json.dumps({"preset": a.preset, "generations": hp.generations, "pop": hp.pop_size,
                      "seconds": round(elapsed, 1), "connections": int(search.best_ever.n_enabled),
                      **row}, indent=1))


if __name__ == "__main__":
    main()
