"""Optimal Brain Damage: saliencies from a finite-difference Hessian and from OBD's
backpropagation of second derivatives, on small hand-built networks."""

import io

import numpy as np
import pytest

from wann import WannError
from wann.baselines import obd as obd_module
from wann.baselines.common import Net
from wann.baselines.dense import DenseRun, connection_layers, dense_genome, init_weights
from wann.baselines.layered import matrices
from wann.baselines.obd import (
    OBDSettings,
    cross_entropy,
    fd_hessian_diagonal,
    gauss_newton_diagonal,
    obd_prune,
    saliency,
    salient_mask,
)
from wann.baselines.objectives import LossObjective, ReturnObjective
from wann.baselines.prune import n_keep
from wann.cmaes import CMAResult, CMASettings
from wann.progress import Progress

TINY = CMASettings(generations=2, popsize=4, rollouts=1, check_every=2, check_episodes=1)


def test_saliencies_of_a_known_quadratic_are_h_kk_w2_over_2() -> None:
    """L(w) = w'Aw/2 + b'w has Hessian A: central differences recover its diagonal exactly,
    and the saliency is A_kk w_k^2 / 2."""
    rng = np.random.default_rng(0)
    m = rng.normal(size=(6, 6))
    a = m @ m.T + np.diag([0.5, 1, 2, 3, 4, 5])
    b = rng.normal(size=6)
    w = rng.normal(size=6)
    objective = LossObjective(lambda x: 0.5 * x @ a @ x + b @ x)
    for step in (0.5, 0.1, 0.01):
        h = fd_hessian_diagonal(objective, w, step)
        np.testing.assert_allclose(h, np.diag(a), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(saliency(h, w), np.diag(a) * w**2 / 2, rtol=1e-6)


def test_obd_diagonal_is_the_exact_hessian_diagonal_without_hidden_layers() -> None:
    """For softmax regression the Gauss-Newton Hessian is exact: OBD's diagonal equals a
    finite-difference Hessian diagonal of the cross-entropy."""
    rng = np.random.default_rng(1)
    layers = [3, 4]
    w = rng.normal(size=(3 + 1) * 4)
    x = rng.normal(size=(20, 3))
    y = rng.integers(0, 4, 20)
    exact = fd_hessian_diagonal(LossObjective(lambda v: cross_entropy(layers, v, x, y)), w, 1e-3)
    np.testing.assert_allclose(gauss_newton_diagonal(layers, w, x, y), exact, rtol=1e-4,
                               atol=1e-7)


def test_obd_backpropagates_second_derivatives_as_the_paper() -> None:
    """A 2-1-2 net on one sample, by hand: d2E/dz_i^2 = p_i (1 - p_i) at the logits;
    d2E/da^2 = f'(a)^2 sum_i w_i^2 d2E/dz_i^2 at the hidden unit; h = d2E/dpre^2 input^2."""
    layers = [2, 1, 2]
    w = np.array([0.3, -0.7, 0.5, 0.2, -0.4, 1.1, 0.9])
    x = np.array([[0.8, -1.5]])
    m0, m1 = matrices(layers, w)
    hid = np.tanh(m0[0, 0] + x[0] @ m0[1:, 0])
    z = m1[0] + hid * m1[1]
    p = np.exp(z) / np.exp(z).sum()
    d2z = p * (1 - p)
    d2h = (1 - hid**2) ** 2 * np.sum(m1[1] ** 2 * d2z)
    expect = np.concatenate([d2h * np.array([1.0, x[0, 0] ** 2, x[0, 1] ** 2]),
                             np.stack([d2z, d2z * hid**2]).ravel()])
    np.testing.assert_allclose(gauss_newton_diagonal(layers, w, x, np.array([0])), expect)


def test_salient_mask_keeps_the_most_salient_at_exact_counts() -> None:
    layers = [5, 10, 1]
    conn_layer = connection_layers(layers)
    sal = np.random.default_rng(2).normal(size=71)
    for s in (0.5, 0.8, 0.95):
        keep = n_keep(71, s)
        mask = salient_mask(sal, conn_layer, keep)
        assert mask.sum() == keep
        for layer in (0, 1):
            idx = np.flatnonzero(conn_layer == layer)
            kept, cut = sal[idx][mask[idx]], sal[idx][~mask[idx]]
            assert kept.size >= 1 and (cut.size == 0 or kept.min() >= cut.max())


def test_obd_settings_are_checked() -> None:
    with pytest.raises(WannError, match="at least 1"):
        OBDSettings(episodes=0)
    with pytest.raises(WannError, match="positive"):
        OBDSettings(step=0.0)


def test_obd_prunes_iteratively_to_every_sparsity(task, ev) -> None:
    layers = [5, 4, 1]
    rng = np.random.default_rng(3)
    init = init_weights(layers, rng)
    trained = init + rng.normal(size=init.size)
    g = dense_genome(task, layers, trained)
    dense = DenseRun(layers, init, CMAResult(g, 0.0, 0, 0), Net("dense", g, 1000))
    nets = obd_prune(ev, dense, [0.8, 0.5], TINY, seed=1, max_steps=task.max_steps,
                     obd=OBDSettings(episodes=2))
    assert [n.name for n in nets] == ["OBD 50%", "OBD 80%"]
    n = trained.size
    assert [x.genome.n_enabled for x in nets] == [n_keep(n, 0.5), n_keep(n, 0.8)]
    # Each level prunes within the survivors of the previous one.
    assert not np.any(nets[1].genome.conn_enabled & ~nets[0].genome.conn_enabled)
    assert nets[1].env_steps > nets[0].env_steps > 1000
    assert len(nets[0].genome.meta["obd_saliency"]) == n
    again = obd_prune(ev, dense, [0.5, 0.8], TINY, seed=1, max_steps=task.max_steps,
                      obd=OBDSettings(episodes=2))
    for a, b in zip(nets, again):
        np.testing.assert_array_equal(a.genome.conn_weight, b.genome.conn_weight)


def test_the_hessian_shows_progress_and_scores_every_network_as_in_one_call(
    task, ev, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the large dense start the estimate runs for minutes: with a progress display it goes
    to the evaluator in chunks, one progress step each, and gives the same bits."""
    monkeypatch.setattr(obd_module, "FD_MIN_CALL", 4)
    layers = [5, 4, 1]
    rng = np.random.default_rng(5)
    weights = init_weights(layers, rng) + rng.normal(size=29)
    g = dense_genome(task, layers, weights)
    seeds = np.array([3, 4])
    whole = fd_hessian_diagonal(ReturnObjective(ev, g, seeds), weights, 0.1)
    out = io.StringIO()
    chunked = ReturnObjective(ev, g, seeds)
    h = fd_hessian_diagonal(chunked, weights, 0.1, Progress(out), "OBD 50% Hessian")
    np.testing.assert_array_equal(h, whole)
    assert chunked.rollouts == (2 * 29 + 1) * 2
    lines = out.getvalue().splitlines()
    # 59 networks in chunks of 4: a line every 4 chunks (16 networks), and the last.
    assert [ln.split(" networks")[0] for ln in lines] == [
        "OBD 50% Hessian 16/59", "OBD 50% Hessian 32/59", "OBD 50% Hessian 48/59",
        "OBD 50% Hessian 59/59"]
