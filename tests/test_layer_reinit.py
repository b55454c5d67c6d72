"""Layer re-initialization robustness: resetting one layer to its recorded initial values or
to fresh random values."""

import numpy as np

from wann.baselines.dense import dense_genome, init_std, init_weights
from wann.baselines.layer_reinit import (
    layer_reinit,
    reinit_candidates,
    reinit_csv,
    reinit_markdown,
    reset_layer,
    rows_from_csv,
)
from wann.baselines.layered import layer_names, layer_slices
from wann.baselines.objectives import ReturnObjective
from wann.plotting.comparison import reinit_figure
from wann.scoring import own_weight_returns, test_seeds


def test_reinit_restores_exactly_the_recorded_initial_values() -> None:
    layers = [3, 4, 5, 2]
    rng = np.random.default_rng(0)
    init = init_weights(layers, rng)
    trained = init + rng.normal(size=init.size)
    xs = reinit_candidates(layers, init, trained, np.random.default_rng(1))
    sls = layer_slices(layers)
    assert xs.shape == (1 + 2 * len(sls), init.size)
    np.testing.assert_array_equal(xs[0], trained)
    for i, sl in enumerate(sls):
        other = np.ones(init.size, bool)
        other[sl] = False
        np.testing.assert_array_equal(xs[1 + i][sl], init[sl])  # bit for bit
        np.testing.assert_array_equal(xs[1 + i][other], trained[other])
        fresh = xs[1 + len(sls) + i]
        np.testing.assert_array_equal(fresh[other], trained[other])
        assert not np.any(np.isin(fresh[sl], init[sl])) and not np.any(fresh[sl] == trained[sl])
    np.testing.assert_array_equal(reset_layer(trained, init, layers, 1)[sls[1]], init[sls[1]])
    assert layer_names(layers) == ["input→h1", "h1→h2", "h2→output"]
    # Fresh values come from the initial distribution: sd 1 / sqrt(fan-in + 1) per layer.
    big = [3, 200, 1]
    z = reinit_candidates(big, np.zeros(1201), np.zeros(1201), np.random.default_rng(2))
    assert abs(z[3][layer_slices(big)[0]].std() - init_std(big)[0]) < 0.03


def test_layer_reinit_scores_on_the_test_episodes(task, ev, tmp_path) -> None:
    layers = [5, 4, 1]
    rng = np.random.default_rng(3)
    init = init_weights(layers, rng)
    trained = init + rng.normal(size=init.size)
    g = dense_genome(task, layers, trained)
    seeds = test_seeds(0, 3)
    rows = layer_reinit(ReturnObjective(ev, g, seeds), layers, init, trained,
                        np.random.default_rng(4))
    assert [r.name for r in rows] == ["input→h1", "h1→output"] and rows[0].weights == 24
    np.testing.assert_array_equal(rows[0].trained, own_weight_returns(ev, g, seeds))
    g0 = dense_genome(task, layers, reset_layer(trained, init, layers, 0))
    np.testing.assert_array_equal(rows[0].reinit, own_weight_returns(ev, g0, seeds))
    assert rows[1].reinit_drop == rows[1].trained.mean() - rows[1].reinit.mean()
    text = reinit_csv(rows, "5-4-1")
    assert text.splitlines()[0].startswith("net,layer,name,weights,trained_mean")
    assert len(text.splitlines()) == 3
    assert "| h1→output | 5 |" in reinit_markdown(rows, "5-4-1", "swingup", 3)
    back = rows_from_csv(text)
    assert [r.name for r in back] == ["input→h1", "h1→output"]
    assert abs(back[0].reinit_drop - rows[0].reinit_drop) < 1e-3
    reinit_figure(back, tmp_path / "r.png", "t")
    assert (tmp_path / "r.png").stat().st_size > 5000


def test_layer_reinit_takes_any_loss() -> None:
    from wann.baselines.objectives import LossObjective

    layers = [4, 5, 3]
    rng = np.random.default_rng(6)
    target = rng.normal(size=(4 + 1) * 5 + (5 + 1) * 3)
    init = init_weights(layers, rng)
    trained = init + rng.normal(size=init.size)

    def loss(w):
        return float(np.sum((w - target) ** 2))

    rows = layer_reinit(LossObjective(loss), layers, init, trained, np.random.default_rng(7))
    assert rows[0].trained.shape == (1,)
    assert rows[1].reinit[0] == -loss(reset_layer(trained, init, layers, 1))
