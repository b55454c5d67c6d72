"""The classification comparison scores an MLP's shared weight as the genome path does."""

from __future__ import annotations

import numpy as np

from wann.classify import get_classify_task
from wann.classify.mlp import init_mlp, mlp_layers
from wann.classify.scoring import accuracy, per_weight
from wann.comparison.classification import shared_probs


def test_mlp_shared_weight_equals_its_genome():
    task = get_classify_task("digits")
    net = init_mlp(mlp_layers(64, 10, (12, 8)), np.random.default_rng(0), np.float64)
    net.masks[0][::3] = False  # some connections masked away
    weights = [-1.5, -0.5, 0.5, 2.0]
    genome = per_weight(task, net.to_genome(), weights)["accuracy"]
    mine = [accuracy(shared_probs(net, task.x_test, w), task.y_test) for w in weights]
    np.testing.assert_allclose(mine, genome)
