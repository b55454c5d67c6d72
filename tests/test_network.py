"""The compiled forward pass against a plain float64 numpy implementation written here."""

import math

import numpy as np
import pytest

from tests.conftest import random_genome
from wann.genome import BIAS, INPUT, OUTPUT
from wann.network import activate, compile_genome, compile_population

NP_ACT = {
    1: lambda x: x,
    2: lambda x: np.where(x > 0, 1.0, 0.0),
    3: lambda x: np.sin(np.pi * x),
    4: lambda x: np.exp(-(x**2) / 2),
    5: np.tanh,
    6: lambda x: (np.tanh(x / 2) + 1) / 2,
    7: lambda x: -x,
    8: np.abs,
    9: lambda x: np.maximum(0, x),
    10: lambda x: np.cos(np.pi * x),
    11: lambda x: x * x,
}


def numpy_forward(g, obs: np.ndarray, w: float, use_weights: bool) -> np.ndarray:
    """Reference semantics: a dense weight matrix, nodes evaluated in dependency order."""
    n = g.n_nodes
    idx = {int(i): k for k, i in enumerate(g.node_id)}
    W = np.zeros((n, n))
    for s, d, e, cw in zip(g.conn_src, g.conn_dst, g.conn_enabled, g.conn_weight):
        if e:
            W[idx[int(s)], idx[int(d)]] = cw if use_weights else w
    val = np.full(n, np.nan)
    val[g.node_kind == BIAS] = 1.0
    val[g.node_kind == INPUT] = obs
    done = ~np.isnan(val)
    while not done.all():
        for j in np.flatnonzero(~done):
            srcs = np.flatnonzero(W[:, j] != 0)
            if done[srcs].all():
                val[j] = NP_ACT[int(g.node_act[j])](np.dot(val[srcs], W[srcs, j]))
                done[j] = True
    return val[g.node_kind == OUTPUT]


@pytest.mark.parametrize("seed", range(12))
def test_forward_matches_numpy(seed: int) -> None:
    g = random_genome(seed)
    g.conn_weight = np.random.default_rng(seed).uniform(-2, 2, g.conn_weight.size)
    rng = np.random.default_rng(100 + seed)
    b_shared = compile_genome(g)
    b_own = compile_genome(g, use_weights=True)
    for _ in range(5):
        obs = rng.normal(size=g.n_in)
        for w in (-2.0, -0.5, 1.0, 1.5):
            got = activate(b_shared, 0, obs, w)
            np.testing.assert_allclose(got, numpy_forward(g, obs, w, False), rtol=1e-12, atol=1e-12)
        got = activate(b_own, 0, obs, 1.0)
        np.testing.assert_allclose(got, numpy_forward(g, obs, 1.0, True), rtol=1e-12, atol=1e-12)


def test_packed_population_equals_single_nets() -> None:
    gs = [random_genome(s) for s in range(8)]
    batch = compile_population(gs)
    assert batch.n_nets == 8
    obs = np.random.default_rng(0).normal(size=(4, 5))
    for k, g in enumerate(gs):
        np.testing.assert_array_equal(activate(batch, k, obs, 0.5), activate(compile_genome(g), 0, obs, 0.5))
    sub = batch.select([6, 2])
    np.testing.assert_array_equal(activate(sub, 0, obs, 2.0), activate(batch, 6, obs, 2.0))
    np.testing.assert_array_equal(activate(sub, 1, obs, 2.0), activate(batch, 2, obs, 2.0))


def test_reference_champion_forward_matches_numpy(ref) -> None:
    from wann.io import load_genome

    g = load_genome(ref / "champions" / "swing.out", "swingup", 5, 1)
    assert (g.n_nodes, g.n_enabled) == (29, 52)
    obs = np.array([0.1, -0.2, math.cos(3.0), math.sin(3.0), 0.3])
    got = activate(compile_genome(g), 0, obs, -1.5)
    np.testing.assert_allclose(got, numpy_forward(g, obs, -1.5, False), atol=1e-12)
