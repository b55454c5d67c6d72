"""numpy's PCG64 Generator, draw for draw, in compiled code.

The search breeds a generation in one compiled call, but its random numbers must stay those
of `numpy.random.Generator` (PCG64): the same seed gives the same search as before and on
every backend, and a checkpoint stores the generator's state as numpy writes it. These are
numpy's algorithms (numpy/random/src: PCG64 XSL-RR 128/64, its 32-bit buffer, Lemire's
bounded integers, `random_interval`, Floyd's sampling in `choice`), written over a state
array so numba can run them: `tests/test_rngcore.py` checks every draw and the final state
against numpy.

A state is uint64[6]: the 128-bit LCG state (high, low), its increment (high, low), and the
32-bit buffer (has_uint32, uinteger), exactly the fields of `bit_generator.state`.
"""

from __future__ import annotations

import numba
import numpy as np

_M32 = np.uint64(0xFFFFFFFF)
_MUL_HI = np.uint64(2549297995355413924)  # PCG's default 128-bit multiplier
_MUL_LO = np.uint64(4865540595714422341)
_S32 = np.uint64(32)
_S58 = np.uint64(58)
_S11 = np.uint64(11)
_S63 = np.uint64(63)
_ONE = np.uint64(1)
_ZERO = np.uint64(0)
_TWO53 = 1.0 / 9007199254740992.0
_MASK64 = (1 << 64) - 1


def state_array(bit_generator_state: dict) -> np.ndarray:
    """The uint64[6] state of a PCG64 `bit_generator.state` dict."""
    st = bit_generator_state
    if st.get("bit_generator") != "PCG64":
        raise ValueError("the compiled generator follows numpy's PCG64 only")
    s, inc = int(st["state"]["state"]), int(st["state"]["inc"])
    return np.array([s >> 64, s & _MASK64, inc >> 64, inc & _MASK64,
                     int(st["has_uint32"]), int(st["uinteger"])], dtype=np.uint64)


def state_dict(a: np.ndarray) -> dict:
    """`state_array`'s inverse: the dict numpy's PCG64 takes as its state."""
    v = [int(x) for x in a]
    return {"bit_generator": "PCG64", "state": {"state": (v[0] << 64) | v[1],
                                                "inc": (v[2] << 64) | v[3]},
            "has_uint32": v[4], "uinteger": v[5]}


@numba.njit(cache=True, inline="always")
def _mulhi(a, b):  # pragma: no cover - compiled
    """High 64 bits of the 128-bit product of two uint64."""
    a_lo, a_hi = a & _M32, a >> _S32
    b_lo, b_hi = b & _M32, b >> _S32
    p0 = a_lo * b_lo
    p1 = a_lo * b_hi
    p2 = a_hi * b_lo
    p3 = a_hi * b_hi
    mid = (p0 >> _S32) + (p1 & _M32) + (p2 & _M32)
    return p3 + (p1 >> _S32) + (p2 >> _S32) + (mid >> _S32)


@numba.njit(cache=True)
def next_uint64(st):  # pragma: no cover - compiled
    """pcg64_next64: step the LCG, then the XSL-RR output of the new state."""
    hi, lo = st[0], st[1]
    new_lo = lo * _MUL_LO
    new_hi = _mulhi(lo, _MUL_LO) + hi * _MUL_LO + lo * _MUL_HI
    lo2 = new_lo + st[3]
    carry = _ONE if lo2 < new_lo else _ZERO
    hi2 = new_hi + st[2] + carry
    st[0], st[1] = hi2, lo2
    x = hi2 ^ lo2
    rot = hi2 >> _S58
    return (x >> rot) | (x << ((_ZERO - rot) & _S63))


@numba.njit(cache=True)
def next_uint32(st):  # pragma: no cover - compiled
    """pcg64_next32: half of a 64-bit draw, the other half buffered for the next call."""
    if st[4] != _ZERO:
        st[4] = _ZERO
        return st[5]
    v = next_uint64(st)
    st[4] = _ONE
    st[5] = v >> _S32
    return v & _M32


