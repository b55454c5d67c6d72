"""The sparsity literature's methods, written once (wann.methods.literature), on both task
families: the same assertions on a swing-up controller trained by CMA-ES and on a digits MLP
trained by Adam."""

from __future__ import annotations

import numpy as np
import pytest

from wann.baselines.classifier import ClassifierNet, train_dense
from wann.baselines.common import Net
from wann.baselines.dense import DenseRun, dense_genome, init_weights
from wann.baselines.masks import n_keep, top_masks, unit_masks
from wann.baselines.obd import OBDSettings
from wann.classify import get_classify_task
from wann.classify.mlp import TrainSettings
from wann.cmaes import CMAResult, CMASettings
from wann.methods import registered
from wann.methods.classification import ClassifyContext
from wann.methods.control import ControlContext
from wann.progress import Progress
from wann.study import MethodOptions

TINY = CMASettings(generations=2, popsize=4, rollouts=1, check_every=2, check_episodes=1)
FAMILIES = ("control", "classification")


@pytest.fixture(scope="module")
def digits():
    return get_classify_task("digits")


@pytest.fixture(params=FAMILIES)
def make_ctx(request, task, ev, digits):
    """A factory of one family's context around a dense start (control: 'trained' weights are
    the initial ones plus noise, enough for masks and rewinding; classification: one epoch)."""

    def build(sparsities):
        options = MethodOptions(obd=OBDSettings(episodes=2))
        if request.param == "control":
            layers = [5, 6, 1]
            rng = np.random.default_rng(0)
            init = init_weights(layers, rng)
            g = dense_genome(task, layers, init + rng.normal(0, 1.0, init.size))
            dense = DenseRun(layers, init, CMAResult(g, 0.0, 0, 0), Net("dense", g, 1000))
            c = ControlContext(task, 1, sparsities, layers, Progress(quiet=True), options, ev=ev,
                               dense_cma=TINY, retrain_cma=TINY, finetune_cma=TINY, dense=dense)
            c.products["dense"] = [dense.net]
        else:
            layers = [64, 12, 8, 10]
            settings = TrainSettings(epochs=1)
            dense = train_dense(layers, digits.x_train, digits.y_train, settings, 0)
            c = ClassifyContext(digits, 1, sparsities, layers, Progress(quiet=True), options,
                                settings=settings, dense=dense)
            c.products["dense"] = [ClassifierNet("dense", dense.trained, True, 0.0,
                                                 dense.samples)]
        return c, request.param

    return build


def run(ctx, family, name):
    """Build one method's rows as a comparison does (its products kept for its users)."""
    method = {m.name: m for m in registered()}[name]
    ctx.current = method
    try:
        nets = method.builder(family)(ctx)
    finally:
        ctx.current = None
    ctx.products[name] = nets
    return nets


def spy_make(ctx, monkeypatch):
    """Record the masks, starting weights and base of every network the methods make."""
    calls, real = [], ctx.make

    def make(masks, weights, *args, **kw):
        calls.append(([np.array(m, bool) for m in masks],
                      [np.array(w, np.float64) for w in weights], kw.get("base", "initial")))
        return real(masks, weights, *args, **kw)

    monkeypatch.setattr(ctx, "make", make)
    return calls


def total(masks) -> int:
    return sum(int(np.sum(m)) for m in masks)


def same(a, b) -> bool:
    return all(np.allclose(x, y, rtol=1e-6, atol=0) for x, y in zip(a, b))


def test_pruning_keeps_the_largest_trained_weights_and_trains_only_them(make_ctx) -> None:
    ctx, family = make_ctx([0.5, 0.8])
    n = sum(m.size for m in ctx.initial())
    trained = ctx.trained()
    nets = run(ctx, family, "pruned")
    assert [x.name for x in nets] == ["pruned 50%", "pruned 80%"]
    for net, s in zip(nets, [0.5, 0.8]):
        masks = ctx.masks_of(net)
        counts = ctx.keep_per_layer(s)
        assert total(masks) == n_keep(n, s) and [int(m.sum()) for m in masks] == counts
        assert all(np.array_equal(a, b) for a, b in zip(
            masks, top_masks([np.abs(w) for w in trained], counts)))
        for w, t, m in zip(ctx.weights_of(net), trained, masks):
            off = ~np.asarray(m, bool)  # pruned weights keep their values or are zero
            assert np.all((w[off] == t[off]) | (w[off] == 0))
        assert ctx.cost_of(net) > ctx.dense_cost()


