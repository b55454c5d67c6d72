"""A gate the fault tests control: an environment that holds its worker until told to go on.

Tests that kill, stop or interrupt a worker must not depend on catching it at the right
moment. A `GatedCartPole` whose gate is armed stops in `reset`, writes `held-<pid>` into the
gate folder and waits until the test opens the gate; so the test knows, without any timing,
which worker process holds a sub-batch, and can signal it while it certainly does.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import gymnasium as gym
from gymnasium.envs.classic_control.cartpole import CartPoleEnv

from wann.tasks import Task, get_task

GATED_ID = "WannGatedCartPole-v0"
HOLD_LIMIT_S = 120.0  # a safety net for a broken test only; a passing test never waits this long


class GatedCartPole(CartPoleEnv):
    """CartPole-v1 whose `reset` waits at an armed, closed gate."""

    def __init__(self, gate_dir: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.gate = Path(gate_dir) if gate_dir else None

    def reset(self, *, seed: int | None = None, options: dict | None = None):  # noqa: ANN201
        g = self.gate
        if g is not None and (g / "armed").exists() and not (g / "open").exists():
            (g / f"held-{os.getpid()}").write_text("")
            deadline = time.monotonic() + HOLD_LIMIT_S
            while not (g / "open").exists() and time.monotonic() < deadline:
                time.sleep(0.002)
        return super().reset(seed=seed, options=options)


if GATED_ID not in gym.registry:
    gym.register(GATED_ID, entry_point=GatedCartPole, max_episode_steps=500)


class Gate:
    """The test's side of the gate: arm it, learn which processes it holds, open it."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.reset()

    def task(self) -> Task:
        """CartPole through the gated environment ("module:id", so spawned workers find it)."""
        return dataclasses.replace(
            get_task("cartpole"), name="gated-cartpole", env_id=f"{__name__}:{GATED_ID}",
            make_kwargs=(("gate_dir", str(self.folder)),),
        )

    def reset(self) -> None:
        for p in self.folder.iterdir():
            p.unlink()

    def arm(self) -> None:
        (self.folder / "armed").write_text("")

    def open(self) -> None:
        (self.folder / "open").write_text("")

    def held(self) -> list[int]:
        return sorted(int(p.name.split("-", 1)[1]) for p in self.folder.glob("held-*"))

    def wait_held(self, limit_s: float = HOLD_LIMIT_S) -> int:
        """The pid of a process held at the gate (the lowest, when several are)."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            pids = self.held()
            if pids:
                return pids[0]
            time.sleep(0.002)
        raise AssertionError("no worker reached the gate")


class SignalHeldWorker(threading.Thread):
    """Once a worker is held at the gate, send it `sig`, then open the gate for the others."""

    def __init__(self, gate: Gate, sig: int) -> None:
        super().__init__(daemon=True)
        self.gate, self.sig, self.pid = gate, sig, None

    def run(self) -> None:
        try:
            pid = self.gate.wait_held()
            os.kill(pid, self.sig)
            self.pid = pid
        finally:
            self.gate.open()


def healthy_timeout(evaluate: Callable[[], object], floor_s: float = 3.0, factor: float = 10.0) -> float:
    """A sub-batch timeout that only a stopped worker passes, on this machine as loaded as it
    is now: `factor` times one whole healthy evaluation run now (each sub-batch is a part of
    it), and at least `floor_s`. A fixed timeout would also catch healthy sub-batches of a
    machine whose cores are busy with other work."""
    t0 = time.perf_counter()
    evaluate()
    return max(floor_s, factor * (time.perf_counter() - t0))
