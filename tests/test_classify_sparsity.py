"""The sparsity literature on classification: OBD's Hessian diagonal, layer resets, kWTA and
pixel noise on small hand-built MLPs; `--methods` on digits."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from wann import streams
from wann.baselines.classifier import (
    KWTA_BOOST,
    ClassifierNet,
    DenseMLP,
    kwta_net,
    layer_resets,
    obd_diagonal,
    reset_layer,
)
from wann.baselines.masks import layer_counts, n_keep
from wann.classify import get_classify_task
from wann.classify.mlp import MLP, KWinners, TrainSettings, gradients, init_mlp, train, winners
from wann.cli import main
from wann.methods.classification import (
    noise_aggregate,
    noise_csv,
    noise_curves,
    noised,
    pixel_ranks,
    white_value,
)


def small_net(layers: list[int], seed: int = 0) -> MLP:
    rng = np.random.default_rng(seed)
    net = init_mlp(layers, rng, np.float64)
    net.biases = [rng.normal(0.0, 0.3, b.shape) for b in net.biases]
    return net


def fd_hessian_diagonal(net: MLP, x: np.ndarray, y: np.ndarray, eps: float = 1e-5) -> list[np.ndarray]:
    """d2E/dw_k^2 by central differences of the exact gradient."""
    out = []
    for layer, w in enumerate(net.weights):
        h = np.zeros(w.shape)
        for idx in np.ndindex(w.shape):
            if not net.masks[layer][idx]:
                continue
            g = []
            for sign in (1.0, -1.0):
                probe = net.copy()
                probe.weights[layer][idx] += sign * eps
                g.append(gradients(probe, x, y)[1][layer][idx])
            h[idx] = (g[0] - g[1]) / (2 * eps)
        out.append(h)
    return out


def test_obd_diagonal_is_exact_for_the_output_layer() -> None:
    net = small_net([4, 5, 3])
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(30, 4)), rng.integers(0, 3, 30)
    fd = fd_hessian_diagonal(net, x, y)
    mine = obd_diagonal(net, x)
    np.testing.assert_allclose(mine[-1], fd[-1], rtol=1e-5, atol=1e-9)
    assert not np.allclose(mine[0], fd[0], rtol=1e-3)  # hidden layer: cross terms dropped


def test_obd_diagonal_is_exact_when_each_hidden_unit_feeds_one_output() -> None:
    """With one outgoing connection per hidden unit (one path to the outputs) the Gauss-Newton
    diagonal drops nothing:
    it equals the finite-difference Hessian of the cross-entropy, every layer (ReLU: f'' = 0)."""
    net = small_net([4, 6, 5, 3], seed=2)
    net.masks[2][:] = False
    for i in range(5):
        net.masks[2][i, i % 3] = True
    net.masks[1][:] = np.eye(6, 5, dtype=bool)  # one path from each unit to the outputs
    net.masks[1][5, 0] = True
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(25, 4)), rng.integers(0, 3, 25)
    fd = fd_hessian_diagonal(net, x, y)
    for mine, ref, m in zip(obd_diagonal(net, x), fd, net.masks):
        np.testing.assert_allclose(mine, ref, rtol=1e-5, atol=1e-9)
        assert np.all(mine[~m] == 0.0)


def test_layer_reset_restores_exactly_the_recorded_initial_values() -> None:
    task = get_classify_task("digits")
    init = small_net([64, 7, 10], seed=5)
    trained = small_net([64, 7, 10], seed=6)
    for layer in range(2):
        r = reset_layer(trained, init, layer)
        assert np.array_equal(r.weights[layer], init.weights[layer])
        assert np.array_equal(r.biases[layer], init.biases[layer])
        other = 1 - layer
        assert np.array_equal(r.weights[other], trained.weights[other])
        assert np.array_equal(r.biases[other], trained.biases[other])
    rows = layer_resets(DenseMLP(init, trained, 0), task.x_test, task.y_test, seed=0)
    assert [r.name for r in rows] == ["input→h1", "h1→output"]
    assert rows[0].reinit == reset_layer(trained, init, 0).accuracy(task.x_test, task.y_test)
    assert rows[0].trained == trained.accuracy(task.x_test, task.y_test)


def test_kwta_keeps_exactly_k_winners_and_its_gradient_matches_differences() -> None:
    z = np.array([[3.0, -1.0, 2.0, 2.0, 0.5], [-4.0, -3.0, -2.0, -1.0, -5.0]])
    keep = winners(z, 2)
    assert keep.sum(axis=1).tolist() == [2, 2]
    assert keep[0, 0] and keep[1, 3] and keep[1, 2]
    net = small_net([4, 6, 3], seed=7)
    net.kwta = KWinners(3)
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(10, 4)), rng.integers(0, 3, 10)
    h = x @ net.weights[0] + net.biases[0]
    out = net.logits(x)
    np.testing.assert_allclose(out, np.where(winners(h, 3), h, 0.0) @ net.weights[1] + net.biases[1])
    _, gw, _ = gradients(net, x, y)
    eps = 1e-6
    for idx in [(0, 0), (2, 3), (3, 5)]:
        up, down = net.copy(), net.copy()
        up.weights[0][idx] += eps
        down.weights[0][idx] -= eps
        fd = (up.cross_entropy(x, y) - down.cross_entropy(x, y)) / (2 * eps)
        assert gw[0][idx] == pytest.approx(fd, rel=1e-4, abs=1e-8)


def test_boosting_follows_the_duty_cycles() -> None:
    """Duty cycles are the running share of inputs each unit won (over `period` inputs once
    that many were seen); a unit that wins less than its share k/n is boosted into winning;
    at test time round(1.5 k) units win."""
    kw = KWinners(2, strength=2.0, k_factor=1.5, period=4)
    a = np.array([[1.0, 2.0, 3.0, 0.0]] * 2)
    kw.learn([a])  # 2 inputs seen: the mean over them
    np.testing.assert_allclose(kw.duty[0], [1.0, 1.0, 1.0, 0.0])
    kw.learn([np.array([[0.0, 0.0, 1.0, 1.0]] * 4)])  # 6 seen: period 4, (d * 0 + 4) / 4
    np.testing.assert_allclose(kw.duty[0], [0.0, 0.0, 1.0, 1.0])
    kw.learn([np.array([[1.0, 0.0, 0.0, 0.0]] * 2)])  # (d * 2 + count) / 4
    np.testing.assert_allclose(kw.duty[0], [0.5, 0.0, 0.5, 0.5])
    # Unit 1 has won nothing: boost exp(2 * 0.5) against exp(2 * 0) lifts its 1.0 past 2.5.
    z = np.array([[1.0, 1.0, 2.5, 0.2]])
    out = kw.apply(z, 0, training=True)
    np.testing.assert_array_equal(out, [[0.0, 1.0, 2.5, 0.0]])  # its own value, not boosted
    assert np.count_nonzero(KWinners(2).apply(z, 0, training=True)) == 2
    assert np.count_nonzero(kw.apply(np.array([[1.0, 2.0, 3.0, 4.0]]), 0, training=False)) == 3


def test_boosting_spreads_the_winning_over_more_units() -> None:
    """Boosting is what spreads a kWTA code over the units: from the same start, the boosted
    net ends with fewer units that never win and a higher entropy of its duty cycles (the
    measure Ahmad & Scheinkman track), and its strength has decayed every epoch."""
    task = get_classify_task("digits")
    s = TrainSettings(epochs=3)
    boosted = kwta_net([64, 40, 10], task.x_train, task.y_train, 4, 0.0, s, seed=1).net
    start = init_mlp([64, 40, 10], streams.generator(1, streams.KWTA), np.float32)
    start.kwta = KWinners(4)
    plain = train(start, task.x_train, task.y_train, s, seed=1)
    assert boosted.kwta.strength == pytest.approx(1.5 * 0.85**3)
    assert boosted.kwta.seen == plain.kwta.seen == 3 * task.y_train.size

    def entropy(net: MLP) -> float:
        q = net.kwta.duty[0] / net.kwta.duty[0].sum()
        return float(-np.sum(q[q > 0] * np.log2(q[q > 0])))

    def dead(net: MLP) -> int:
        return int(np.sum(net.kwta.duty[0] == 0))
    assert dead(boosted) < dead(plain)
    assert entropy(boosted) > entropy(plain) + 0.3
    # kwta_net at strength 0 is that plain net
    off = kwta_net([64, 40, 10], task.x_train, task.y_train, 4, 0.0, s, seed=1,
                   boost={**KWTA_BOOST, "strength": 0.0})
    assert "not boosted" in off.note and "not boosted" not in kwta_net(
        [64, 12, 10], task.x_train, task.y_train, 4, 0.5, TrainSettings(epochs=0), seed=1).note
    for a, b in zip(off.net.weights, plain.weights):
        np.testing.assert_array_equal(a, b)


def test_kwta_net_is_sparse_and_deterministic() -> None:
    task = get_classify_task("digits")
    s = TrainSettings(epochs=1)
    a = kwta_net([64, 12, 10], task.x_train, task.y_train, 4, 0.5, s, seed=3)
    b = kwta_net([64, 12, 10], task.x_train, task.y_train, 4, 0.5, s, seed=3)
    assert a.net.kwta.k == 4 and a.net.n_alive == n_keep(888, 0.5)
    assert [int(m.sum()) for m in a.net.masks] == list(layer_counts([768, 120], 444))
    assert all(np.array_equal(u, v) for u, v in zip(a.net.weights, b.net.weights))


def test_pixel_noise_is_the_same_for_every_row() -> None:
    """Ahmad & Scheinkman's noise: at level s, int(s x pixels) pixels of each image are set to
    the white value, a level's pixels holding the lower levels'; the same images for every
    row and for the same seed."""
    task = get_classify_task("digits")
    a = ClassifierNet("a", small_net([64, 9, 10], seed=9), True, 0.0, 0)
    twin = ClassifierNet("twin", a.net.copy(), True, 0.0, 0)
    b = ClassifierNet("b", small_net([64, 9, 10], seed=10), True, 0.0, 0)
    levels = [0.0, 0.25, 0.5]
    curves = noise_curves(task, [a, twin, b], levels, seed=4)
    assert np.array_equal(curves[0].returns, curves[1].returns)  # same images, same answers
    ranks = pixel_ranks(task.x_test.shape, 4)
    assert np.array_equal(ranks, pixel_ranks(task.x_test.shape, 4))
    assert not np.array_equal(ranks, pixel_ranks(task.x_test.shape, 5))
    white = white_value(task.x_train)
    assert white == pytest.approx(task.x_train.mean() + 2 * task.x_train.std())
    quarter, half = (noised(task.x_test, ranks, s, white) for s in (0.25, 0.5))
    set_q, set_h = quarter != task.x_test, half != task.x_test
    white_q = quarter == np.asarray(white, task.x_test.dtype)
    assert np.all(white_q.sum(axis=1) == 16)  # int(64 x 0.25) per image
    assert np.all((half == quarter) | ~white_q)  # the quarter's pixels stay noised at half
    assert set_q.sum() <= set_h.sum()
    for i, s in enumerate(levels):
        x = noised(task.x_test, ranks, s, white)
        assert curves[2].mean[i] == pytest.approx(b.net.accuracy(x, task.y_test))
    assert curves[0].mean[0] == pytest.approx(a.net.accuracy(task.x_test, task.y_test))
    again = noise_curves(task, [b], [0.5], seed=4)
    assert np.array_equal(again[0].returns[0], curves[2].returns[2])  # not tied to the row list


def test_the_noise_value_on_mnist_is_ahmad_and_scheinkmans(mnist_dir) -> None:
    """On MNIST's 28x28 images the training pixels' mean + 2 sd is their 0.1307 + 2 x 0.3081."""
    task = get_classify_task("mnist28", mnist_dir)
    assert white_value(task.x_train) == pytest.approx(0.1307 + 2 * 0.3081, abs=2e-4)


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--methods", "obd", "bogus"], "unknown method 'bogus'"),
        (["--methods", "noise", "--noise-levels", "0", "-0.1"], "noise levels must be at least 0"),
        (["--methods", "noise", "--noise-levels", "0", "1.5"], "shares of an image's pixels"),
        (["--methods", "kwta", "--kwta-k", "0"], "kWTA k must lie in [1, 3]"),
        (["--methods", "kwta", "--kwta-k", "4"], "kWTA k must lie in [1, 3]"),
    ],
)
def test_bad_method_input_on_digits_is_one_line_exit_2(tmp_path, capsys, extra, needle) -> None:
    code = main(["compare", "--task", "digits", "--dense-hidden", "5", "3", "--out",
                 str(tmp_path / "o"), *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("wann: error:"), err
    assert needle in err[0], err
    assert not (tmp_path / "o").exists()


def test_digits_compare_runs_every_new_method(tmp_path, capsys) -> None:
    from wann.genome import from_dense
    from wann.io import save_genome

    g = from_dense([64, 10], np.random.default_rng(0).normal(size=650))
    g.meta["task"] = "digits"
    save_genome(g, tmp_path / "g.json")
    out = tmp_path / "cmp"
    args = ["compare", "--champion", str(tmp_path / "g.json"), "--dense-hidden", "8", "6",
            "--sparsities", "0.5", "--epochs", "1", "--episodes", "2", "--noise-levels", "0",
            "0.5", "--methods", "all", "--kwta-k", "3", "--out", str(out)]
    assert main(args) == 0
    capsys.readouterr()
    with open(out / "compare.csv") as f:
        rows = [r["model"] for r in csv.DictReader(f)]
    new = ["OBD 50%", "structured fine-tuned 50%", "structured scratch 50%",
           "ticket random reinit 50%", "kWTA k=3 50%"]
    assert all(n in rows for n in new) and rows[0] == "WANN (given champion)"
    with open(out / "noise.csv") as f:
        models = [r["model"] for r in csv.DictReader(f)]
    assert models[::2] == ["WANN ensemble", "WANN tuned shared weight", "WANN tuned weights",
                           *rows[1:]]
    with open(out / "layer_reinit.csv") as f:
        assert [r["name"] for r in csv.DictReader(f)] == ["input→h1", "h1→h2", "h2→output"]
    for name in ("noise.md", "noise.png", "layer_reinit.md", "layer_reinit.png", "table.md",
                 "curves.png"):
        assert (out / name).stat().st_size > 60, name


def test_noise_scores_over_seeds() -> None:
    """A study's noise.md: each row's noise score (correct answers summed over the levels),
    mean over the seeds with its interval and sd, from the seeds' noise.csv files."""
    task = get_classify_task("digits")
    a = ClassifierNet("a", small_net([64, 9, 10], seed=9), True, 0.0, 0)
    levels = [0.0, 0.25, 0.5]
    csvs = {s: noise_csv(noise_curves(task, [a], levels, seed=s)) for s in (0, 1, 2)}
    scores = [sum(int(r["correct"]) for r in csv.DictReader(io.StringIO(t))) for t in
              csvs.values()]
    text = noise_aggregate(csvs, "digits")["noise.md"]
    row = next(line for line in text.splitlines() if line.startswith("| a |")).split(" | ")
    assert row[3].startswith(f"{np.mean(scores):,.0f} [")
    assert row[4] == f"{np.std(scores, ddof=1):,.0f}" and row[5] == "3 |"
    assert f"at most {3 * task.y_test.size:,}" in text
    assert noise_aggregate({0: csvs[0]}, "digits") == {}
