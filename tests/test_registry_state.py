"""The innovation registry's state is the same whether its rows are cached or built afresh."""

import numpy as np

from wann.genome import InnovationRegistry


def fresh_rows(reg: InnovationRegistry) -> list[list[int]]:
    return [[s, d, i] for (s, d), i in reg.conn.items()]


def test_state_rows_follow_the_growing_table() -> None:
    reg = InnovationRegistry(3, 2)
    rng = np.random.default_rng(0)
    snapshots = []
    for _ in range(5):
        for _ in range(7):
            reg.connection(int(rng.integers(0, 40)), int(rng.integers(40, 80)))
        st = reg.state()
        assert st["conn"] == fresh_rows(reg)
        snapshots.append(st["conn"])
    # Earlier snapshots are not changed by later growth.
    assert [len(s) for s in snapshots] == sorted(len(s) for s in snapshots)
    assert snapshots[0] == snapshots[-1][: len(snapshots[0])]
    back = InnovationRegistry.from_state(reg.state())
    assert back.state() == reg.state()


def test_state_rows_after_the_table_is_replaced() -> None:
    reg = InnovationRegistry(2, 1)
    reg.connection(0, 9)
    reg.state()
    reg.conn = {(1, 7): 3}
    assert reg.state()["conn"] == [[1, 7, 3]]
