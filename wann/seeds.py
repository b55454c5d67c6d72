"""Several seeds of one command: the seed list, and one folder per seed.

`--seeds 0,1,2` or `--seeds 0-4` (or both: `0-2,7`) runs the command once per seed into
`<out>/seed-<n>/`, each folder the same as a separate run with `--seed n --out <out>/seed-<n>`;
the command then writes its aggregate over seeds (wann.stats) into `<out>/`.

Seeds run one after another: each run already spreads its rollouts over every worker the
backend has (compiled threads, pool processes, Dask workers). `wann compare --seed-jobs N`
runs N seeds side by side, each in a process of its own (a comparison's CMA-ES has a serial
share that leaves threads idle); its folders are those of separate runs too.
To spread seeds over machines, run `--seed n --out <out>/seed-<n>` on each;
`wann compare --seeds` then reads every seed folder that already holds its comparison (made
with the same settings) instead of running it again, and only aggregates.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from wann import WannError

MAX_SEEDS = 1000
MAX_SEED = 2**63 - 1  # numpy's SeedSequence takes any int; files and flags keep int64
_PART = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def parse_seeds(text: str) -> list[int]:
    """'0,1,2', '0-4' or '0-2,7' as a sorted list of distinct seeds; anything else is refused."""
    if not text or not text.strip():
        raise WannError("the seed list is empty; give seeds like 0,1,2 or a range like 0-4")
    seeds: set[int] = set()
    for part in text.split(","):
        m = _PART.match(part)
        if m is None:
            raise WannError(f"malformed seed list {text!r}: {part.strip()!r} is neither a seed nor a "
                            "range like 0-4")
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) is not None else lo
        if hi < lo:
            raise WannError(f"malformed seed list {text!r}: range {part.strip()!r} runs backwards")
        if hi > MAX_SEED:
            raise WannError(f"seed {hi} in {text!r} is larger than 2**63 - 1")
        if hi - lo + 1 + len(seeds) > MAX_SEEDS:
            raise WannError(f"seed list {text!r} holds more than {MAX_SEEDS} seeds")
        seeds.update(range(lo, hi + 1))
    return sorted(seeds)


def seeds_arg(text: str) -> list[int]:
    """argparse type for --seeds: a bad list is one `wann: error:` line naming the flag."""
    try:
        return parse_seeds(text)
    except WannError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def seed_dir(out: str | Path, seed: int) -> Path:
    """The folder of one seed's run inside a several-seed output folder."""
    return Path(out) / f"seed-{int(seed)}"


def add_seeds_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seeds", type=seeds_arg, metavar="LIST",
                   help="run once per seed (0,1,2 or 0-4) into OUT/seed-N/, then aggregate "
                   "over seeds (mean, 95%% bootstrap interval, IQM) into OUT/")
