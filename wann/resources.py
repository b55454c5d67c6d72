"""What a run will need, checked before it starts: a population that cannot fit in memory is
refused with one clear line instead of a MemoryError minutes (or swapping hours) later."""

from __future__ import annotations

import os

from wann import WannError
from wann.config import Hyperparameters

#: Bytes an individual holds (genome arrays, its compiled net, its scores), measured on
#: swing-up and BipedalWalker populations at the start of a run: about 6 KB plus 400 bytes per
#: input or output. Genomes grow as a search adds nodes and connections, hence GROWTH.
BASE_BYTES = 6_000
BYTES_PER_IO = 400
GROWTH = 2.0


def physical_memory() -> int | None:
    """This machine's physical memory in bytes, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def estimate_bytes(hp: Hyperparameters, n_in: int, n_out: int) -> int:
    """Rough memory a search of this population needs (the population and its offspring)."""
    per_individual = BASE_BYTES + BYTES_PER_IO * (n_in + n_out)
    per_individual += 8 * 2 * len(hp.weights) * hp.n_reps  # returns and bad-rollout flags
    return int(GROWTH * hp.pop_size * per_individual)


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def check_fits_in_memory(
    hp: Hyperparameters, n_in: int, n_out: int, available: int | None = None
) -> None:
    """Refuse a population whose estimated memory exceeds this machine's physical memory."""
    available = physical_memory() if available is None else available
    need = estimate_bytes(hp, n_in, n_out)
    if available is not None and need > available:
        raise WannError(
            f"a population of {hp.pop_size} needs about {_size(need)} of memory "
            f"({_size(need / hp.pop_size)} an individual), more than this machine's "
            f"{_size(available)}; use a smaller population size"
        )
