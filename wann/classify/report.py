"""What `wann eval` and `wann tune` report for a genome on a classification task.

`eval_result`: test accuracy and cross-entropy at each shared weight, the ensemble over them,
random weights, a random shared weight, the tuned shared weight (best on the training set,
scored on the test set) and, for a genome with trained weights, its own weights.
`tune_result`: the shared-weight sweep by training accuracy or cross-entropy, then every
connection trained by Adam from the best shared weight (`train_weights`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wann import WannError, streams
from wann.classify import ClassifyTask
from wann.classify.finetune import train_weights
from wann.classify.mlp import TrainSettings
from wann.classify.scoring import (
    ensemble,
    own_weight_accuracy,
    per_weight,
    random_shared_accuracy,
    random_weight_accuracy,
)
from wann.genome import Genome
from wann.scoring import summary

SWEEP_COLUMNS = ("weight", "train_accuracy", "train_cross_entropy", "test_accuracy",
                 "test_cross_entropy")
CRITERIA = ("accuracy", "cross-entropy")


def random_stream(seed: int) -> np.random.Generator:
    """The random weights of the eval columns (the same stream as scoring.table_row)."""
    return streams.generator(seed, streams.CLASSIFY_RANDOM)


def best_index(acc: np.ndarray, ce: np.ndarray, by: str = "accuracy") -> int:
    """The best sweep point: highest accuracy (ties: lower cross-entropy), or lowest
    cross-entropy (ties: higher accuracy)."""
    if by not in CRITERIA:
        raise WannError(f"{{by}} must be one of {', '.join(CRITERIA)}, got {by!r}")
    order = np.lexsort((ce, -acc)) if by == "accuracy" else np.lexsort((-acc, ce))
    return int(order[0])


def sweep(task: ClassifyTask, genome: Genome, grid: np.ndarray, by: str = "accuracy") -> dict:
    """Accuracy and cross-entropy over a weight grid (0 left out: it cuts every connection) on
    the training and test sets; `best`: the index chosen on training data only."""
    g = np.asarray(grid, np.float64)
    g = g[g != 0.0] if np.any(g != 0.0) else g
    train = per_weight(task, genome, g, test=False)
    test = per_weight(task, genome, g, test=True)
    cols = {
        "weight": g,
        "train_accuracy": train["accuracy"], "train_cross_entropy": train["cross_entropy"],
        "test_accuracy": test["accuracy"], "test_cross_entropy": test["cross_entropy"],
    }
    return {**cols, "best": best_index(train["accuracy"], train["cross_entropy"], by)}


def sweep_csv(s: dict) -> str:
    rows = [",".join(SWEEP_COLUMNS)]
    rows += [",".join(f"{float(s[c][i]):.6g}" for c in SWEEP_COLUMNS) for i in range(s["weight"].size)]
    return "\n".join(rows) + "\n"


def eval_result(
    task: ClassifyTask, genome: Genome, weights: Sequence[float], seed: int, trials: int = 100,
) -> dict:
    """Every number `wann eval` prints for a classification genome (accuracies in [0, 1])."""
    if trials < 1:
        raise WannError(f"{{trials}} must be at least 1, got {trials}")
    pw = per_weight(task, genome, weights)
    ens = ensemble(task, genome, weights)
    sw = sweep(task, genome, np.linspace(-2.0, 2.0, 81))
    b = sw["best"]
    rng = random_stream(seed)
    result: dict = {
        "task": task.name, "n_test": int(task.y_test.size), "seed": int(seed), "trials": trials,
        "connections": int(genome.n_enabled),
        "shared_weights": [
            {"weight": float(w), "accuracy": float(a), "cross_entropy": float(c)}
            for w, a, c in zip(pw["weights"], pw["accuracy"], pw["cross_entropy"])
        ],
        "mean_over_shared_weights": float(np.mean(pw["accuracy"])),
        "ensemble": {"accuracy": ens.accuracy, "cross_entropy": ens.cross_entropy},
        "tuned_shared_weight": {
            "weight": float(sw["weight"][b]), "train_accuracy": float(sw["train_accuracy"][b]),
            "accuracy": float(sw["test_accuracy"][b]),
            "cross_entropy": float(sw["test_cross_entropy"][b]),
        },
        "random_weights": summary(random_weight_accuracy(task, genome, trials, rng)),
        "random_shared_weight": summary(random_shared_accuracy(task, genome, trials, rng)),
    }
    if genome.meta.get("weights") == "tuned":
        acc, ce = own_weight_accuracy(task, genome)
        result["own_weights"] = {"accuracy": acc, "cross_entropy": ce}
    return result


def print_eval(result: dict, source: str) -> None:
    """The eval result as a short table (percent)."""
    print(f"{source} on {result['task']}: {result['connections']} connections, "
          f"test accuracy on {result['n_test']} images")
    print(f"{'shared weight':>24}  {'accuracy':>8}  {'cross-entropy':>13}")
    for row in result["shared_weights"]:
        print(f"{row['weight']:>24g}  {100 * row['accuracy']:7.2f}%  {row['cross_entropy']:13.4f}")
    e, t = result["ensemble"], result["tuned_shared_weight"]
    print(f"{'ensemble':>24}  {100 * e['accuracy']:7.2f}%  {e['cross_entropy']:13.4f}")
    print(f"{'tuned shared w = ' + format(t['weight'], '+.3g'):>24}  {100 * t['accuracy']:7.2f}%  "
          f"{t['cross_entropy']:13.4f}")
    if "own_weights" in result:
        o = result["own_weights"]
        print(f"{'own weights':>24}  {100 * o['accuracy']:7.2f}%  {o['cross_entropy']:13.4f}")
    for key, label in (("random_weights", "random weights"),
                       ("random_shared_weight", "random shared weight")):
        s = result[key]
        print(f"{label:>24}  {100 * s['mean']:7.2f}% ± {100 * s['std']:.2f} "
              f"({result['trials']} draws)")


def tune_result(
    task: ClassifyTask, genome: Genome, grid: np.ndarray, by: str, settings: TrainSettings | None,
    seed: int,
) -> tuple[dict, dict, Genome | None]:
    """(result, sweep, tuned genome or None): the sweep's best shared weight and, with
    `settings`, every connection trained by Adam from it."""
    sw = sweep(task, genome, grid, by)
    b = sw["best"]
    result: dict = {
        "task": task.name, "seed": int(seed), "connections": int(genome.n_enabled),
        "n_test": int(task.y_test.size), "chosen_by": f"training {by}",
        "best_shared_weight": float(sw["weight"][b]),
        "train_accuracy": float(sw["train_accuracy"][b]),
        "tuned_shared_weight": {"accuracy": float(sw["test_accuracy"][b]),
                                "cross_entropy": float(sw["test_cross_entropy"][b])},
    }
    tuned = None
    if settings is not None:
        tuned = train_weights(task, genome, float(sw["weight"][b]), settings, seed)
        acc, ce = own_weight_accuracy(task, tuned)
        result["tuned_weights"] = {"accuracy": acc, "cross_entropy": ce}
        result["training"] = {"method": "Adam on cross-entropy", "epochs": settings.epochs,
                              "batch_size": settings.batch_size, "lr": settings.lr}
        tuned.meta["test_accuracy"] = acc
    return result, sw, tuned
