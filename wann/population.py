"""A generation of genomes packed into flat arrays.

Breeding, compiling and scoring a generation work on whole-population arrays (genome g's
nodes at node_off[g]:node_off[g + 1], its connections at conn_off[g]:conn_off[g + 1]), so
no Python object is made per genome on a generation's path. `Population` is still a
sequence of `Genome`: indexing builds that genome (a copy of its slices), for the few places
that want one (the best of a generation, checkpoints, the Python API).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import numba
import numpy as np

from wann.genome import Genome

NODE_FIELDS = ("node_id", "node_kind", "node_act")
CONN_FIELDS = ("conn_innov", "conn_src", "conn_dst", "conn_enabled", "conn_weight")
DTYPES = {"node_id": np.int64, "node_kind": np.int8, "node_act": np.int8,
          "conn_innov": np.int64, "conn_src": np.int64, "conn_dst": np.int64,
          "conn_enabled": np.bool_, "conn_weight": np.float64}


class Population(Sequence[Genome]):
    """Genomes of one generation in concatenated arrays (see the module's docstring)."""

    def __init__(self, n_in: int, n_out: int, node_off: np.ndarray, conn_off: np.ndarray,
                 **arrays: np.ndarray) -> None:
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.node_off = node_off
        self.conn_off = conn_off
        for name in (*NODE_FIELDS, *CONN_FIELDS):
            setattr(self, name, arrays[name])

    @classmethod
    def from_genomes(cls, genomes: Sequence[Genome]) -> Population:
        if isinstance(genomes, Population):
            return genomes
        genomes = list(genomes)
        if not genomes:
            raise ValueError("a population needs at least one genome")
        n_in, n_out = genomes[0].n_in, genomes[0].n_out
        node_off = np.zeros(len(genomes) + 1, np.int64)
        node_off[1:] = np.cumsum([g.node_id.size for g in genomes])
        conn_off = np.zeros(len(genomes) + 1, np.int64)
        conn_off[1:] = np.cumsum([g.conn_src.size for g in genomes])
        arrays = {name: np.concatenate([getattr(g, name) for g in genomes]).astype(
            DTYPES[name], copy=False) for name in (*NODE_FIELDS, *CONN_FIELDS)}
        pop = cls(n_in, n_out, node_off, conn_off, **arrays)
        # Genomes of other sizes cannot share a batch; the first that differs is kept apart.
        pop._sizes = [(g.n_in, g.n_out) for g in genomes]
        return pop

    def __len__(self) -> int:
        return int(self.node_off.size - 1)

    def _genome(self, i: int) -> Genome:
        a, b = self.node_off[i], self.node_off[i + 1]
        c, d = self.conn_off[i], self.conn_off[i + 1]
        n_in, n_out = self.n_in, self.n_out
        sizes = self.__dict__.get("_sizes")
        if sizes is not None:
            n_in, n_out = sizes[i]
        return Genome(n_in, n_out, *(getattr(self, f)[a:b].copy() for f in NODE_FIELDS),
                      *(getattr(self, f)[c:d].copy() for f in CONN_FIELDS))

    @overload
    def __getitem__(self, i: int) -> Genome: ...
    @overload
    def __getitem__(self, i: slice) -> list[Genome]: ...

    def __getitem__(self, i: int | slice) -> Genome | list[Genome]:
        """Genome i, built from its slices (a copy: changing it leaves the population as is)."""
        if isinstance(i, slice):
            return [self._genome(k) for k in range(len(self))[i]]
        n = len(self)
        k = int(i)
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError("population index out of range")
        return self._genome(k)

    def __iter__(self) -> Iterator[Genome]:
        for k in range(len(self)):
            yield self._genome(k)

    def __setitem__(self, i: int, genome: Genome) -> None:
        """Replace genome i (repacks the population: for tests and hand-made populations)."""
        genomes = list(self)
        genomes[i] = genome
        other = Population.from_genomes(genomes)
        self.__dict__.update(other.__dict__)

    def n_nodes(self) -> np.ndarray:
        return np.diff(self.node_off)

    def n_enabled(self) -> np.ndarray:
        """Enabled connections of each genome."""
        return _count_between(self.conn_enabled, self.conn_off)

    def uniform_sizes(self) -> bool:
        """Whether every genome has the population's input and output sizes."""
        sizes = self.__dict__.get("_sizes")
        return sizes is None or all(s == (self.n_in, self.n_out) for s in sizes)


@numba.njit(cache=True, nogil=True)
def _count_between(flags, off):  # pragma: no cover - compiled
    """The true flags between each pair of neighbouring offsets: one pass, no index array
    (an MNIST generation has 2.5 million genes, most of them disabled)."""
    out = np.zeros(off.size - 1, np.int64)
    for g in range(off.size - 1):
        n = 0
        for i in range(off[g], off[g + 1]):
            n += flags[i]
        out[g] = n
    return out
