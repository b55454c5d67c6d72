"""The classification evaluator and scoring: cross-entropy fitness, determinism, accuracy columns."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from wann import WannError
from wann.activations import LINEAR
from wann.classify import ClassifyTask, get_classify_task
from wann.classify.evaluator import ClassifyEvaluator, make_classify_evaluator
from wann.classify.mlp import TrainSettings, init_mlp, train
from wann.classify.scoring import (
    accuracy,
    confusion_matrix,
    cross_entropy,
    ensemble,
    genome_probs,
    own_weight_accuracy,
    per_weight,
    random_shared_accuracy,
    random_weight_accuracy,
    table_row,
    tuned_shared_weight,
)
from wann.config import STANDARD_WEIGHTS, Hyperparameters
from wann.evaluation import episode_seeds
from wann.genome import InnovationRegistry, from_dense, initial_genome
from wann.network import activate, compile_genome, compile_population
from wann.variation import mutate

W = np.array(STANDARD_WEIGHTS)


@pytest.fixture(scope="module")
def digits() -> ClassifyTask:
    return get_classify_task("digits")


def population(task: ClassifyTask, n: int = 12, seed: int = 0, n_mut: int = 15):
    rng = np.random.default_rng(seed)
    reg = InnovationRegistry(task.n_in, task.n_out)
    out = []
    for _ in range(n):
        g = initial_genome(task.n_in, task.n_out, reg, rng, 0.1, LINEAR)
        for _ in range(n_mut):
            g, _ = mutate(g, rng, reg, (0.3, 0.3, 0.1, 0.3), task.hidden_acts)
        out.append(g)
    return out


def test_fitness_is_minus_mean_cross_entropy_on_the_seeded_minibatch(digits):
    genomes = population(digits, 4)
    seeds = episode_seeds(7, 3, 2)
    r, bad = ClassifyEvaluator(digits).evaluate(compile_population(genomes), W, seeds)
    assert r.shape == (4, 6, 2) and not bad.any()
    for k, g in enumerate(genomes):
        b = compile_genome(g)
        for rep, s in enumerate(seeds):
            idx = digits.minibatch_indices(int(s))
            assert idx.size == 1000 == np.unique(idx).size
            for wi, w in enumerate(W):
                out = activate(b, 0, digits.x_train[idx], w)
                m = out.max(axis=1)
                lse = m + np.log(np.exp(out - m[:, None]).sum(axis=1))
                want = -np.mean(lse - out[np.arange(idx.size), digits.y_train[idx]])
                assert r[k, wi, rep] == pytest.approx(want, rel=1e-12, abs=1e-12)
    # Common random numbers: the minibatch depends on the seed only.
    assert np.array_equal(digits.minibatch_indices(5), digits.minibatch_indices(5))
    assert not np.array_equal(digits.minibatch_indices(5), digits.minibatch_indices(6))


def test_serial_and_parallel_agree_bit_for_bit(digits):
    batch = compile_population(population(digits, 10, seed=1))
    seeds = episode_seeds(0, 0, 3)
    a, abad = ClassifyEvaluator(digits, threads=2).evaluate(batch, W, seeds)
    b, bbad = make_classify_evaluator(digits, "serial").evaluate(batch, W, seeds)
    assert np.array_equal(a, b) and np.array_equal(abad, bbad)


SCRIPT = """
import json, numpy as np
from wann.activations import LINEAR
from wann.config import STANDARD_WEIGHTS as W
from wann.genome import InnovationRegistry, initial_genome
from wann.variation import mutate
from wann.classify import get_classify_task
from wann.classify.evaluator import ClassifyEvaluator
from wann.evaluation import episode_seeds
from wann.network import compile_population
t = get_classify_task("digits")
rng = np.random.default_rng(2)
reg = InnovationRegistry(64, 10)
pop = []
for _ in range(10):
    g = initial_genome(64, 10, reg, rng, 0.1, LINEAR)
    for _ in range(15):
        g, _ = mutate(g, rng, reg, (0.3, 0.3, 0.1, 0.3), t.hidden_acts)
    pop.append(g)
r, _ = ClassifyEvaluator(t, threads=2).evaluate(compile_population(pop), np.array(W),
                                                episode_seeds(1, 2, 2))
