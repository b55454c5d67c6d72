"""Gradient-trained baselines on a classification task: test accuracy, sparsity, cost, time.

Usage: PYTHONPATH=. python3 benchmarks/classify_baselines.py [--task digits|mnist] [--data DIR]
       [--sparsity 0.5 0.8 0.9] [--epochs N] [--seed S]
"""

from __future__ import annotations

import argparse
import time

from wann.baselines.sparse_mlp import classification_baselines
from wann.classify import get_classify_task
from wann.classify.mlp import DEFAULT_HIDDEN, TrainSettings, mlp_layers


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", default="digits")
    ap.add_argument("--data")
    ap.add_argument("--sparsity", type=float, nargs="+", default=[0.5, 0.8, 0.9])
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    task = get_classify_task(a.task, data_dir=a.data)
    layers = mlp_layers(task.n_in, task.n_out, DEFAULT_HIDDEN[a.task])
    t0 = time.perf_counter()
    rows = classification_baselines(layers, task.x_train, task.y_train, a.sparsity,
                                    TrainSettings(epochs=a.epochs), a.seed)
    elapsed = time.perf_counter() - t0
    print(f"{'network':40s} {'sparsity':>8s} {'test acc':>8s} {'samples':>10s}  note")
    for r in rows:
        print(f"{r.name:40s} {r.sparsity:8.3f} {r.test_accuracy(task.x_test, task.y_test):8.3f} "
              f"{r.samples:10d}  {r.note}")
    print(f"total {elapsed:.1f} s")


if __name__ == "__main__":
    main()
