"""Helpers shared by the benchmarks: machine description, timing, populations, markdown."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from wann.config import reference_dir
from wann.genome import Genome, InnovationRegistry
from wann.io import load_genome
from wann.variation import mutate


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()}: {cpu}, {os.cpu_count()} logical cores, Python {platform.python_version()}"


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time of `repeat` calls (the least disturbed by other load)."""
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def champion(name: str = "swing") -> Genome | None:
    """A reference champion, or None where the reference data is absent."""
    path = reference_dir() / "champions" / f"{name}.out"
    if not path.is_file():
        return None
    n_in, n_out = {"swing": (5, 1), "biped": (24, 4)}[name]
    return load_genome(path, {"swing": "swingup", "biped": "biped"}[name], n_in, n_out)


def champion_population(base: Genome, size: int, seed: int = 0) -> list[Genome]:
    """`size` one-mutation variants of a champion: a late-search population whose episodes
    mostly run their full length (the expensive case)."""
    rng = np.random.default_rng(seed)
    reg = InnovationRegistry(base.n_in, base.n_out)
    reg.next_node = int(base.node_id.max()) + 1
    reg.conn = {(int(s), int(d)): int(i) for s, d, i in zip(base.conn_src, base.conn_dst, base.conn_innov)}
    reg.next_innov = int(base.conn_innov.max()) + 1
    pop = []
    for _ in range(size):
        child, _ = mutate(base, rng, reg, (0.2, 0.25, 0.05, 0.5), tuple(range(1, 11)))
        pop.append(child)
    return pop


def table(header: list[str], rows: list[list[object]]) -> str:
    def fmt(v: object) -> str:
        if isinstance(v, float):
            return f"{v:,.3g}" if abs(v) < 100 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)
