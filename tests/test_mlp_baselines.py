"""Gradient-trained classification baselines on digits: the literature's claims, on our data."""

from __future__ import annotations

import numpy as np
import pytest

from wann import WannError
from wann.baselines.classifier import ClassifierNet, learned_supermask, random_weights, train_dense
from wann.baselines.masks import layer_counts
from wann.classify import get_classify_task
from wann.classify.mlp import DEFAULT_HIDDEN, TrainSettings, gradients, init_mlp, mlp_layers
from wann.methods import literature, registered
from wann.methods.classification import MASK_LR, ClassifyContext
from wann.progress import Progress
from wann.study import MethodOptions

SETTINGS = TrainSettings(epochs=30, batch_size=64, lr=1e-3)


@pytest.fixture(scope="module")
def data():
    t = get_classify_task("digits")
    return t.x_train, t.y_train, t.x_test, t.y_test


@pytest.fixture(scope="module")
def dense(data):
    x, y, _, _ = data
    return train_dense(mlp_layers(64, 10, DEFAULT_HIDDEN["digits"]), x, y, SETTINGS, seed=0)


def rows(dense, method, sparsities):
    """One method's rows from the trained dense start, as the comparison builds them."""
    ctx = ClassifyContext(get_classify_task("digits"), 0, sparsities, dense.trained.layers,
                          Progress(quiet=True), MethodOptions(), settings=SETTINGS, dense=dense)
    ctx.products["dense"] = [ClassifierNet("dense", dense.trained, True, 0.0, dense.samples)]
    ctx.current = {m.name: m for m in registered()}[method.__name__]
    return method(ctx)


def test_dense_reaches_95_percent(dense, data):
    _, _, xt, yt = data
    assert dense.trained.accuracy(xt, yt) >= 0.95
    assert dense.trained.layers == [64, 100, 50, 10] and dense.trained.sparsity == 0.0


def test_training_is_deterministic(dense, data):
    x, y, _, _ = data
    again = train_dense([64, 100, 50, 10], x, y, SETTINGS, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(again.trained.weights, dense.trained.weights))


def test_lottery_ticket_at_80_percent_stays_within_2_points(dense, data):
    _, _, xt, yt = data
    (ticket,) = rows(dense, literature.lottery, [0.8])
    assert ticket.sparsity == 0.8 and ticket.net.sparsity == pytest.approx(0.8, abs=1e-3)
    # Frankle & Carbin: the output layer is pruned at half the rate of the hidden layers.
    kept = [m.mean() for m in ticket.net.masks]
    assert kept[2] > kept[0] and kept[0] == pytest.approx(kept[1], abs=0.01)
    assert all(np.all(w[~m] == 0) for w, m in zip(ticket.net.weights, ticket.net.masks))
    assert ticket.test_accuracy(xt, yt) >= dense.trained.accuracy(xt, yt) - 0.02


def test_untrained_masks_beat_chance(dense, data):
    _, _, xt, yt = data
    for net in (*rows(dense, literature.signed_constant, [0.5]),
                *rows(dense, literature.supermask, [0.5])):
        assert not net.trained and net.net.sparsity == pytest.approx(0.5, abs=1e-3)
        assert net.test_accuracy(xt, yt) > 0.3, net.name
    assert random_weights(dense).test_accuracy(xt, yt) < 0.35


def test_a_learned_supermask_trains_only_the_mask(dense, data):
    x, y, xt, yt = data
    net = learned_supermask(dense, x, y, TrainSettings(epochs=30, lr=MASK_LR), seed=0)
    assert not net.trained and 0.05 < net.sparsity < 0.95
    for w0, w, m in zip(dense.init.weights, net.net.weights, net.net.masks):
        sd = np.sqrt(2.0 / sum(w0.shape))
        assert np.allclose(w[m], np.where(w0[m] < 0, -sd, sd))
    assert net.test_accuracy(xt, yt) > 0.8


def test_pruning_and_random_masks(dense, data):
    _, _, xt, yt = data
    (pruned,), (rand,) = rows(dense, literature.pruned, [0.8]), rows(dense, literature.random_mask, [0.8])
    for net in (pruned, rand):
        assert net.net.sparsity == pytest.approx(0.8, abs=1e-3)
        assert [int(m.sum()) for m in net.net.masks] == list(layer_counts([6400, 5000, 500], 2380))
        assert net.test_accuracy(xt, yt) > 0.85
    assert pruned.samples > dense.samples


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    net = init_mlp([5, 4, 3], rng, np.float64)
    net.masks[0][0, 0] = False
    x, y = rng.normal(size=(7, 5)), rng.integers(0, 3, size=7)
    _, gw, gb = gradients(net, x, y)
    eps = 1e-6
    for layer, (i, j) in ((0, (1, 2)), (1, (3, 1))):
        w = net.weights[layer]
        w[i, j] += eps
        up = net.cross_entropy(x, y)
        w[i, j] -= 2 * eps
        down = net.cross_entropy(x, y)
        w[i, j] += eps
        assert gw[layer][i, j] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8)
    assert gw[0][0, 0] == 0.0 and gb[1].shape == (3,)


def test_bad_settings():
    with pytest.raises(WannError):
        TrainSettings(lr=0.0)
    with pytest.raises(WannError):
        mlp_layers(64, 10, [0])
