"""Topological mutation operators and the child-making step.

Each operator is a pure function of (genome, rng, registry, ...) returning a new genome, or
None when the mutation is impossible for that genome. The invariants (acyclic over all
connections, valid ends, one innovation per (source, destination)) hold after every operator.
A search breeds with their compiled twins (`wann.breed`), tested to make the same children
with the same random draws; these stay the reference, and serve one genome at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from wann.genome import HIDDEN, OUTPUT, Genome, InnovationRegistry

ADD_CONN, ADD_NODE, ENABLE, MUT_ACT = range(4)
MUTATION_NAMES = ("add_connection", "add_node", "enable", "change_activation")


def _append_conns(
    g: Genome, innov: list[int], src: list[int], dst: list[int], weight: list[float]
) -> Genome:
    c = g.copy()
    c.conn_innov = np.concatenate([g.conn_innov, np.array(innov, dtype=np.int64)])
    c.conn_src = np.concatenate([g.conn_src, np.array(src, dtype=np.int64)])
    c.conn_dst = np.concatenate([g.conn_dst, np.array(dst, dtype=np.int64)])
    c.conn_enabled = np.concatenate([g.conn_enabled, np.ones(len(innov), dtype=bool)])
    c.conn_weight = np.concatenate([g.conn_weight, np.array(weight, dtype=np.float64)])
    return c


def _parents(g: Genome) -> dict[int, list[int]]:
    """Source ids of every node's incoming connections (enabled or not)."""
    parents: dict[int, list[int]] = {}
    for s, d in zip(g.conn_src.tolist(), g.conn_dst.tolist()):
        parents.setdefault(d, []).append(s)
    return parents


def _ancestors(g: Genome, node: int, parents: dict[int, list[int]] | None = None) -> set[int]:
    """Node ids from which `node` can be reached (over all connections), itself included."""
    if parents is None:
        parents = _parents(g)
    seen = {node}
    stack = [node]
    while stack:
        for p in parents.get(stack.pop(), ()):
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def add_connection(
    g: Genome, rng: np.random.Generator, reg: InnovationRegistry, **_: object
) -> Genome | None:
    """Connect two unconnected nodes, never closing a cycle."""
    ids = g.node_id
    kinds = g.node_kind
    sources = ids[kinds != OUTPUT]
    dests = ids[(kinds == OUTPUT) | (kinds == HIDDEN)]
    existing = set(zip(g.conn_src.tolist(), g.conn_dst.tolist()))
    parents = _parents(g)  # built once: with many inputs, most sources are tried in turn
    for s in rng.permutation(sources).tolist():
        blocked = _ancestors(g, s, parents)
        cands = [d for d in dests.tolist() if d not in blocked and (s, d) not in existing]
        if cands:
            d = cands[int(rng.integers(len(cands)))]
            return _append_conns(g, [reg.connection(s, d)], [s], [d], [1.0])
    return None


def add_node(
    g: Genome,
    rng: np.random.Generator,
    reg: InnovationRegistry,
    hidden_acts: Sequence[int] = tuple(range(1, 11)),
    **_: object,
) -> Genome | None:
    """Split an enabled connection a->b into a->new->b; the old connection is disabled."""
    enabled = np.flatnonzero(g.conn_enabled)
    if enabled.size == 0:
        return None
    k = int(enabled[rng.integers(enabled.size)])
    s, d = int(g.conn_src[k]), int(g.conn_dst[k])
    new = reg.split_node(int(g.conn_innov[k]), g.node_id)
    act = int(hidden_acts[int(rng.integers(len(hidden_acts)))])
    c = _append_conns(
        g,
        [reg.connection(s, new), reg.connection(new, d)],
        [s, new],
        [new, d],
        [1.0, float(g.conn_weight[k])],
    )
    c.conn_enabled[k] = False
    c.node_id = np.append(g.node_id, np.int64(new))
    c.node_kind = np.append(g.node_kind, np.int8(HIDDEN))
    c.node_act = np.append(g.node_act, np.int8(act))
    return c


def enable_connection(g: Genome, rng: np.random.Generator, **_: object) -> Genome | None:
    """Re-enable a disabled connection (always acyclic: disabled edges count in the DAG)."""
    disabled = np.flatnonzero(~g.conn_enabled)
    if disabled.size == 0:
        return None
    c = g.copy()
    c.conn_enabled[int(disabled[rng.integers(disabled.size)])] = True
    return c


def change_activation(
    g: Genome,
    rng: np.random.Generator,
    hidden_acts: Sequence[int] = tuple(range(1, 11)),
    **_: object,
) -> Genome | None:
    """Give a hidden node a different activation from the pool."""
    hidden = np.flatnonzero(g.node_kind == HIDDEN)
    if hidden.size == 0 or len(hidden_acts) < 2:
        return None
    i = int(hidden[rng.integers(hidden.size)])
    choices = [a for a in hidden_acts if a != int(g.node_act[i])]
    c = g.copy()
    c.node_act[i] = choices[int(rng.integers(len(choices)))]
    return c


OPERATORS: tuple[Callable[..., Genome | None], ...] = (
    add_connection,
    add_node,
    enable_connection,
    change_activation,
)


def mutate(
    g: Genome,
    rng: np.random.Generator,
    reg: InnovationRegistry,
    probs: Sequence[float],
    hidden_acts: Sequence[int],
) -> tuple[Genome, int]:
    """Exactly one topological mutation, chosen by roulette over `probs`.

    When the chosen one is impossible the roulette is spun again over the remaining
    operators (those with probability > 0), so a child is never a silent clone. Returns
    (child, operator index), or (copy, -1) when no enabled operator can change the genome.
    """
    p = np.asarray(probs, dtype=np.float64).copy()
    while p.sum() > 0:
        op = int(rng.choice(len(p), p=p / p.sum()))
        child = OPERATORS[op](g, rng, reg=reg, hidden_acts=hidden_acts)
        if child is not None:
            return child, op
        p[op] = 0.0
    return g.copy(), -1
