"""Dense, pruned, lottery-ticket, signed-constant and random-mask networks."""

import numpy as np
import pytest

from wann import WannError
from wann.baselines.common import Net
from wann.baselines.dense import (
    DenseRun,
    connection_layers,
    dense_genome,
    dense_layers,
    init_std,
    init_weights,
    train_dense,
)
from wann.baselines.lottery import imp_schedule, lottery_tickets, rewind
from wann.baselines.prune import (
    allocate,
    apply_mask,
    check_sparsity,
    magnitude_mask,
    n_keep,
    prune_and_finetune,
)
from wann.baselines.random_nets import random_mask, random_mask_net
from wann.baselines.signed import signed_constant, signed_constant_weights, supermask
from wann.cmaes import CMAResult, CMASettings
from wann.comparison.control import PAPER
from wann.scoring import own_weight_returns, random_shared_returns, test_seeds

LAYERS = [5, 10, 1]
SPARSITIES = (0.5, 0.8, 0.9, 0.95)
TINY = CMASettings(generations=2, popsize=4, rollouts=1, check_every=2, check_episodes=1)


def fake_dense(task, seed: int = 0) -> DenseRun:
    """A dense 'run' whose trained weights are random: enough to test masks and rewinding."""
    rng = np.random.default_rng(seed)
    init = init_weights(LAYERS, rng)
    trained = init + rng.normal(0, 1.0, init.size)
    g = dense_genome(task, LAYERS, trained)
    return DenseRun(LAYERS, init, CMAResult(g, 0.0, 0, 0), Net("dense", g, 1000))


def test_dense_5_10_1_has_71_weights_in_two_layers(task) -> None:
    assert dense_layers(task) == LAYERS
    layer = connection_layers(LAYERS)
    assert layer.size == 71 and np.count_nonzero(layer == 0) == 60
    np.testing.assert_allclose(init_std(LAYERS), [1 / np.sqrt(6), 1 / np.sqrt(11)])
    assert dense_layers(task, [4, 3]) == [5, 4, 3, 1]
    with pytest.raises(WannError, match="at least 1"):
        dense_layers(task, [0])


@pytest.mark.parametrize("s", [0.0, *SPARSITIES, 0.3, 0.99])
@pytest.mark.parametrize("seed", range(3))
def test_pruning_keeps_exactly_the_requested_share(s: float, seed: int) -> None:
    w = np.random.default_rng(seed).normal(size=71)
    layer = connection_layers(LAYERS)
    keep = n_keep(71, s)
    assert keep == max(1, int(np.floor(71 * (1 - s) + 0.5)))
    mask = magnitude_mask(w, layer, keep)
    assert mask.sum() == keep
    for k in range(2):
        kept, cut = np.abs(w[mask & (layer == k)]), np.abs(w[~mask & (layer == k)])
        assert kept.size >= 1 or keep < 2  # no layer is cut away whole while there are two
        if cut.size and kept.size:
            assert kept.min() >= cut.max()  # the largest survive, layer by layer


def test_allocation_is_proportional_and_exact() -> None:
    np.testing.assert_array_equal(allocate(36, np.array([60, 11])), [30, 6])
    np.testing.assert_array_equal(allocate(4, np.array([60, 11])), [3, 1])
    np.testing.assert_array_equal(allocate(2, np.array([60, 11])), [1, 1])
    assert allocate(1, np.array([60, 11])).sum() == 1


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, float("nan")])
def test_sparsity_outside_0_1_is_refused(bad: float) -> None:
    with pytest.raises(WannError, match=r"\[0, 1\)"):
        check_sparsity(bad)


def test_imp_schedule_prunes_20_percent_and_hits_every_target() -> None:
    counts = imp_schedule(71, SPARSITIES)
    targets = [n_keep(71, s) for s in SPARSITIES]
    assert all(t in counts for t in targets) and counts[-1] == targets[-1]
    prev = 71
    for k in counts:
        assert k < prev and k >= np.floor(prev * 0.8 + 0.5)
        prev = k
    assert len(counts) == 14


