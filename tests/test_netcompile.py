"""The compiled genome-to-arrays step gives exactly what the Python steps it replaced gave."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import random_genome
from wann import netcompile
from wann.genome import OUTPUT, Genome, topological_order
from wann.network import NetBatch, compile_genome, compile_population, pack_batches


def python_compile(g: Genome, use_weights: bool = False) -> NetBatch:
    """compile_genome as it was written in Python, on wann.genome.topological_order."""
    order = topological_order(g)
    n_io_in = 1 + g.n_in
    rest = order[g.node_kind[order] > 1]
    perm = np.concatenate([np.arange(n_io_in), rest])
    pos_of_index = np.empty(g.n_nodes, dtype=np.int64)
    pos_of_index[perm] = np.arange(g.n_nodes)
    index_of_id = {int(nid): i for i, nid in enumerate(g.node_id)}
    en = g.conn_enabled
    src_pos = pos_of_index[[index_of_id[int(s)] for s in g.conn_src[en]]]
    dst_pos = pos_of_index[[index_of_id[int(d)] for d in g.conn_dst[en]]]
    w = g.conn_weight[en] if use_weights else np.ones(src_pos.size)
    by_dst = np.argsort(dst_pos, kind="stable")
    counts = np.bincount(dst_pos, minlength=g.n_nodes)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    outputs = np.flatnonzero(g.node_kind == OUTPUT)
    return NetBatch(
        n_in=g.n_in, n_out=g.n_out, node_off=np.array([0, g.n_nodes], dtype=np.int64),
        act=g.node_act[perm].astype(np.int64), in_start=start, in_end=start + counts,
        edge_src=src_pos[by_dst].astype(np.int64),
        edge_w=np.asarray(w, dtype=np.float64)[by_dst],
        out_pos=pos_of_index[outputs].reshape(1, g.n_out),
        n_conn=np.array([src_pos.size], dtype=np.int64),
    )


@pytest.mark.parametrize("use_weights", [False, True])
def test_same_arrays_as_the_python_steps(use_weights: bool) -> None:
    for seed in range(150):
        n_in, n_out = 1 + seed % 6, 1 + seed % 3
        g = random_genome(seed, n_in, n_out, seed % 60)
        g.conn_weight = np.random.default_rng(seed).normal(size=g.conn_weight.size)
        got, want = compile_genome(g, use_weights), python_compile(g, use_weights)
        for name in NetBatch._fields:
            a, b = getattr(got, name), getattr(want, name)
            if isinstance(b, np.ndarray):
                assert a.dtype == b.dtype and a.shape == b.shape, (seed, name)
            np.testing.assert_array_equal(a, b, err_msg=f"seed {seed}, {name}")


def test_nodes_stored_out_of_id_order_compile_as_the_python_steps() -> None:
    """Genomes usually hold their node ids in increasing order; any order compiles the same."""
    for seed in range(60):
        g = random_genome(seed, 3, 2, 10 + seed % 40)
        fixed = 1 + g.n_in  # bias and inputs keep their places
        perm = np.concatenate([np.arange(fixed), fixed + np.random.default_rng(seed).permutation(
            g.n_nodes - fixed)])
        g.node_id, g.node_kind, g.node_act = g.node_id[perm], g.node_kind[perm], g.node_act[perm]
        got, want = compile_genome(g), python_compile(g)
        for name in NetBatch._fields:
            np.testing.assert_array_equal(getattr(got, name), getattr(want, name),
                                          err_msg=f"seed {seed}, {name}")


def test_bad_genomes_raise_as_before() -> None:
    g = random_genome(3, 4, 2, 20)
    unknown = g.copy()
    unknown.conn_dst = unknown.conn_dst.copy()
    unknown.conn_dst[0] = 10_000
    with pytest.raises(ValueError, match="unknown node 10000"):
        compile_genome(unknown)
    with pytest.raises(ValueError, match="unknown node 10000"):
        topological_order(unknown)
    cyc = g.copy()
    hidden = [int(i) for i, k in zip(g.node_id, g.node_kind) if k == 3]
    assert hidden, "the test genome needs a hidden node"
    if hidden:
        out_id = int(g.node_id[g.node_kind == OUTPUT][0])
        cyc.conn_src = np.append(cyc.conn_src, [out_id, hidden[0]])
        cyc.conn_dst = np.append(cyc.conn_dst, [hidden[0], out_id])
        cyc.conn_enabled = np.append(cyc.conn_enabled, [True, True])
        cyc.conn_weight = np.append(cyc.conn_weight, [1.0, 1.0])
        cyc.conn_innov = np.append(cyc.conn_innov, [9998, 9999])
        with pytest.raises(ValueError, match="cycle"):
            compile_genome(cyc)


@pytest.fixture(params=["serial", "parallel"])
def threads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Populations compiled one genome after another, or on all threads (as from
    netcompile.PARALLEL_FROM genomes on a machine of PARALLEL_THREADS threads)."""
    if request.param == "parallel":
        monkeypatch.setattr(netcompile, "PARALLEL_FROM", 1)
        monkeypatch.setattr(netcompile, "PARALLEL_THREADS", 1)
    return request.param