print(json.dumps(r.ravel().tolist()))
"""


def test_results_do_not_depend_on_the_thread_count():
    outs = []
    for n in ("1", "2"):
        env = {**os.environ, "NUMBA_NUM_THREADS": n}
        p = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                           check=True)
        outs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    assert outs[0] == outs[1]


def test_bad_input(digits):
    wrong = compile_genome(from_dense([5, 3, 10]))
    with pytest.raises(WannError, match="needs 64 inputs and 10 outputs"):
        ClassifyEvaluator(digits).evaluate(wrong, W, np.array([1]))
    with pytest.raises(WannError, match="minibatch 5000"):
        get_classify_task("digits", minibatch=5000)
    with pytest.raises(WannError, match="runs on the compiled, serial or cuda backend only"):
        make_classify_evaluator(digits, "pool")


def test_non_finite_outputs_score_worst(digits):
    g = from_dense([64, 1, 10], np.full(65 + 20, 1e200), hidden_act=LINEAR)
    r, bad = ClassifyEvaluator(digits).evaluate(compile_genome(g, use_weights=True), np.ones(1),
                                                 np.array([3]))
    assert bad.all() and np.all(r == digits.worst_return)


def test_accuracy_cross_entropy_confusion():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.5, 0.4, 0.1], [np.nan, 0.0, 0.0]])
    y = np.array([0, 1, 1, 0])
    assert accuracy(probs, y) == 0.5
    assert cross_entropy(probs[:3], y[:3]) == pytest.approx(-np.mean(np.log([0.7, 0.8, 0.4])))
    m = confusion_matrix(y, np.array([0, 1, 0, 2]), 3)
    assert m.sum() == 4 and m[1, 0] == 1 and m[0, 2] == 1


def test_scoring_columns(digits):
    g = population(digits, 1, seed=3, n_mut=30)[0]
    probs = genome_probs(digits, g, W)
    pw = per_weight(digits, g, W)
    assert np.allclose(pw["accuracy"], accuracy(probs, digits.y_test))
    ens = ensemble(digits, g, W)
    assert ens.accuracy == np.mean(np.argmax(probs.mean(axis=0), axis=1) == digits.y_test)
    assert ens.confusion.sum() == digits.y_test.size
    assert np.trace(ens.confusion) / digits.y_test.size == pytest.approx(ens.accuracy)
    grid = np.linspace(-2, 2, 9)
    tuned = tuned_shared_weight(digits, g, grid)
    train = per_weight(digits, g, grid[grid != 0], test=False)
    assert tuned.train_accuracy == train["accuracy"].max() and tuned.weight != 0.0
    rng = np.random.default_rng(0)
    assert random_shared_accuracy(digits, g, 5, rng).shape == (5,)
    assert random_weight_accuracy(digits, g, 3, rng).shape == (3,)
    row = table_row(digits, g, W, seed=0, n_trials=4, grid=grid)
    assert row == table_row(digits, g, W, seed=0, n_trials=4, grid=grid)
    assert row["random_shared_weight"]["n"] == 4 and len(row["per_weight"]["accuracy"]) == 6


def test_a_trained_mlp_scores_the_same_as_a_genome(digits):
    net = train(init_mlp([64, 20, 10], np.random.default_rng(0), np.float64),
                digits.x_train, digits.y_train, TrainSettings(epochs=3), 0)
    acc, ce = own_weight_accuracy(digits, net.to_genome())
    assert acc == net.accuracy(digits.x_test, digits.y_test)
    assert ce == pytest.approx(net.cross_entropy(digits.x_test, digits.y_test), rel=1e-9)


def test_hyperparameter_presets_cover_classification():
    from wann.config import preset

    hp = preset("digits")
    assert isinstance(hp, Hyperparameters) and hp.task == "digits"
    assert preset("mnist256").pop_size == 960


def test_weight_training_gradients_and_progress(digits):
    from wann.classify.finetune import GenomeNet, train_weights

    g = population(digits, 1, seed=4, n_mut=40)[0]
    net = GenomeNet(g)
    rng = np.random.default_rng(0)
    w = rng.uniform(-1, 1, net.conn.size)
    x, y = digits.x_train[:40], digits.y_train[:40]
    loss, grad = net.loss_and_grad(x, y, w)
    # The numpy forward pass is the compiled one: same loss as the kernel's softmax outputs.
    p = genome_probs(digits, net.genome_with(w), [1.0], test=False, use_weights=True)[0][:40]
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(40), y])), rel=1e-10)
    eps = 1e-6
    for e in rng.choice(w.size, size=6, replace=False):
        up, down = w.copy(), w.copy()
        up[e] += eps
        down[e] -= eps
        num = (net.loss_and_grad(x, y, up)[0] - net.loss_and_grad(x, y, down)[0]) / (2 * eps)
        assert grad[e] == pytest.approx(num, rel=1e-4, abs=1e-7)
    before = own_weight_accuracy(digits, net.genome_with(np.ones(net.conn.size)))[0]
    trained = train_weights(digits, g, 1.0, TrainSettings(epochs=10, lr=0.01), seed=0)
    assert own_weight_accuracy(digits, trained)[0] > before + 0.05
    assert np.array_equal(trained.conn_enabled, g.conn_enabled)
    row = table_row(digits, g, W, seed=0, n_trials=2, grid=np.linspace(-2, 2, 5),
                    train_settings=TrainSettings(epochs=1, lr=0.01))
    assert 0.0 <= row["tuned_weights"] <= 1.0