def test_lottery_rounds_rewind_nested_masks_to_the_initial_values(make_ctx, monkeypatch) -> None:
    ctx, family = make_ctx([0.5, 0.8])
    n = sum(m.size for m in ctx.initial())
    calls = spy_make(ctx, monkeypatch)
    tickets = run(ctx, family, "lottery")
    assert [t.name for t in tickets] == ["lottery ticket 50%", "lottery ticket 80%"]
    assert [total(ctx.masks_of(t)) for t in tickets] == [n_keep(n, 0.5), n_keep(n, 0.8)]
    assert len(calls) > 2
    prev = [np.ones(m.shape, bool) for m in ctx.initial()]
    for masks, weights, base in calls:
        assert base == "initial" and same(weights, ctx.initial())
        assert not any(np.any(m & ~p) for m, p in zip(masks, prev))  # masks are nested
        prev = masks
    assert ctx.dense_cost() < ctx.cost_of(tickets[0]) < ctx.cost_of(tickets[1])
    # The control of Frankle & Carbin: each ticket's mask on fresh weights.
    calls.clear()
    reinit = run(ctx, family, "lottery_reinit")
    assert [r.name for r in reinit] == ["ticket random reinit 50%", "ticket random reinit 80%"]
    for r, t, (masks, weights, _) in zip(reinit, tickets, calls):
        assert all(np.array_equal(a, b) for a, b in zip(ctx.masks_of(r), ctx.masks_of(t)))
        assert not any(np.any(np.isin(w[m], i[m])) for w, i, m in
                       zip(weights, ctx.initial(), masks))
        assert ctx.cost_of(r) > ctx.cost_of(t)


def test_signed_constants_and_supermasks_are_the_large_final_mask_untrained(make_ctx) -> None:
    ctx, family = make_ctx([0.5, 0.9])
    init, sd = ctx.initial(), ctx.init_sd()
    signed, sm = run(ctx, family, "signed_constant"), run(ctx, family, "supermask")
    for a, b, s in zip(signed, sm, [0.5, 0.9]):
        assert not a.trained and not b.trained and a.name == f"signed constant {s:.0%}"
        large = top_masks([np.abs(w) for w in ctx.trained()], ctx.keep_per_layer(s))
        for m, want in zip(ctx.masks_of(a), large):
            np.testing.assert_array_equal(m, want)
        for w, i, d, m in zip(ctx.weights_of(a), init, sd, large):
            np.testing.assert_allclose(w[m], np.where(i[m] < 0, -d, d), rtol=1e-6)
        for w, i, m in zip(ctx.weights_of(b), init, large):
            np.testing.assert_array_equal(w[m], i[m])
        assert ctx.cost_of(a) == ctx.cost_of(b) == ctx.dense_cost()


def test_random_masks_match_the_counts_not_the_mask(make_ctx, monkeypatch) -> None:
    ctx, family = make_ctx([0.5, 0.8])
    calls = spy_make(ctx, monkeypatch)
    for net, s, (masks, weights, base) in zip(run(ctx, family, "random_mask"), [0.5, 0.8], calls):
        counts = ctx.keep_per_layer(s)
        assert [int(m.sum()) for m in ctx.masks_of(net)] == counts
        assert not all(np.array_equal(a, b) for a, b in zip(
            masks, top_masks([np.abs(w) for w in ctx.trained()], counts)))
        assert base == "initial" and same(weights, ctx.initial())


def test_structured_pruning_fine_tunes_or_starts_afresh(make_ctx, monkeypatch) -> None:
    ctx, family = make_ctx([0.5])
    calls = spy_make(ctx, monkeypatch)
    (a,), (b,) = run(ctx, family, "structured_finetune"), run(ctx, family, "structured_scratch")
    masks, counts = unit_masks(ctx.trained(), 0.5, ctx.bias_rows)
    for net in (a, b):
        for m, want in zip(ctx.masks_of(net), masks):
            np.testing.assert_array_equal(m, want)
        assert net.note == "units " + "-".join(
            f"{k}/{h}" for k, h in zip(counts, ctx.layer_sizes[1:-1]))
    assert a.name == "structured fine-tuned 50%" and b.name == "structured scratch 50%"
    (_, tuned, base_a), (_, fresh, base_b) = calls
    assert base_a == "trained" and same(tuned, ctx.trained()) and base_b == "initial"
    assert not any(np.any(np.isin(f, i)) for f, i in zip(fresh, ctx.initial()))
    assert ctx.cost_of(b) < ctx.cost_of(a)  # scratch needs no trained net


