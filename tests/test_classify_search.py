"""A WANN search on classification data, through Search and the classification evaluator."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_datasets import fake_mnist

from wann.baselines.classifier import train_dense
from wann.classify import ClassifyTask, get_classify_task
from wann.classify.evaluator import ClassifyEvaluator
from wann.classify.mlp import DEFAULT_HIDDEN, TrainSettings, mlp_layers
from wann.classify.scoring import ensemble, table_row
from wann.config import Hyperparameters, load_file, preset, reference_dir
from wann.evaluation import episode_seeds
from wann.network import compile_population
from wann.search import Search


def run_search(task: ClassifyTask, hp: Hyperparameters, seed: int) -> Search:
    search = Search(hp, task.n_in, task.n_out, task.hidden_acts, task.output_act, seed=seed)
    ev = ClassifyEvaluator(task, threads=2)
    for gen in range(hp.generations):
        r, _ = ev.evaluate(compile_population(search.ask()), np.asarray(hp.weights),
                           episode_seeds(seed, gen, hp.n_reps))
        search.tell(r)
    return search


def test_search_on_digits_beats_chance_well():
    task = get_classify_task("digits")
    hp = preset("digits").replace(generations=64)
    search = run_search(task, hp, seed=0)
    acc = ensemble(task, search.best_ever, hp.weights).accuracy
    assert acc > 0.3  # chance is 0.1


def test_mnist_runs_end_to_end_on_a_small_idx_set(tmp_path):
    fake_mnist(tmp_path, n_train=80, n_test=30)
    task = get_classify_task("mnist", data_dir=tmp_path, minibatch=40)
    assert (task.n_in, task.n_out) == (256, 10) and task.config()["minibatch"] == 40
    hp = preset("mnist256").replace(pop_size=16, generations=3, tourn_size=4)
    a = run_search(task, hp, seed=3)
    b = run_search(task, hp, seed=3)
    assert a.best_ever_fitness == b.best_ever_fitness
    row = table_row(task, a.best_ever, hp.weights, seed=0, n_trials=5)
    assert 0.0 <= row["ensemble"] <= 1.0 and row["random_weights"]["n"] == 5
    json.dumps(row)  # plain values, ready for a results file
    dense = train_dense(mlp_layers(256, 10, DEFAULT_HIDDEN["mnist"]), task.x_train, task.y_train,
                        TrainSettings(epochs=2), seed=0)
    assert dense.trained.layers == [256, 300, 100, 10] and dense.samples == 2 * 80
    x, y = task.x_train, task.y_train  # four Adam steps lower the training loss
    assert dense.trained.cross_entropy(x, y) < dense.init.cross_entropy(x, y)


def test_mnist256_preset_equals_the_reference_file():
    path = reference_dir() / "hyperparameters" / "mnist256.json"
    if not path.is_file():
        pytest.skip(f"reference hyperparameters not found at {path}")
    ref = load_file(path)
    ours = preset("mnist256")
    assert ours.replace(task=ref.task) == ref
    assert (ours.pop_size, ours.generations, ours.prob_init_enable, ours.tourn_size, ours.n_reps) == (
        960, 4096, 0.05, 32, 1)
