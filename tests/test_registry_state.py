"""The innovation registry's state: rows in numbering order, snapshots that never change."""

import numpy as np

from wann.genome import InnovationRegistry


def fresh_rows(reg: InnovationRegistry) -> list[list[int]]:
    return [[s, d, i] for (s, d), i in reg.conn.items()]


def test_state_rows_follow_the_growing_table() -> None:
    reg = InnovationRegistry(3, 2)
    rng = np.random.default_rng(0)
    snapshots = []
    for _ in range(5):
        for _ in range(40):  # past the first allocation: the arrays are reallocated
            reg.connection(int(rng.integers(0, 40)), int(rng.integers(40, 80)))
        st = reg.state()
        assert st["conn"].tolist() == fresh_rows(reg)
        snapshots.append(st["conn"])
    # Earlier snapshots are not changed by later growth.
    assert [len(s) for s in snapshots] == sorted(len(s) for s in snapshots)
    assert snapshots[0].tolist() == snapshots[-1][: len(snapshots[0])].tolist()
    back = InnovationRegistry.from_state(reg.state())
    np.testing.assert_array_equal(back.state()["conn"], reg.state()["conn"])
    # The rebuilt table finds every connection and numbers a new one next.
    for s, d, i in fresh_rows(reg):
        assert back.connection(s, d) == i
    assert back.connection(1000, 1001) == reg.next_innov


def test_splits_are_per_generation_and_kept_in_order() -> None:
    reg = InnovationRegistry(2, 1)
    first = reg.split_node(2, np.array([0, 1, 2, 3]))
    assert reg.split_node(2, np.array([0, 1, 2, 3])) == first  # the same split, one id
    assert reg.split_node(2, np.array([0, first])) == first + 1  # already held: a fresh id
    reg.split_node(0, np.array([0]))
    assert reg.state()["split"] == [[2, first + 1], [0, first + 2]]
    back = InnovationRegistry.from_state(reg.state())
    assert back.split == reg.split and back.next_node == reg.next_node
    reg.new_generation()
    assert reg.split == {} and reg.split_node(2, np.array([0])) == first + 3
