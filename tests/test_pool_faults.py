"""The pool backend survives faults: a killed or frozen worker is replaced, its work re-run,
and the generation's numbers are those of the serial backend, bit for bit."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.classic_control.cartpole import CartPoleEnv

from tests.conftest import log_rows, need, random_genome
from tests.gates import Gate, SignalHeldWorker, healthy_timeout
from wann import InfrastructureError, WannError
from wann.evaluation import make_evaluator
from wann.evaluation.pool import PoolEvaluator
from wann.evaluation.serial import SerialEvaluator
from wann.network import compile_population
from wann.tasks import get_task

CRASH_SEED = 13  # an episode with this seed kills its worker process
RAISE_SEED = 14  # an episode with this seed raises inside the environment


class FaultyCartPole(CartPoleEnv):
    """CartPole that dies or raises on chosen episode seeds (to make faults on purpose)."""

    def reset(self, *, seed: int | None = None, options: dict | None = None):  # noqa: ANN201
        if seed == CRASH_SEED:
            os._exit(7)
        if seed == RAISE_SEED:
            raise ValueError("this episode seed is cursed")
        return super().reset(seed=seed, options=options)


FAULTY_ID = "WannFaultyCartPole-v0"
if FAULTY_ID not in gym.registry:
    gym.register(FAULTY_ID, entry_point=FaultyCartPole, max_episode_steps=200)


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    return Gate(tmp_path_factory.mktemp("gate"))


@pytest.fixture(scope="module")
def gated_work(gate):
    """A small CartPole generation through the gated env, and its serial (fault-free) results."""
    task = gate.task()
    batch = compile_population([random_genome(s, 4, 2, 25) for s in range(8)])
    weights, seeds = np.array([-1.0, 0.5, 2.0]), np.array([3, 4])
    serial = SerialEvaluator(task)
    expected = serial.evaluate(batch, weights, seeds)
    serial.close()
    return task, batch, weights, seeds, expected


@pytest.fixture(scope="module")
def pool(gated_work):
    ev = PoolEvaluator(gated_work[0], 2)
    yield ev
    ev.close()


@pytest.fixture
def armed(gate):
    """The gate armed for one test: every worker stops at its next episode until opened."""
    gate.reset()
    gate.arm()
    yield gate
    gate.open()


def test_a_killed_worker_is_replaced_and_its_sub_batch_rerun(pool, gated_work, armed, caplog) -> None:
    task, batch, weights, seeds, (expected, expected_bad) = gated_work
    killer = SignalHeldWorker(armed, signal.SIGKILL)
    with caplog.at_level(logging.WARNING, logger="wann"):
        killer.start()
        returns, bad = pool.evaluate(batch, weights, seeds)
        killer.join()
    np.testing.assert_array_equal(returns, expected)
    np.testing.assert_array_equal(bad, expected_bad)
    lost = [e for e in pool.events if (e.kind, e.worker) == ("lost", f"pid {killer.pid}")]
    assert len(lost) == 1 and len(lost[0].chunks) == 1
    assert f"worker pid {killer.pid} lost (killed by SIGKILL)" in caplog.text
    assert len(pool.pids()) == 2 and killer.pid not in pool.pids()


def test_a_worker_that_dies_between_generations_is_replaced(pool, gated_work) -> None:
    task, batch, weights, seeds, (expected, _) = gated_work
    victim = pool.pids()[0]
    os.kill(victim, signal.SIGKILL)
    pool.slots[0].proc.join(60)  # dead (a SIGKILL lands asynchronously) before the next call
    assert not pool.slots[0].proc.is_alive()
    n_events = len(pool.events)
    returns, _ = pool.evaluate(batch, weights, seeds)
    np.testing.assert_array_equal(returns, expected)
    lost = pool.events[n_events:]
    assert [(e.kind, e.worker, e.chunks) for e in lost] == [("lost", f"pid {victim}", ())]


def test_a_sub_batch_past_the_timeout_counts_as_a_lost_worker(pool, gated_work, gate) -> None:
    task, batch, weights, seeds, (expected, _) = gated_work
    gate.reset()  # not armed: a healthy evaluation sets a timeout only the stopped worker passes
    timeout = healthy_timeout(lambda: pool.evaluate(batch, weights, seeds))
    gate.arm()
    pool.timeout = timeout
    try:
        frozen = SignalHeldWorker(gate, signal.SIGSTOP)  # a hung worker: alive, never answers
        frozen.start()
        returns, _ = pool.evaluate(batch, weights, seeds)
        frozen.join()
    finally:
        pool.timeout = None
        gate.open()
    np.testing.assert_array_equal(returns, expected)
    assert [e for e in pool.events if (e.kind, e.worker) == ("timeout", f"pid {frozen.pid}")]
    assert frozen.pid not in pool.pids()


def test_errors_and_a_sub_batch_that_kills_every_worker() -> None:
    # "module:id": a spawned worker imports this module (and so registers the env) itself.
    task = dataclasses.replace(
        get_task("cartpole"), name="faulty", env_id=f"{__name__}:{FAULTY_ID}"
    )
    batch = compile_population([random_genome(s, 4, 2, 10) for s in range(4)])
    ev = PoolEvaluator(task, 2, max_attempts=2)
    try:
        # An exception inside a rollout is a bug, not a fault: raised here, with its traceback.
        with pytest.raises(RuntimeError, match="this episode seed is cursed"):
            ev.evaluate(batch, np.array([1.0]), np.array([RAISE_SEED]))
        # The pool is still usable afterwards.
        ok, _ = ev.evaluate(batch, np.array([1.0]), np.array([1]))
        assert np.all(ok > 0)
        with pytest.raises(InfrastructureError, match=r"every pool worker that ran sub-batch \d+ was lost"):
            ev.evaluate(batch, np.array([1.0]), np.array([CRASH_SEED]))
        assert len(ev.events) >= 2
        assert {(e.kind, e.detail) for e in ev.events} == {("lost", "exit code 7")}
    finally:
        ev.close()


def test_bad_timeouts_are_one_clear_error() -> None:
    task = get_task("swingup")
    with pytest.raises(WannError, match="timeout must be a positive number"):
        make_evaluator(task, "pool", 2, timeout=0)
    with pytest.raises(WannError, match="timeout applies to the pool and dask backends"):
        make_evaluator(task, "serial", timeout=5)


def test_a_rerun_scores_the_same_whatever_ran_before_it_in_that_worker() -> None:
    """Re-running a sub-batch on another worker is only safe if a rollout's return does not
    depend on the episodes its environment ran before; BipedalWalker's Box2D world did."""
    need("Box2D", "box2d")
    from wann.evaluation.rollout import evaluate_nets

    task = get_task("biped")
    batch = compile_population([random_genome(s, 24, 4, 15) for s in range(3)])
    weights, seeds = np.array([-1.5, 1.0]), np.array([5])
    env = task.make_env()
    together, _ = evaluate_nets(env, task, batch, weights, seeds)
    alone, _ = evaluate_nets(task.make_env(), task, batch.select([2]), weights, seeds)
    again, _ = evaluate_nets(env, task, batch.select([2]), weights, seeds)  # a used env
    np.testing.assert_array_equal(together[2:], alone)
    np.testing.assert_array_equal(again, alone)


def test_a_run_records_worker_faults_in_events_csv(tmp_path) -> None:
    """A run whose pool loses a worker writes events.csv; its log equals a fault-free run's."""
    import csv

    from wann.config import preset
    from wann.run import Run

    gate = Gate(tmp_path / "gate")
    task = gate.task()
    hp = preset("quick").replace(pop_size=8, generations=2, n_reps=1, tourn_size=2)

    Run.new(task, hp, SerialEvaluator(task), tmp_path / "serial", seed=3).run()
    pool = PoolEvaluator(task, 2)
    try:
        run = Run.new(task, hp, pool, tmp_path / "pool", seed=3)
        gate.arm()  # generation 0's first episodes wait at the gate
        killer = SignalHeldWorker(gate, signal.SIGKILL)
        killer.start()
        run.run()
        killer.join()
    finally:
        gate.open()
        pool.close()
    assert log_rows(tmp_path / "serial") == log_rows(tmp_path / "pool")
    assert not (tmp_path / "serial" / "events.csv").exists()
    with open(tmp_path / "pool" / "events.csv") as f:
        events = list(csv.DictReader(f))
    assert [(e["generation"], e["kind"], e["worker"]) for e in events] == [
        ("0", "lost", f"pid {killer.pid}")
    ]
