"""Structured pruning (whole hidden units by incoming L1 norm), training from scratch, and
lottery masks with random re-initialization."""

import numpy as np
import pytest

from wann.baselines.common import Net
from wann.baselines.dense import DenseRun, dense_genome, init_weights
from wann.baselines.layered import matrices
from wann.baselines.lottery import lottery_tickets
from wann.baselines.prune import n_keep
from wann.baselines.structured import (
    remaining_connections,
    structured_finetune,
    structured_mask,
    structured_scratch,
    unit_l1,
    units_to_keep,
)
from wann.baselines.ticket_reinit import reinit_ticket
from wann.cmaes import CMAResult, CMASettings

TINY = CMASettings(generations=2, popsize=4, rollouts=1, check_every=2, check_episodes=1)


def fake_dense(task, layers, seed: int = 0) -> DenseRun:
    rng = np.random.default_rng(seed)
    init = init_weights(layers, rng)
    trained = init + rng.normal(0, 1.0, init.size)
    g = dense_genome(task, layers, trained)
    return DenseRun(layers, init, CMAResult(g, 0.0, 0, 0), Net("dense", g, 1000))


def unit_status(layers, mask):
    """Per hidden layer and unit: (incoming connections kept, outgoing connections kept)."""
    mats = matrices(layers, mask.astype(float))
    out = []
    for h in range(len(layers) - 2):
        incoming = mats[h].sum(axis=0)  # bias row included
        outgoing = mats[h + 1][1:].sum(axis=1)
        out.append((incoming, outgoing))
    return out


@pytest.mark.parametrize("layers", [[5, 10, 1], [4, 6, 8, 2], [3, 7, 7, 7, 2]])
@pytest.mark.parametrize("s", [0.0, 0.3, 0.5, 0.8, 0.9, 0.95])
def test_structured_pruning_removes_whole_units_at_exact_counts(layers, s) -> None:
    w = np.random.default_rng(int(s * 100)).normal(size=sum((a + 1) * b for a, b in
                                                            zip(layers[:-1], layers[1:])))
    mask, counts = structured_mask(layers, w, s)
    assert counts == units_to_keep(layers, s)
    assert int(mask.sum()) == remaining_connections(layers, counts)
    l1 = unit_l1(layers, w)
    for h, (incoming, outgoing) in enumerate(unit_status(layers, mask)):
        kept = [layers[0], *counts, layers[-1]]
        fan_in, fan_out = kept[h] + 1, kept[h + 2]  # what is left of the layers around it
        alive = incoming > 0
        # A unit is either whole (every connection in and out) or gone (none).
        assert np.all((incoming == fan_in) == alive) and np.all(incoming[~alive] == 0)
        assert np.all(outgoing[alive] == fan_out) and np.all(outgoing[~alive] == 0)
        assert alive.sum() == counts[h] >= 1
        if not alive.all():
            assert l1[h][alive].min() >= l1[h][~alive].max()  # the largest L1 norms stay


def test_unit_counts_come_closest_to_the_requested_sparsity() -> None:
    layers = [5, 10, 1]  # 7 k + 1 connections with k hidden units
    for s, k in [(0.0, 10), (0.5, 5), (0.8, 2), (0.9, 1), (0.95, 1)]:
        assert units_to_keep(layers, s) == [k], s
        assert abs(7 * k + 1 - n_keep(71, s)) <= 3 or k == 1  # 1 unit: the floor
    assert units_to_keep([4, 6, 12, 2], 0.0) == [6, 12]
    counts = units_to_keep([4, 6, 12, 2], 0.75)
    assert counts[1] == 2 * counts[0]  # the same share in every layer


def test_finetune_keeps_the_trained_survivors_and_scratch_starts_afresh(task, ev) -> None:
    layers = [5, 6, 1]
    dense = fake_dense(task, layers)
    a = structured_finetune(ev, dense, 0.5, TINY, 1, task.max_steps)
    b = structured_scratch(ev, dense, 0.5, TINY, 1, task.max_steps)
    mask, counts = structured_mask(layers, dense.trained, 0.5)
    for net in (a, b):
        np.testing.assert_array_equal(net.genome.conn_enabled, mask)
        assert net.genome.meta["units"] == counts and net.note == "units 3/6"
    assert a.name == "structured fine-tuned 50%" and b.name == "structured scratch 50%"
    assert a.env_steps > 1000 and b.env_steps < a.env_steps  # scratch needs no trained net
    # Pruned connections keep their values; scratch's came from a fresh draw, not the init.
    np.testing.assert_array_equal(a.genome.conn_weight[~mask], dense.trained[~mask])
    assert not np.any(np.isin(b.genome.conn_weight, dense.init))
    assert not np.any(np.isin(b.genome.conn_weight, dense.trained))


def test_random_reinit_keeps_the_ticket_mask_with_fresh_weights(task, ev) -> None:
    layers = [5, 6, 1]
    dense = fake_dense(task, layers)
    ticket = lottery_tickets(ev, dense, [0.5], TINY, 2, task.max_steps)[0]
    net = reinit_ticket(ev, ticket, layers, TINY, 3, task.max_steps)
    np.testing.assert_array_equal(net.genome.conn_enabled, ticket.genome.conn_enabled)
    assert net.name == "ticket random reinit 50%" and net.sparsity == 0.5
    assert net.env_steps > ticket.env_steps
    m = ticket.genome.conn_enabled
    assert not np.any(np.isin(net.genome.conn_weight[m], dense.init[m]))
