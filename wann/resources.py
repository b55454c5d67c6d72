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


#: Worker processes this machine may start per CPU core (pool, a local Dask cluster). A worker
#: runs one rollout at a time on one core (compiled code holds the GIL), so past the cores the
#: extra processes only wait, and each still costs its start-up (about a second) and its memory
#: (about 200 MB for a Dask worker holding its environment). Four per core leaves room for
#: environments that wait on something else (rendering, a simulator over a socket); thousands
#: exhaust the process table and the OS's semaphores.
MAX_WORKERS_PER_CPU = 4


def usable_cpus() -> int:
    """The CPU cores this process may run on (its affinity mask, as a container or `taskset`
    sets it), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def check_local_workers(workers: int | None, backend: str, cpus: int | None = None) -> None:
    """Refuse more worker processes than MAX_WORKERS_PER_CPU per usable core, before any starts."""
    cpus = usable_cpus() if cpus is None else cpus
    limit = MAX_WORKERS_PER_CPU * cpus
    if workers is not None and workers > limit:
        raise WannError(
            f"{{workers}} {workers} is more than the {backend} backend can use here: each worker "
            f"is a process of its own, and this machine has {cpus} CPU core(s), so at most "
            f"{limit} ({MAX_WORKERS_PER_CPU} per core)"
        )
