"""Gradient-trained classification baselines on digits: the literature's claims, on our data."""

from __future__ import annotations

import numpy as np
import pytest

from wann import WannError
from wann.baselines.sparse_mlp import (
    MASK_LR,
    imp_fractions,
    learned_supermask,
    lottery_ticket,
    prune_finetune,
    random_mask,
    random_weights,
    signed_constant,
    supermask,
    train_dense,
)
from wann.classify import get_classify_task
from wann.classify.mlp import DEFAULT_HIDDEN, TrainSettings, gradients, init_mlp, mlp_layers

SETTINGS = TrainSettings(epochs=30, batch_size=64, lr=1e-3)


@pytest.fixture(scope="module")
def data():
    t = get_classify_task("digits")
    return t.x_train, t.y_train, t.x_test, t.y_test


@pytest.fixture(scope="module")
def dense(data):
    x, y, _, _ = data
    return train_dense(mlp_layers(64, 10, DEFAULT_HIDDEN["digits"]), x, y, SETTINGS, seed=0)


def test_dense_reaches_95_percent(dense, data):
    _, _, xt, yt = data
    assert dense.trained.accuracy(xt, yt) >= 0.95
    assert dense.trained.layers == [64, 100, 50, 10] and dense.trained.sparsity == 0.0


def test_training_is_deterministic(dense, data):
    x, y, _, _ = data
    again = train_dense([64, 100, 50, 10], x, y, SETTINGS, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(again.trained.weights, dense.trained.weights))


def test_lottery_ticket_at_80_percent_stays_within_2_points(dense, data):
    x, y, xt, yt = data
    ticket = lottery_ticket(dense, x, y, 0.8, SETTINGS, seed=0)
    assert ticket.sparsity == pytest.approx(0.8, abs=1e-3)
    # Frankle & Carbin: the output layer is pruned at half the rate of the hidden layers.
    kept = [m.mean() for m in ticket.net.masks]
    assert kept[2] > kept[0] and kept[0] == pytest.approx(kept[1], abs=0.01)
    assert all(np.all(w[~m] == 0) for w, m in zip(ticket.net.weights, ticket.net.masks))
    assert ticket.test_accuracy(xt, yt) >= dense.trained.accuracy(xt, yt) - 0.02


def test_imp_schedule_rates_and_exact_end():
    fr = imp_fractions([6400, 5000, 500], [0.2, 0.2, 0.1], 0.8)
    assert np.allclose(fr[0], [0.8, 0.8, 0.9]) and np.allclose(fr[1], [0.64, 0.64, 0.81])
    total = (np.array([6400, 5000, 500]) * fr[-1]).sum() / 11900
    assert total == pytest.approx(0.2) and len(fr) == 8
    assert imp_fractions([10], [0.2], 0.0) == []


def test_untrained_masks_beat_chance(dense, data):
    _, _, xt, yt = data
    for net in (signed_constant(dense, 0.5), supermask(dense, 0.5)):
        assert not net.trained and net.sparsity == pytest.approx(0.5, abs=1e-3)
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
    x, y, xt, yt = data
    pruned = prune_finetune(dense, x, y, 0.8, SETTINGS, seed=0)
    rand = random_mask(dense, x, y, 0.8, SETTINGS, seed=0)
    for net in (pruned, rand):
        assert net.sparsity == pytest.approx(0.8, abs=1e-3)
        assert [int(m.sum()) for m in net.net.masks] == [1280, 1000, 100]
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
