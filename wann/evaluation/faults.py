"""What the distributed evaluators share about faults: the event record and the give-up rules.

A lost worker (killed, crashed, or past the sub-batch timeout) never changes results: its
sub-batches are re-run elsewhere and placed by net index. Each such event is logged as a
warning on the `wann` logger and kept in the evaluator's `events` list, so the run loop can
put it in the run log.
Every evaluator hands its new events to the loop through `drain_events()`.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from wann.evaluation.protocol import FaultEvent, NoFaults

__all__ = ["FaultEvent", "KeepsEvents", "NoFaults", "bare_net", "record", "warm_up"]

log = logging.getLogger("wann")

#: How many times one sub-batch may lose its worker before the run stops: a sub-batch that
#: kills every worker it touches (a crashing environment) would otherwise loop forever.
MAX_ATTEMPTS = 4


def record(events: list[FaultEvent], event: FaultEvent) -> None:
    """Keep the event and log it as a warning (the run goes on with the same results)."""
    events.append(event)
    log.warning("%s", event.describe())


def bare_net(n_in: int, n_out: int) -> Any:
    """A batch of one net with no connections (bias, inputs, outputs): the cheapest rollout."""
    from wann.network import NetBatch

    n = 1 + n_in + n_out
    zeros = np.zeros(n, dtype=np.int64)
    return NetBatch(
        n_in=n_in, n_out=n_out, node_off=np.array([0, n], dtype=np.int64),
        act=np.ones(n, dtype=np.int64), in_start=zeros, in_end=zeros.copy(),
        edge_src=np.zeros(0, dtype=np.int64), edge_w=np.zeros(0),
        out_pos=np.arange(1 + n_in, n, dtype=np.int64).reshape(1, n_out),
        n_conn=np.zeros(1, dtype=np.int64),
    )


def warm_up(env: Any, task: Any) -> None:
    """One rollout of a bare net, so a new worker compiles (or loads) the forward pass before
    it takes work: a sub-batch timeout then measures the work, not the compiler."""
    from wann.evaluation.rollout import evaluate_nets

    evaluate_nets(env, task, bare_net(task.n_in, task.n_out), np.ones(1), np.zeros(1, np.int64))


class KeepsEvents:
    """The evaluator protocol's `drain_events` for backends that keep an `events` list."""

    events: list[FaultEvent]
    _drained: int = 0

    def drain_events(self) -> list[FaultEvent]:
        """The fault events met since the last call (the whole list stays in `events`)."""
        new = self.events[self._drained :]
        self._drained = len(self.events)
        return new
