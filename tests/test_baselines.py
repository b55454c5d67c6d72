"""Dense fixed-topology networks on control tasks: layer sizes, initial weights, and the
paper's 5-10-1 net trained by CMA-ES (the methods derived from a dense start are in
test_literature.py)."""

import numpy as np
import pytest

from wann import WannError
from wann.baselines.dense import connection_layers, dense_layers, init_std, train_dense
from wann.comparison.control import PAPER
from wann.scoring import own_weight_returns, random_shared_returns, test_seeds

LAYERS = [5, 10, 1]


def test_dense_5_10_1_has_71_weights_in_two_layers(task) -> None:
    assert dense_layers(task) == LAYERS
    layer = connection_layers(LAYERS)
    assert layer.size == 71 and np.count_nonzero(layer == 0) == 60
    np.testing.assert_allclose(init_std(LAYERS), [1 / np.sqrt(6), 1 / np.sqrt(11)])
    assert dense_layers(task, [4, 3]) == [5, 4, 3, 1]
    with pytest.raises(WannError, match="at least 1"):
        dense_layers(task, [0])


def test_dense_5_10_1_reaches_850_and_fails_with_a_shared_weight(task, ev) -> None:
    """The paper's fixed topology: 918 ± 7 with trained weights, 7 ± 2 with a random shared one.

    A real training with the default budget (500 generations of 32 x 4 rollouts): about 30 s.
    """
    d = train_dense(ev, task, LAYERS, PAPER.dense, seed=0)
    assert d.net.env_steps == d.result.rollouts * task.max_steps
    seeds = test_seeds(0, 100)
    own = own_weight_returns(ev, d.result.genome, seeds)
    assert own.mean() >= 850, own.mean()
    shared = random_shared_returns(ev, d.result.genome, seeds, np.random.default_rng(0))
    assert abs(shared.mean()) < 60, shared.mean()
