"""Optional NEAT speciation: compatibility distance and fitness sharing (off by default)."""

from __future__ import annotations

import numpy as np

from wann.genome import Genome


def compatibility(a: Genome, b: Genome, gene_coef: float = 1.0) -> float:
    """NEAT distance on topology alone: mismatched connection and node genes per gene.

    WANNs carry no individual weights, so the weight-difference term of NEAT is left out.
    """
    ca, cb = set(a.conn_innov.tolist()), set(b.conn_innov.tolist())
    na, nb = set(a.node_id.tolist()), set(b.node_id.tolist())
    n = max(len(ca), len(cb), 1)
    return gene_coef * (len(ca ^ cb) + len(na ^ nb)) / n


def speciate(
    genomes: list[Genome], reps: list[Genome], thresh: float, gene_coef: float
) -> tuple[np.ndarray, list[Genome]]:
    """Assign each genome to the first species whose representative is within `thresh`."""
    species = np.empty(len(genomes), dtype=np.int64)
    reps = list(reps)
    for i, g in enumerate(genomes):
        for s, r in enumerate(reps):
            if compatibility(g, r, gene_coef) < thresh:
                species[i] = s
                break
        else:
            species[i] = len(reps)
            reps.append(g)
    used = np.unique(species)
    remap = {int(s): j for j, s in enumerate(used)}
    return np.array([remap[int(s)] for s in species]), [reps[int(s)] for s in used]


def shared_fitness(fitness: np.ndarray, species: np.ndarray) -> np.ndarray:
    """Explicit fitness sharing: each fitness divided by the size of its species."""
    sizes = np.bincount(species)
    return fitness / sizes[species]
