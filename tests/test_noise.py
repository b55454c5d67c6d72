"""Observation noise (the same draws for every row) and k-winners-take-all nets."""

import numpy as np
import pytest

from wann import WannError
from wann.activations import LINEAR, TANH
from wann.baselines.common import Net
from wann.baselines.dense import dense_genome, init_weights
from wann.baselines.kwta import (
    KWTAEvaluator,
    check_k,
    default_k,
    kwta_activate,
    kwta_net,
    layer_positions,
)
from wann.baselines.layered import matrices
from wann.baselines.noise import check_levels, noise_csv, noise_curves, noise_markdown
from wann.evaluation.noisy import NoisyEvaluator, ObservationNoise, noise_table
from wann.evaluation.serial import SerialEvaluator
from wann.genome import from_dense
from wann.network import activate, compile_genome, pack_batches

SEEDS = np.array([11, 12])


def nets(task, n=3):
    out = []
    for i in range(n):
        w = init_weights([5, 4, 1], np.random.default_rng(i)) * 2
        out.append(Net(f"net {i}", dense_genome(task, [5, 4, 1], w), None))
    return out


def test_noise_is_keyed_by_episode_seed_and_step_whatever_the_actions(task) -> None:
    np.testing.assert_array_equal(noise_table(5, 10, 3), noise_table(5, 10, 3))
    assert not np.array_equal(noise_table(5, 10, 3), noise_table(6, 10, 3))
    seen = []
    for action in (-1.0, 1.0):  # two "rows" acting differently see the same noise
        env = ObservationNoise(task.make_env(), 0.3, task.max_steps)
        env.reset(seed=7)
        noise = [env.last_noise.copy()]
        for _ in range(5):
            env.step(np.array([action]))
            noise.append(env.last_noise.copy())
        seen.append(np.array(noise))
        env.close()
    np.testing.assert_array_equal(seen[0], seen[1])
    np.testing.assert_array_equal(seen[0], 0.3 * noise_table(7, 6, 5))
    with pytest.raises(ValueError, match="seed"):
        ObservationNoise(task.make_env(), 0.1, 10).reset()


def test_noise_is_identical_for_every_row(task) -> None:
    """A net scores the same whether evaluated alone or beside others, at every level; at
    level 0 it scores what the serial backend gives."""
    ns = nets(task)
    batch = pack_batches([compile_genome(n.genome, use_weights=True) for n in ns])
    serial = SerialEvaluator(task)
    clean, _ = serial.evaluate(batch, np.ones(1), SEEDS)
    serial.close()
    for sigma in (0.0, 0.5):
        ev = NoisyEvaluator(task, sigma)
        together, _ = ev.evaluate(batch, np.ones(1), SEEDS)
        for k, n in enumerate(ns):
            alone, _ = ev.evaluate(compile_genome(n.genome, use_weights=True), np.ones(1), SEEDS)
            np.testing.assert_array_equal(alone[0], together[k])
        ev.close()
        if sigma == 0.0:
            np.testing.assert_array_equal(together, clean)
        else:
            assert not np.array_equal(together, clean)
    twin = [ns[0], Net("copy", ns[0].genome.copy(), None)]
    curves = noise_curves(task, twin, [0.0, 1.0, 0.2], SEEDS)
    np.testing.assert_array_equal(curves[0].levels, [0.0, 0.2, 1.0])
    np.testing.assert_array_equal(curves[0].returns, curves[1].returns)
    assert curves[0].returns.shape == (3, 2)
    assert "| copy |" in noise_markdown(curves, "swingup", 0)
    assert noise_csv(curves).splitlines()[1].startswith("net 0,0,")


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_a_negative_noise_level_is_refused(bad) -> None:
    with pytest.raises(WannError, match="noise levels must be at least 0"):
        check_levels([0.0, bad])


def test_kwta_keeps_the_k_largest_hidden_units() -> None:
    layers = [3, 6, 2]
    rng = np.random.default_rng(5)
    w = rng.normal(size=(3 + 1) * 6 + (6 + 1) * 2)
    g = from_dense(layers, w, hidden_act=TANH, output_act=LINEAR)
    batch = compile_genome(g, use_weights=True)
    groups = layer_positions(g, layers)
    m0, m1 = matrices(layers, w)
    for obs in rng.normal(size=(5, 3)):
        hidden = np.tanh(m0[0] + obs @ m0[1:])
        for k in (1, 2, 5):
            kept = np.where(hidden >= np.sort(hidden)[-k], hidden, 0.0)
            assert np.count_nonzero(kept) == k
            out = kwta_activate(batch, 0, obs, groups, np.array([k, 2]))
            np.testing.assert_allclose(out, m1[0] + kept @ m1[1:], rtol=1e-12)
        full = kwta_activate(batch, 0, obs, groups, np.array([6, 2]))
        np.testing.assert_allclose(full, activate(batch, 0, obs), rtol=1e-12)


@pytest.mark.parametrize("k", [0, 5, -1])
def test_k_outside_1_to_the_layer_width_is_refused(k) -> None:
    with pytest.raises(WannError, match=r"kWTA k must lie in \[1, 4\]"):
        check_k(k, [5, 4, 6, 1])
    assert default_k([5, 4, 6, 1]) == 2 and default_k([5, 7, 1]) == 4


def test_kwta_net_trains_a_sparse_mask_and_is_deterministic(task) -> None:
    from wann.cmaes import CMASettings

    tiny = CMASettings(generations=1, popsize=4, rollouts=1, check_every=1, check_episodes=1)
    a = kwta_net(task, [5, 4, 1], 2, 0.5, tiny, seed=3)
    b = kwta_net(task, [5, 4, 1], 2, 0.5, tiny, seed=3)
    assert a.genome.n_enabled == 15 and a.name == "kWTA k=2 50%"
    np.testing.assert_array_equal(a.genome.conn_weight, b.genome.conn_weight)
    ev = KWTAEvaluator(task, a.genome, [5, 4, 1], 2)
    r, _ = ev.evaluate(compile_genome(a.genome, use_weights=True), np.ones(1), SEEDS)
    ev.close()
    curve = noise_curves(task, [], [0.0], SEEDS, [(a, [5, 4, 1], 2)])[0]
    np.testing.assert_array_equal(curve.returns[0], r[0, 0])


def test_noise_figure_redraws_from_the_csv(task, tmp_path) -> None:
    from wann.baselines.noise import curves_from_csv
    from wann.plotting.comparison import family, noise_figure

    curves = noise_curves(task, nets(task, 2), [0.0, 0.3], SEEDS[:1])
    back = curves_from_csv(noise_csv(curves))
    assert [c.model for c in back] == ["net 0", "net 1"]
    for a, b in zip(curves, back):
        np.testing.assert_allclose(a.mean, b.mean, atol=1e-4)  # the CSV keeps 4 decimals
    noise_figure(back, tmp_path / "n.png", "t")
    assert (tmp_path / "n.png").stat().st_size > 5000
    assert family("lottery ticket 50%") == "lottery ticket" and family("WANN") == "WANN"
