"""Property tests: invariants hold after any sequence of mutations."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wann.genome import HIDDEN, InnovationRegistry, initial_genome, validate
from wann.variation import (
    add_connection,
    add_node,
    change_activation,
    enable_connection,
    mutate,
)

ACTS = tuple(range(1, 11))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_in=st.integers(1, 6),
    n_out=st.integers(1, 3),
    ops=st.lists(st.integers(0, 3), min_size=1, max_size=40),
)
def test_invariants_after_any_mutation_sequence(seed, n_in, n_out, ops) -> None:
    rng = np.random.default_rng(seed)
    reg = InnovationRegistry(n_in, n_out)
    g = initial_genome(n_in, n_out, reg, rng, 0.5)
    validate(g)
    for op in ops:
        probs = np.zeros(4)
        probs[op] = 1.0
        probs += 0.01  # the others stay reachable as fall-backs
        g, _ = mutate(g, rng, reg, probs / probs.sum(), ACTS)
        validate(g)  # acyclic, valid ends, unique (src, dst) and innovation
        # one innovation per (source, destination) across the whole run
        for s, d, i in zip(g.conn_src, g.conn_dst, g.conn_innov):
            assert reg.conn[(int(s), int(d))] == int(i)
        if reg.split:
            reg.new_generation()


def test_initial_population_connects_every_input_to_every_output() -> None:
    reg = InnovationRegistry(5, 2)
    rng = np.random.default_rng(0)
    gs = [initial_genome(5, 2, reg, rng, 0.5) for _ in range(200)]
    assert all(g.conn_src.size == 6 * 2 for g in gs)
    frac = np.mean([g.conn_enabled.mean() for g in gs])
    assert 0.45 < frac < 0.55
    assert len({tuple(g.conn_innov) for g in gs}) == 1  # same genes, same numbers


def test_same_split_in_one_generation_gets_one_node_id() -> None:
    reg = InnovationRegistry(2, 1)
    g = initial_genome(2, 1, reg, np.random.default_rng(0), 1.0)
    a = add_node(g, np.random.default_rng(5), reg, hidden_acts=ACTS)
    b = add_node(g, np.random.default_rng(5), reg, hidden_acts=ACTS)
    assert a is not None and b is not None
    assert a.node_id[-1] == b.node_id[-1]
    assert np.array_equal(a.conn_innov, b.conn_innov)
    reg.new_generation()
    # In a later generation, re-splitting a genome that already holds that node gives a new id.
    a2 = enable_connection(a, np.random.default_rng(0))
    assert a2 is not None
    k = int(np.flatnonzero(a2.conn_innov == a.conn_innov[~a.conn_enabled][0])[0])
    only = a2.copy()
    only.conn_enabled[:] = False
    only.conn_enabled[k] = True
    c = add_node(only, np.random.default_rng(1), reg, hidden_acts=ACTS)
    assert c is not None and np.unique(c.node_id).size == c.n_nodes
    validate(c)


def test_add_node_splits_an_enabled_connection() -> None:
    reg = InnovationRegistry(3, 1)
    g = initial_genome(3, 1, reg, np.random.default_rng(1), 1.0)
    c = add_node(g, np.random.default_rng(2), reg, hidden_acts=(5,))
    assert c.n_nodes == g.n_nodes + 1 and c.node_kind[-1] == HIDDEN and c.node_act[-1] == 5
    assert c.n_enabled == g.n_enabled + 1  # one disabled, two added


def test_impossible_mutations_fall_back_to_another_operator() -> None:
    reg = InnovationRegistry(2, 1)
    g = initial_genome(2, 1, reg, np.random.default_rng(0), 1.0)
    rng = np.random.default_rng(0)
    # Fully connected, nothing disabled, no hidden nodes: only add_node is possible.
    assert add_connection(g, rng, reg) is None
    assert enable_connection(g, rng) is None
    assert change_activation(g, rng, hidden_acts=ACTS) is None
    for _ in range(10):
        child, op = mutate(g, rng, reg, (0.2, 0.25, 0.05, 0.5), ACTS)
        assert op == 1 and child.n_nodes == g.n_nodes + 1
    # Operators switched off (probability 0) are never used, even as fall-backs.
    child, op = mutate(g, rng, reg, (0.0, 0.0, 0.0, 1.0), ACTS)
    assert op == -1 and child.key() == g.key()


def test_change_activation_always_changes_it() -> None:
    reg = InnovationRegistry(2, 1)
    g = initial_genome(2, 1, reg, np.random.default_rng(0), 1.0)
    g = add_node(g, np.random.default_rng(0), reg, hidden_acts=ACTS)
    for s in range(20):
        c = change_activation(g, np.random.default_rng(s), hidden_acts=ACTS)
        assert c.node_act[-1] != g.node_act[-1]


def test_validate_rejects_cycles_and_bad_ends() -> None:
    reg = InnovationRegistry(1, 1)
    g = initial_genome(1, 1, reg, np.random.default_rng(0), 1.0)
    g = add_node(g, np.random.default_rng(0), reg, hidden_acts=ACTS)
    bad = g.copy()
    bad.conn_src = np.append(bad.conn_src, 2)  # output -> hidden
    bad.conn_dst = np.append(bad.conn_dst, 3)
    bad.conn_innov = np.append(bad.conn_innov, 99)
    bad.conn_enabled = np.append(bad.conn_enabled, True)
    bad.conn_weight = np.append(bad.conn_weight, 1.0)
    with pytest.raises(ValueError):
        validate(bad)
