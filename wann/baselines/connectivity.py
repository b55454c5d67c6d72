"""Whether a network can respond to its inputs at all: some input must reach some output.

A pruned net whose surviving connections leave every output cut off from every input (the
bias alone may still reach an output) computes a constant: its return says nothing about a
controller, so tables mark it "disconnected" and curves draw it hollow.
"""

from __future__ import annotations

import numpy as np

from wann.genome import INPUT, OUTPUT, Genome


def input_reaches_output(genome: Genome) -> bool:
    """True when an enabled path leads from some input node to some output node."""
    on = np.asarray(genome.conn_enabled, bool)
    src, dst = genome.conn_src[on], genome.conn_dst[on]
    reached = set(int(n) for n in genome.node_id[genome.node_kind == INPUT])
    outputs = set(int(n) for n in genome.node_id[genome.node_kind == OUTPUT])
    frontier = list(reached)
    nxt: dict[int, list[int]] = {}
    for a, b in zip(src.tolist(), dst.tolist()):
        nxt.setdefault(a, []).append(b)
    while frontier:
        node = frontier.pop()
        if node in outputs:
            return True
        for b in nxt.get(node, ()):
            if b not in reached:
                reached.add(b)
                frontier.append(b)
    return False
