"""Pruning arithmetic on the layered view (wann.baselines.masks): exact counts, the half-rate
output layer, nested masks, the lottery schedule, structured pruning's whole units."""

from __future__ import annotations

import numpy as np
import pytest

from wann import WannError
from wann.baselines.masks import (
    allocate,
    check_sparsity,
    counts_within,
    imp_schedule,
    layer_counts,
    n_keep,
    random_masks,
    top_masks,
    unit_masks,
    units_to_keep,
)

GRID = [0.0, 0.3, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999]


def shapes(layers, bias_rows=1):
    return [(a + bias_rows, b) for a, b in zip(layers[:-1], layers[1:])]


@pytest.mark.parametrize("layers", [[5, 64, 64, 1], [5, 10, 1], [4, 32, 2], [24, 40, 40, 4]])
def test_layer_counts_are_exact_at_every_sparsity(layers) -> None:
    sh = shapes(layers)
    sizes = np.array([a * b for a, b in sh])
    n = int(sizes.sum())
    rng = np.random.default_rng(0)
    w = [rng.normal(size=s) for s in sh]
    for s in GRID:
        keep = n_keep(n, s)
        assert keep == max(1, int(np.floor(n * (1 - s) + 0.5)))
        counts = layer_counts(sizes, keep)
        assert counts.sum() == keep and np.all(counts <= sizes)
        if keep >= sizes.size:
            assert np.all(counts >= 1)  # no layer is cut away whole
        if 0 < s and keep >= 4 * sizes.size:
            # Frankle & Carbin: the output layer is pruned at half the rate, so it keeps a
            # larger share than any other layer.
            assert (counts / sizes)[-1] >= (counts / sizes)[:-1].max()
        # Every mask that prunes by a score keeps exactly these counts, layer by layer.
        mag = top_masks([np.abs(m) for m in w], counts)
        rnd = random_masks(np.random.default_rng(1), sh, counts)
        for masks in (mag, rnd):
            assert [int(m.sum()) for m in masks] == list(counts)
        for m, keep_l in zip(w, mag):  # the largest magnitudes survive, layer by layer
            if keep_l.any() and not keep_l.all():
                assert np.abs(m[keep_l]).min() >= np.abs(m[~keep_l]).max()


def test_layer_counts_follow_the_half_rate_rule() -> None:
    """After k rounds a hidden layer keeps 0.8^k and the output layer 0.9^k of its weights."""
    counts = layer_counts(np.array([384, 4160, 65]), 922)
    k = np.log(counts[1] / 4160) / np.log(0.8)
    assert counts[2] == pytest.approx(65 * 0.9**k, abs=1.0)
    assert counts[0] == pytest.approx(384 * 0.8**k, abs=1.0)


def test_allocation_is_proportional_and_exact() -> None:
    np.testing.assert_array_equal(allocate(36, [60, 11]), [30, 6])
    np.testing.assert_array_equal(allocate(4, [60, 11]), [3, 1])
    np.testing.assert_array_equal(allocate(2, [60, 11]), [1, 1])
    assert allocate(1, [60, 11]).sum() == 1


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, float("nan")])
def test_sparsity_outside_0_1_is_refused(bad: float) -> None:
    with pytest.raises(WannError, match=r"\[0, 1\)"):
        check_sparsity(bad)


def test_imp_schedule_prunes_20_percent_and_hits_every_target() -> None:
    sparsities = (0.5, 0.8, 0.9, 0.95)
    counts = imp_schedule(71, sparsities)
    targets = [n_keep(71, s) for s in sparsities]
    assert all(t in counts for t in targets) and counts[-1] == targets[-1]
    prev = 71
    for k in counts:
        assert prev > k >= np.floor(prev * 0.8 + 0.5)
        prev = k
    assert len(counts) == 14
    assert imp_schedule(71, [0.0]) == []


def test_nested_lottery_masks_keep_exact_counts() -> None:
    sh = shapes([5, 64, 64, 1])
    sizes = [a * b for a, b in sh]
    rng = np.random.default_rng(2)
    w = [np.abs(rng.normal(size=s)) for s in sh]
    alive = [np.ones(s, bool) for s in sh]
    for keep in imp_schedule(sum(sizes), [0.5, 0.99, 0.998]):
        new = top_masks(w, counts_within(sizes, keep, [a.sum() for a in alive]), alive)
        assert sum(int(m.sum()) for m in new) == keep
        assert not any(np.any(m & ~a) for m, a in zip(new, alive))
        alive = new


@pytest.mark.parametrize("layers", [[5, 10, 1], [4, 6, 8, 2], [3, 7, 7, 7, 2]])
@pytest.mark.parametrize("s", [0.0, 0.3, 0.5, 0.8, 0.9, 0.95])
@pytest.mark.parametrize("bias_rows", [1, 0])
def test_structured_pruning_removes_whole_units_at_exact_counts(layers, s, bias_rows) -> None:
    rng = np.random.default_rng(int(s * 100))
    mats = [rng.normal(size=sh) for sh in shapes(layers, bias_rows)]
    masks, counts = unit_masks(mats, s, bias_rows)
    assert counts == units_to_keep(layers, s, bias_rows)
    kept = [layers[0], *counts, layers[-1]]
    assert sum(int(m.sum()) for m in masks) == sum((a + bias_rows) * b
                                                   for a, b in zip(kept[:-1], kept[1:]))
    for h in range(len(layers) - 2):
        incoming = masks[h].sum(axis=0)  # bias row included
        outgoing = masks[h + 1][bias_rows:].sum(axis=1)
        alive = incoming > 0
        # A unit is either whole (every connection in and out) or gone (none).
        assert np.all(incoming[alive] == kept[h] + bias_rows) and np.all(incoming[~alive] == 0)
        assert np.all(outgoing[alive] == kept[h + 2]) and np.all(outgoing[~alive] == 0)
        assert alive.sum() == counts[h] >= 1
        l1 = np.abs(mats[h][bias_rows:]).sum(axis=0)
        if not alive.all():
            assert l1[alive].min() >= l1[~alive].max()  # the largest L1 norms stay


def test_unit_counts_come_closest_to_the_requested_sparsity() -> None:
    for s, k in [(0.0, 10), (0.5, 5), (0.8, 2), (0.9, 1), (0.95, 1)]:
        assert units_to_keep([5, 10, 1], s, 1) == [k], s  # 7 k + 1 weights with k units
        assert abs(7 * k + 1 - n_keep(71, s)) <= 3 or k == 1  # 1 unit: the floor
    assert units_to_keep([4, 6, 12, 2], 0.0) == [6, 12]
    counts = units_to_keep([4, 6, 12, 2], 0.75)
    assert counts[1] == 2 * counts[0]  # the same share in every layer
    with pytest.raises(WannError, match="hidden layer"):
        units_to_keep([4, 2], 0.5)
