"""The evaluator protocol the search core is written against, without any backend.

The spine (run, scoring, sweep, tune, CMA-ES) imports this module, never the backends'
package face: a backend or a task family can change without touching the core.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from wann.network import NetBatch


@dataclass(frozen=True)
class FaultEvent:
    """One fault: a worker lost (`lost`), a sub-batch past its timeout (`timeout`)."""

    kind: str
    worker: str
    chunks: tuple[int, ...] = ()
    detail: str = ""
    time: float = field(default_factory=time.time)

    def describe(self) -> str:
        rerun = (
            f"; re-running sub-batch{'es' if len(self.chunks) > 1 else ''} "
            f"{', '.join(map(str, self.chunks))} elsewhere"
            if self.chunks
            else ""
        )
        what = "timed out" if self.kind == "timeout" else "lost"
        extra = f" ({self.detail})" if self.detail else ""
        return f"worker {self.worker} {what}{extra}{rerun}"


class Evaluator(Protocol):
    def evaluate(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def drain_events(self) -> list[FaultEvent]:
        """Worker faults met since the last call (lost or timed-out workers); results never
        depend on them. In-process backends return [] (NoFaults)."""
        ...

    def close(self) -> None: ...


class NoFaults:
    """The evaluator protocol's `drain_events` for in-process backends: they lose no workers."""

    def drain_events(self) -> list[FaultEvent]:
        return []


def episode_seeds(run_seed: int, generation: int, n_reps: int) -> np.ndarray:
    """Common random numbers: the n_reps episode seeds every individual sees in a generation."""
    ss = np.random.SeedSequence([int(run_seed), int(generation)])
    return ss.generate_state(n_reps, dtype=np.uint32).astype(np.int64)
