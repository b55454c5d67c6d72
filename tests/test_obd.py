"""Optimal Brain Damage on control tasks: the finite-difference Hessian diagonal (the method
itself, on both families, is in test_literature.py)."""

import io

import numpy as np
import pytest

from wann import WannError
from wann.baselines import obd as obd_module
from wann.baselines.dense import dense_genome, init_weights
from wann.baselines.obd import OBDSettings, fd_hessian_diagonal
from wann.baselines.objectives import LossObjective, ReturnObjective
from wann.progress import Progress


def test_central_differences_recover_a_quadratic_hessian_diagonal() -> None:
    """L(w) = w'Aw/2 + b'w has Hessian A: central differences recover its diagonal exactly."""
    rng = np.random.default_rng(0)
    m = rng.normal(size=(6, 6))
    a = m @ m.T + np.diag([0.5, 1, 2, 3, 4, 5])
    b = rng.normal(size=6)
    w = rng.normal(size=6)
    objective = LossObjective(lambda x: 0.5 * x @ a @ x + b @ x)
    for step in (0.5, 0.1, 0.01):
        h = fd_hessian_diagonal(objective, w, step)
        np.testing.assert_allclose(h, np.diag(a), rtol=1e-6, atol=1e-6)


def test_obd_settings_are_checked() -> None:
    with pytest.raises(WannError, match="at least 1"):
        OBDSettings(episodes=0)
    with pytest.raises(WannError, match="positive"):
        OBDSettings(step=0.0)


def test_the_hessian_shows_progress_and_scores_every_network_as_in_one_call(
    task, ev, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the large dense start the estimate runs for minutes: with a progress display it goes
    to the evaluator in chunks, one progress step each, and gives the same bits."""
    monkeypatch.setattr(obd_module, "FD_MIN_CALL", 4)
    layers = [5, 4, 1]
    rng = np.random.default_rng(5)
    weights = init_weights(layers, rng) + rng.normal(size=29)
    g = dense_genome(task, layers, weights)
    seeds = np.array([3, 4])
    whole = fd_hessian_diagonal(ReturnObjective(ev, g, seeds), weights, 0.1)
    out = io.StringIO()
    chunked = ReturnObjective(ev, g, seeds)
    h = fd_hessian_diagonal(chunked, weights, 0.1, Progress(out), "OBD 50% Hessian")
    np.testing.assert_array_equal(h, whole)
    assert chunked.rollouts == (2 * 29 + 1) * 2
    lines = out.getvalue().splitlines()
    # 59 networks in chunks of 4: a line every 4 chunks (16 networks), and the last.
    assert [ln.split(" networks")[0] for ln in lines] == [
        "OBD 50% Hessian 16/59", "OBD 50% Hessian 32/59", "OBD 50% Hessian 48/59",
        "OBD 50% Hessian 59/59"]
