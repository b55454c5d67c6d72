import numpy as np

from wann.ranking import crowding_distance, nondominated_fronts, rank_population, wann_objectives


def brute_fronts(obj: np.ndarray) -> np.ndarray:
    n = len(obj)
    front = np.full(n, -1)
    left = set(range(n))
    f = 0
    while left:
        cur = [i for i in left if not any(
            np.all(obj[j] >= obj[i]) and np.any(obj[j] > obj[i]) for j in left if j != i)]
        for i in cur:
            front[i] = f
        left -= set(cur)
        f += 1
    return front


def test_fronts_match_brute_force() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        obj = rng.integers(0, 6, size=(40, 2)).astype(float)  # many ties
        np.testing.assert_array_equal(nondominated_fronts(obj), brute_fronts(obj))


def test_crowding_extremes_are_infinite() -> None:
    obj = np.array([[0.0, 3.0], [1.0, 2.0], [2.0, 1.0], [3.0, 0.0]])
    d = crowding_distance(obj)
    assert np.isinf(d[0]) and np.isinf(d[3])
    np.testing.assert_allclose(d[1:3], [4 / 3, 4 / 3])


def test_rank_orders_by_front_then_crowding() -> None:
    obj = np.array([[3.0, 0.0], [0.0, 3.0], [1.5, 1.5], [1.0, 1.0], [0.5, 0.5]])
    rank = rank_population(obj)
    assert sorted(rank.tolist()) == list(range(5))
    assert set(rank[:3].tolist()) == {0, 1, 2}
    assert rank[2] == 2  # middle of the front: finite crowding, after the two extremes
    assert rank[3] == 3 and rank[4] == 4


def test_wann_objectives() -> None:
    mean, peak, conn = np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([0, 4])
    np.testing.assert_array_equal(wann_objectives(mean, peak, conn, True), [[1, 1], [2, 0.25]])
    np.testing.assert_array_equal(wann_objectives(mean, peak, conn, False), [[1, 3], [2, 4]])
