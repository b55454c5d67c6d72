"""Compiled breeding equals the Python breeding draw for draw, and its parts equal numpy's.

The compiled path (wann.breed over wann.rngcore) must give the same genomes, registry and
generator state as `Search` breeding in Python over wann.variation, generation after
generation, so that a seed's search is the same whichever path bred it.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from wann import netcompile
from wann import rngcore as rc
from wann.config import preset
from wann.genome import validate
from wann.population import Population
from wann.ranking import crowding_distance, nondominated_fronts, rank_population
from wann.search import Search


def _returns(rng: np.random.Generator, pop: Population, reps: int) -> np.ndarray:
    """Random returns plus one per connection, so that nets grow as in a real search."""
    grow = pop.n_enabled()[:, None, None].astype(float)
    return rng.random((len(pop), 6, reps)) * 100.0 + grow


def _same(a: Search, b: Search) -> None:
    for f in ("node_off", "conn_off", "node_id", "node_kind", "node_act", "conn_innov",
              "conn_src", "conn_dst", "conn_enabled", "conn_weight"):
        np.testing.assert_array_equal(getattr(a.population, f), getattr(b.population, f), f)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    ra, rb = a.registry.state(), b.registry.state()
    np.testing.assert_array_equal(ra.pop("conn"), rb.pop("conn"))
    assert ra == rb


@pytest.mark.parametrize("changes", [
    {},
    {"pop_size": 40, "tourn_size": 2, "elite_ratio": 0.0, "cull_ratio": 0.5},
    {"prob_add_conn": 0.6, "prob_add_node": 0.4, "prob_enable": 0.0, "prob_mut_act": 0.0},
    {"prob_add_conn": 0.0, "prob_add_node": 0.1, "prob_enable": 0.4, "prob_mut_act": 0.5,
     "hidden_activations": (1, 3)},
    {"pop_size": 24, "tourn_size": 24, "cull_ratio": 0.0, "prob_init_enable": 0.05},
    {"speciate": True, "pop_size": 48},
])
def test_compiled_breeding_equals_python(changes: dict) -> None:
    hp = preset("swingup").replace(**{"pop_size": 64, **changes})
    acts = hp.hidden_activations or tuple(range(1, 11))
    fast, slow = (Search(hp, 5, 1, acts, seed=7) for _ in range(2))
    slow.compiled = False
    rng_a, rng_b = np.random.default_rng(1), np.random.default_rng(1)
    for _ in range(25):
        fast.tell(_returns(rng_a, fast.ask(), hp.n_reps))
        slow.tell(_returns(rng_b, slow.ask(), hp.n_reps))
        _same(fast, slow)
    for g in fast.population:
        validate(g)


def test_children_built_on_threads_equal_the_serial_ones(monkeypatch) -> None:
    """A large generation's children are built on all threads (wann.breed.build_parallel):
    forced here on a small one, the same search as the Python reference."""
    monkeypatch.setattr(netcompile, "PARALLEL_FROM", 1)
    monkeypatch.setattr(netcompile, "PARALLEL_THREADS", 1)
    hp = preset("swingup").replace(pop_size=64)
    fast, slow = (Search(hp, 5, 1, tuple(range(1, 11)), seed=4) for _ in range(2))
    slow.compiled = False
    rng_a, rng_b = np.random.default_rng(2), np.random.default_rng(2)
    for _ in range(15):
        fast.tell(_returns(rng_a, fast.ask(), hp.n_reps))
        slow.tell(_returns(rng_b, slow.ask(), hp.n_reps))
        _same(fast, slow)


def test_checkpointed_search_breeds_on_the_same() -> None:
    hp = preset("quick").replace(pop_size=30)
    s = Search(hp, 3, 2, tuple(range(1, 11)), seed=2)
    rng = np.random.default_rng(3)
    for _ in range(6):
        s.tell(_returns(rng, s.ask(), hp.n_reps))
    back = Search.from_state(s.state())
    r = _returns(rng, s.ask(), hp.n_reps)
    s.tell(r)
    back.tell(r)
    _same(s, back)


@numba.njit
def _draw(st, kind, arg, n):  # pragma: no cover - compiled
    out = np.empty(n, np.int64)
    scratch = np.empty(max(arg, 16) + 1, np.int64)
    for i in range(n):
        if kind == 0:
            out[i] = rc.bounded(st, arg - 1)
        elif kind == 1:
            out[i] = rc.choice_min(st, arg, min(8, arg), scratch)
        else:
            out[i] = rc.choice_min(st, arg, 400, scratch)
    return out


@numba.njit
def _perm(st, a):  # pragma: no cover - compiled
    rc.shuffle(st, a, a.size)
    return a


@numba.njit
def _doubles(st, n):  # pragma: no cover - compiled
    return np.array([rc.next_double(st) for _ in range(n)])


@pytest.mark.parametrize("seed", range(4))
def test_compiled_draws_are_numpys(seed: int) -> None:
    """Each draw and the generator state after it, from a state whose 32-bit buffer is full."""
    def fresh() -> np.random.Generator:
        g = np.random.default_rng(seed)
        g.integers(5)
        return g

    cases = [(0, 1, lambda g, a: g.integers(a)), (0, 7, lambda g, a: g.integers(a)),
             (0, 3_000_000_000, lambda g, a: g.integers(a)),
             (1, 5, lambda g, a: g.choice(a, size=min(8, a), replace=False).min()),
             (1, 153, lambda g, a: g.choice(a, size=8, replace=False).min()),
             (2, 15_360, lambda g, a: g.choice(a, size=400, replace=False).min())]
    for kind, arg, ref in cases:
        g = fresh()
        st = rc.state_array(g.bit_generator.state)
        np.testing.assert_array_equal(_draw(st, kind, arg, 40), [ref(g, arg) for _ in range(40)])
        assert rc.state_dict(st) == g.bit_generator.state
    g = fresh()
    st = rc.state_array(g.bit_generator.state)
    np.testing.assert_array_equal(_doubles(st, 30), g.random(30))
    for n in (1, 2, 9, 40):
        a = np.arange(10, 10 + n, dtype=np.int64)
        np.testing.assert_array_equal(_perm(st, a.copy()), g.permutation(a))
    p = np.array([0.2, 0.25, 0.05, 0.5])
    for mask in range(1, 16):
        q = p * np.array([(mask >> i) & 1 for i in range(4)])
        cdf = rc.choice_cdf(q)
        assert [rc.roulette(st, cdf) for _ in range(20)] == [
            int(g.choice(4, p=q / q.sum())) for _ in range(20)]
    assert rc.state_dict(st) == g.bit_generator.state


def _rank_reference(obj: np.ndarray) -> np.ndarray:
    front = nondominated_fronts(obj)
    crowd = np.empty(obj.shape[0])
    for f in np.unique(front):
        members = np.flatnonzero(front == f)
        crowd[members] = crowding_distance(obj[members])
    order = np.lexsort((np.arange(obj.shape[0]), -crowd, front))
    rank = np.empty(obj.shape[0], dtype=np.int64)
    rank[order] = np.arange(obj.shape[0])
    return rank


def test_pair_ranking_equals_the_pairwise_one() -> None:
    rng = np.random.default_rng(0)
    for t in range(800):
        n = int(rng.integers(1, 70))
        kind = t % 4
        if kind == 0:
            obj = rng.random((n, 2))
        elif kind == 1:  # many ties and duplicates
            obj = rng.integers(0, 5, (n, 2)).astype(float)
        elif kind == 2:  # the paper's (mean, 1 / connections)
            obj = np.column_stack([rng.integers(0, 8, n) * 1.5, 1.0 / rng.integers(1, 6, n)])
        else:
            obj = rng.normal(size=(n, 2)).round(1)
        np.testing.assert_array_equal(rank_population(obj), _rank_reference(obj))


def test_population_round_trip_and_item_replacement() -> None:
    hp = preset("quick").replace(pop_size=12)
    s = Search(hp, 4, 2, tuple(range(1, 11)), seed=0)
    s.tell(_returns(np.random.default_rng(0), s.ask(), hp.n_reps))
    pop = s.ask()
    genomes = list(pop)
    again = Population.from_genomes(genomes)
    assert [g.key() for g in again] == [g.key() for g in genomes]
    assert pop[-1].key() == genomes[-1].key() and len(pop[2:5]) == 3
    pop[3] = genomes[0]
    assert pop[3].key() == genomes[0].key() and pop[4].key() == genomes[4].key()
    with pytest.raises(IndexError):
        pop[12]