@numba.njit(cache=True)
def next_double(st):  # pragma: no cover - compiled
    """Generator.random(): 53 random bits in [0, 1)."""
    return np.float64(next_uint64(st) >> _S11) * _TWO53


@numba.njit(cache=True)
def bounded(st, rng):  # pragma: no cover - compiled
    """An integer in [0, rng] as `random_bounded_uint64(.., 0, rng, 0, False)` and
    `integers(rng + 1)` draw it (Lemire's method on 32 bits; rng < 2**32 - 1). No draw when
    rng is 0."""
    if rng == 0:
        return 0
    r = np.uint64(rng)
    excl = r + _ONE
    m = next_uint32(st) * excl
    left = m & _M32
    if left < excl:
        threshold = (_M32 - r) % excl
        while left < threshold:
            m = next_uint32(st) * excl
            left = m & _M32
    return np.int64(m >> _S32)


@numba.njit(cache=True)
def interval(st, mx):  # pragma: no cover - compiled
    """`random_interval`: an integer in [0, mx] by masked rejection, as `shuffle` and
    `permutation` draw their swaps (mx < 2**32)."""
    if mx == 0:
        return 0
    m = np.uint64(mx)
    mask = m
    mask |= mask >> _ONE
    mask |= mask >> np.uint64(2)
    mask |= mask >> np.uint64(4)
    mask |= mask >> np.uint64(8)
    mask |= mask >> np.uint64(16)
    mask |= mask >> _S32
    v = next_uint32(st) & mask
    while v > m:
        v = next_uint32(st) & mask
    return np.int64(v)


@numba.njit(cache=True)
def shuffle(st, a, n):  # pragma: no cover - compiled
    """Generator.shuffle / permutation of the first n items of a 1-d array, in place."""
    for i in range(n - 1, 0, -1):
        j = interval(st, i)
        t = a[i]
        a[i] = a[j]
        a[j] = t


@numba.njit(cache=True)
def choice_min(st, pop, size, scratch):  # pragma: no cover - compiled
    """min(Generator.choice(pop, size, replace=False)), drawing what choice draws.

    Floyd's algorithm then a shuffle of the sample (whose order the minimum ignores, but
    whose draws it must make), or, for a large share of a population over 10,000, numpy's
    partial shuffle of the whole range. `scratch` holds at least `size` int64 (and `pop`
    on the second path)."""
    if pop > 10000 and size > pop // 50:
        for i in range(pop):
            scratch[i] = i
        first = max(pop - size, 1)
        for i in range(pop - 1, first - 1, -1):
            j = bounded(st, i)
            t = scratch[i]
            scratch[i] = scratch[j]
            scratch[j] = t
        best = pop
        for i in range(pop - size, pop):
            if scratch[i] < best:
                best = scratch[i]
        return best
    n = 0
    for j in range(pop - size, pop):
        val = bounded(st, j)
        found = False
        for k in range(n):
            if scratch[k] == val:
                found = True
                break
        scratch[n] = j if found else val
        n += 1
    for i in range(size - 1, 0, -1):  # the sample's shuffle: its draws only
        bounded(st, i)
    best = scratch[0]
    for k in range(1, n):
        if scratch[k] < best:
            best = scratch[k]
    return best


@numba.njit(cache=True)
def roulette(st, cdf):  # pragma: no cover - compiled
    """Generator.choice(len(p), p=p) given numpy's cdf of p (`p.cumsum() / sum`): one
    uniform draw, then the count of cdf entries at or below it (searchsorted, right)."""
    u = next_double(st)
    k = 0
    for i in range(cdf.size):
        if cdf[i] <= u:
            k = i + 1
    return k


def choice_cdf(p: np.ndarray) -> np.ndarray:
    """The cdf `Generator.choice(len(p), p=p / p.sum())` searches, computed as numpy does."""
    q = np.asarray(p, dtype=np.float64)
    q = q / q.sum()
    cdf = q.cumsum()
    cdf /= cdf[-1]
    return cdf