def test_obd_deletes_the_least_salient_level_by_level(make_ctx, monkeypatch) -> None:
    ctx, family = make_ctx([0.8, 0.5])
    n = sum(m.size for m in ctx.initial())
    seen, real = [], ctx.derivatives

    def derivatives(masks, weights, *args):
        g, h, cost = real(masks, weights, *args)
        seen.append([0.5 * np.asarray(x) * np.asarray(w, np.float64) ** 2
                     for x, w in zip(h, weights)])
        return g, h, cost

    monkeypatch.setattr(ctx, "derivatives", derivatives)
    nets = run(ctx, family, "obd")
    assert [x.name for x in nets] == ["OBD 50%", "OBD 80%"]
    masks = [ctx.masks_of(x) for x in nets]
    assert [total(m) for m in masks] == [n_keep(n, 0.5), n_keep(n, 0.8)]
    assert not any(np.any(b & ~a) for a, b in zip(*masks))  # within the previous survivors
    for sal, m in zip(seen[0], masks[0]):  # the most salient survive, layer by layer
        if m.any() and not m.all():
            assert sal[m].min() >= sal[~m].max()
    assert ctx.dense_cost() < ctx.cost_of(nets[0]) < ctx.cost_of(nets[1])


def test_snip_keeps_the_most_sensitive_connections_before_any_training(make_ctx,
                                                                        monkeypatch) -> None:
    ctx, family = make_ctx([0.5, 0.9])
    n = sum(m.size for m in ctx.initial())
    seen, real = [], ctx.derivatives

    def derivatives(masks, weights, base, *args):
        out = real(masks, weights, base, *args)
        seen.append((base, [np.array(w) for w in weights], out[0]))
        return out

    monkeypatch.setattr(ctx, "derivatives", derivatives)
    calls = spy_make(ctx, monkeypatch)
    nets = run(ctx, family, "snip")
    assert [x.name for x in nets] == ["SNIP 50%", "SNIP 90%"] and len(seen) == 1
    base, at, grad = seen[0]
    assert base == "initial" and same(at, ctx.initial())  # at initialization, not trained
    score = np.concatenate([np.abs(g * w).ravel() for g, w in zip(grad, at)])
    for net, s, (_, weights, start) in zip(nets, [0.5, 0.9], calls):
        kept = np.concatenate([m.ravel() for m in ctx.masks_of(net)])
        assert kept.sum() == n_keep(n, s)  # over the whole net, not layer by layer
        assert score[kept].min() >= score[~kept].max()
        assert start == "initial" and same(weights, ctx.initial())


def test_set_keeps_its_sparsity_while_its_mask_moves(digits) -> None:
    from wann.baselines.classifier import sparse_evolutionary
    from wann.baselines.masks import layer_counts, random_masks
    from wann.classify.mlp import init_mlp

    layers, settings = [64, 12, 8, 10], TrainSettings(epochs=3)
    init = init_mlp(layers, np.random.default_rng(0))
    sizes = [w.size for w in init.weights]
    counts = layer_counts(sizes, n_keep(sum(sizes), 0.8))
    masks = random_masks(np.random.default_rng(1), [w.shape for w in init.weights], counts)
    net, samples = sparse_evolutionary(init, masks, digits.x_train, digits.y_train, settings, 3)
    assert [int(m.sum()) for m in net.masks] == list(counts)  # the sparsity is fixed
    assert any(not np.array_equal(a, b) for a, b in zip(net.masks, masks))  # the mask moved
    assert all(np.all(w[~m] == 0) for w, m in zip(net.weights, net.masks))
    assert samples == 3 * digits.y_train.size
    again, _ = sparse_evolutionary(init, masks, digits.x_train, digits.y_train, settings, 3)
    assert all(np.array_equal(a, b) for a, b in zip(net.weights, again.weights))


def test_every_method_has_a_stream_of_its_own() -> None:
    from wann import streams

    tags = [streams.method_tag(m.name) for m in registered()]
    assert len(set(tags)) == len(tags)
    assert streams.method_tag("pruned") == streams.METHOD_TAGS["pruned"]
