"""NSGA-II ranking speed: our vectorised sort against the textbook O(M N^2) loop in Python.

    python benchmarks/bench_ranking.py --out results/bench-ranking.md
"""

from __future__ import annotations

import argparse
import sys
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, table  # noqa: E402

from wann.ranking import nondominated_fronts, rank_population  # noqa: E402


def textbook_fronts(obj: np.ndarray) -> np.ndarray:
    """Deb et al.'s fast non-dominated sort, written as loops (the usual Python port)."""
    n = len(obj)
    dominated: list[list[int]] = [[] for _ in range(n)]
    count = [0] * n
    rows = obj.tolist()
    for p in range(n):
        for q in range(n):
            a, b = rows[p], rows[q]
            if all(x >= y for x, y in zip(a, b)) and any(x > y for x, y in zip(a, b)):
                dominated[p].append(q)
            elif all(y >= x for x, y in zip(a, b)) and any(y > x for x, y in zip(a, b)):
                count[p] += 1
    front = np.full(n, -1)
    current = [p for p in range(n) if count[p] == 0]
    f = 0
    while current:
        nxt = []
        for p in current:
            front[p] = f
            for q in dominated[p]:
                count[q] -= 1
                if count[q] == 0:
                    nxt.append(q)
        current, f = nxt, f + 1
    return front


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="results/bench-ranking.md")
    args = ap.parse_args()
    rows = []
    for n in (192, 480, 960):
        obj = np.random.default_rng(n).random((n, 2))
        assert np.array_equal(nondominated_fronts(obj), textbook_fronts(obj))
        ours = min(timeit.repeat(lambda obj=obj: rank_population(obj), number=5, repeat=5)) / 5
        base = min(timeit.repeat(lambda obj=obj: textbook_fronts(obj), number=1, repeat=2))
        rows.append([n, ours * 1e3, base * 1e3, base / ours])
    text = (f"## NSGA-II ranking: {machine()}\n\n"
            + table(["population", "ours: fronts + crowding (ms)", "textbook loops: fronts only (ms)",
                     "speed-up"], rows) + "\n")
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
