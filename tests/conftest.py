"""Shared fixtures: the reference release's folder, skipped with a reason where absent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wann.config import reference_dir
from wann.genome import Genome, InnovationRegistry, initial_genome
from wann.variation import mutate


@pytest.fixture(scope="session")
def ref() -> Path:
    d = reference_dir()
    if not (d / "champions" / "swing.out").is_file():
        pytest.skip(f"reference data not found at {d} (needs ../shared/reference beside the repo)")
    return d


def random_genome(seed: int, n_in: int = 5, n_out: int = 2, n_mut: int = 30) -> Genome:
    """A genome grown by a random sequence of mutations."""
    rng = np.random.default_rng(seed)
    reg = InnovationRegistry(n_in, n_out)
    g = initial_genome(n_in, n_out, reg, rng, 0.5)
    for _ in range(n_mut):
        g, _ = mutate(g, rng, reg, (0.3, 0.3, 0.1, 0.3), tuple(range(1, 12)))
    return g