def test_lottery_rounds_rewind_to_exactly_the_initial_values(task, ev, monkeypatch) -> None:
    dense = fake_dense(task)
    mask = magnitude_mask(dense.trained, dense.conn_layer, 20)
    g = rewind(dense.result.genome, dense.init, mask)
    assert np.array_equal(g.conn_weight[mask], dense.init[mask])
    assert np.array_equal(g.conn_enabled, mask)
    # Inside the loop: every round starts CMA-ES from the initial values of nested masks.
    import wann.baselines.lottery as lottery

    starts = []
    real = lottery.cma_es

    def spy(ev_, genome, x0, *args, **kw):
        starts.append((genome.conn_enabled.copy(), genome.conn_weight.copy(), x0.copy()))
        return real(ev_, genome, x0, *args, **kw)

    monkeypatch.setattr(lottery, "cma_es", spy)
    tickets = lottery_tickets(ev, dense, (0.5, 0.8), TINY, seed=0, max_steps=1000)
    assert [t.sparsity for t in tickets] == [0.5, 0.8]
    assert [t.genome.n_enabled for t in tickets] == [n_keep(71, 0.5), n_keep(71, 0.8)]
    prev = np.ones(71, bool)
    for enabled, weights, x0 in starts:
        assert np.array_equal(weights[enabled], dense.init[enabled])
        assert np.array_equal(x0, dense.init[enabled])
        assert not np.any(enabled & ~prev)  # masks are nested
        prev = enabled
    assert tickets[0].env_steps < tickets[1].env_steps  # steps accumulate over rounds


def test_signed_constants_have_exactly_the_initial_signs(task) -> None:
    dense = fake_dense(task, seed=3)
    sd = init_std(LAYERS)
    for s in SPARSITIES:
        net = signed_constant(dense, s)
        g = net.genome
        on = g.conn_enabled
        assert on.sum() == n_keep(71, s) and not net.trained
        assert np.array_equal(np.sign(g.conn_weight[on]), np.sign(dense.init[on]))
        np.testing.assert_array_equal(np.abs(g.conn_weight[on]), sd[dense.conn_layer[on]])
        np.testing.assert_array_equal(on, magnitude_mask(dense.trained, dense.conn_layer,
                                                         n_keep(71, s)))
        sm = supermask(dense, s).genome
        assert np.array_equal(sm.conn_enabled, on)
        assert np.array_equal(sm.conn_weight[on], dense.init[on])
    assert np.array_equal(signed_constant_weights(np.array([0.0, -0.0, -1e-9]), np.zeros(3, int),
                                                  np.array([0.5])), [0.5, 0.5, -0.5])


def test_random_masks_match_the_layer_counts_but_not_the_mask(task) -> None:
    dense = fake_dense(task)
    for s in SPARSITIES[:3]:
        keep = n_keep(71, s)
        mag = magnitude_mask(dense.trained, dense.conn_layer, keep)
        rnd = random_mask(dense.conn_layer, keep, np.random.default_rng(1))
        for k in range(2):
            assert np.sum(rnd & (dense.conn_layer == k)) == np.sum(mag & (dense.conn_layer == k))
        assert not np.array_equal(rnd, mag)


def test_pruned_and_random_mask_nets_train_only_their_survivors(task, ev) -> None:
    dense = fake_dense(task)
    p = prune_and_finetune(ev, dense, 0.9, TINY, seed=1, max_steps=task.max_steps)
    r = random_mask_net(ev, dense, 0.9, TINY, seed=1, max_steps=task.max_steps)
    for net in (p, r):
        assert net.genome.n_enabled == n_keep(71, 0.9) and net.sparsity == 0.9
        off = ~net.genome.conn_enabled
        # Pruned connections keep their old values: only survivors move.
        src = dense.trained if net is p else dense.init
        assert np.array_equal(net.genome.conn_weight[off], src[off])
    assert p.env_steps > dense.net.env_steps
    masked = apply_mask(dense.result.genome, p.genome.conn_enabled)
    assert masked.n_enabled == p.genome.n_enabled


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
