import math

import numpy as np
import pytest

from wann import activations as A

EXPECTED = {
    1: lambda x: x,
    2: lambda x: 1.0 if x > 0 else 0.0,
    3: lambda x: math.sin(math.pi * x),
    4: lambda x: math.exp(-x * x / 2),
    5: math.tanh,
    6: lambda x: (math.tanh(x / 2) + 1) / 2,
    7: lambda x: -x,
    8: abs,
    9: lambda x: max(0.0, x),
    10: lambda x: math.cos(math.pi * x),
    11: lambda x: x * x,
}


@pytest.mark.parametrize("act", sorted(EXPECTED))
def test_activation_matches_reference_table(act: int) -> None:
    for x in np.linspace(-3, 3, 61):
        assert A.apply(act, float(x)) == pytest.approx(EXPECTED[act](float(x)), abs=1e-15)


def test_ids_and_pools() -> None:
    assert A.ALL_IDS == tuple(range(1, 12))
    assert A.CONTROL_POOL == tuple(range(1, 11))
    assert 2 not in A.CLASSIFICATION_POOL and 11 not in A.CLASSIFICATION_POOL