@pytest.mark.parametrize("use_weights", [False, True])
def test_a_population_in_one_call_packs_as_each_genome_does(use_weights: bool, threads) -> None:
    """compile_population (one compiled call) gives the arrays of packing compile_genome's
    batches, for populations of nets of every size, disabled connections included."""
    for n_in, n_out in ((5, 1), (4, 2), (2, 3)):
        genomes = []
        for seed in range(40):
            g = random_genome(seed, n_in, n_out, seed % 50)
            g.conn_weight = np.random.default_rng(seed).normal(size=g.conn_weight.size)
            genomes.append(g)
        got = compile_population(genomes, use_weights)
        want = pack_batches([compile_genome(g, use_weights) for g in genomes])
        for name in NetBatch._fields:
            a, b = getattr(got, name), getattr(want, name)
            if isinstance(b, np.ndarray):
                assert a.dtype == b.dtype and a.shape == b.shape, name
            np.testing.assert_array_equal(a, b, err_msg=name)


def test_a_bad_genome_in_a_population_raises_its_own_error(threads) -> None:
    genomes = [random_genome(s, 4, 2, 20) for s in range(4)]
    bad = genomes[2].copy()
    bad.conn_dst = bad.conn_dst.copy()
    bad.conn_dst[0] = 10_000
    with pytest.raises(ValueError, match="unknown node 10000"):
        compile_population([genomes[0], genomes[1], bad, genomes[3]])
    # An id no node of its genome has, though another genome of the population has it.
    big, small = random_genome(5, 4, 2, 30), random_genome(6, 4, 2, 3)
    small.conn_src = small.conn_src.copy()
    gap = int(small.node_id.max()) + 1
    assert gap < big.node_id.max()
    small.conn_src[1] = gap
    with pytest.raises(ValueError, match=f"unknown node {gap}"):
        compile_population([big, small])
    with pytest.raises(ValueError, match="share input and output sizes"):
        compile_population([genomes[0], random_genome(1, 3, 2, 5)])
    with pytest.raises(ValueError, match="no nets"):
        compile_population([])


def test_negative_node_ids_compile_as_any_others(threads) -> None:
    """Node ids only name nodes: a population whose ids are shifted below zero compiles to
    the same arrays."""
    genomes = [random_genome(s, 3, 2, 12) for s in range(6)]
    shifted = []
    for g in genomes:
        h = g.copy()
        h.node_id, h.conn_src, h.conn_dst = g.node_id - 50, g.conn_src - 50, g.conn_dst - 50
        shifted.append(h)
    a, b = compile_population(genomes), compile_population(shifted)
    for name in NetBatch._fields:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_a_population_of_many_genes_compiles_on_all_threads_as_one_genome_after_another(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """PARALLEL_GENES: a few genomes carrying many genes (MNIST's disabled connections) take
    the parallel path, with the serial path's arrays."""

    from wann.genome import InnovationRegistry, initial_genome
    from wann.population import Population

    rng = np.random.default_rng(3)
    reg = InnovationRegistry(64, 10)
    pop = Population.from_genomes([initial_genome(64, 10, reg, rng, 0.1) for _ in range(5)])
    args = (pop.node_off, pop.node_id, pop.node_kind, pop.node_act, pop.conn_off, pop.conn_src,
            pop.conn_dst, pop.conn_enabled, pop.conn_weight, 64, 10, False)
    calls = []
    for name in ("_compile_serial", "_compile_parallel"):
        fn = getattr(netcompile, name)
        monkeypatch.setattr(netcompile, name, lambda *a, fn=fn, name=name: (
            calls.append(name), fn(*a))[1])
    monkeypatch.setattr(netcompile, "PARALLEL_THREADS", 1)
    serial = netcompile.compile_many(*args)
    monkeypatch.setattr(netcompile, "PARALLEL_GENES", int(pop.conn_off[-1]))
    assert netcompile.parallel_pays(5, int(pop.conn_off[-1]))
    parallel = netcompile.compile_many(*args)
    assert calls == ["_compile_serial", "_compile_parallel"]
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a, b)
