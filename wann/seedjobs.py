"""The seeds executor every several-seed command uses (evolve, tune, compare): each seed's
folder held by one writer while its seed runs, the seeds run one after another in this
process, or `jobs` at a time in processes of their own.

A seed process dies with its parent (even a SIGKILLed one: the kernel sends it SIGTERM);
Ctrl-C or SIGTERM of the parent is passed on once and every seed stops within seconds, as a
single run stops (its checkpoint and finished trainings kept for a resume); a failed seed is
one error line naming its log.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from wann import WannError
from wann.outdir import RunLock
from wann.progress import Progress

R = TypeVar("R")
STOP_WAIT_S = 8.0  # after Ctrl-C or SIGTERM, how long the seeds get to stop cleanly (a loaded
# machine can delay a child's signal handler by seconds; the parent still exits within 10 s)


def run_seeds(todo: Sequence[tuple[int, Path | None]], job: Callable[[int, Path | None], R],
              progress: Progress, jobs: int = 1,
              child: Callable[[int, Path, int], None] | None = None, workers: int | None = None,
              log: str = "seed.log", lock: bool = True) -> dict[int, R | None]:
    """Run `job(seed, folder)` for each seed, one after another, each folder locked while it
    runs; or, with `jobs` > 1 and a picklable `child(seed, folder, workers)`, `jobs` seeds at a
    time in processes of their own with `workers`/`jobs` workers each, their messages in the
    folder's `log` (their results are then read back from their folders by the caller: None).
    `lock` False: the job checks and locks its folder itself, or needs no lock."""
    if jobs > 1 and child is not None and len(todo) > 1:
        _in_processes(todo, child, jobs, max(1, (workers or 1) // jobs), log, progress)
        return {seed: None for seed, _ in todo}
    done: dict[int, R | None] = {}
    for seed, folder in todo:
        if len(todo) > 1:
            progress.line(f"seed {seed}: {folder}")
        held = RunLock(folder).acquire() if folder is not None and lock else None
        try:
            done[seed] = job(seed, folder)
        finally:
            if held is not None:
                held.release()
    return done


def _in_processes(todo: Sequence[tuple[int, Path | None]], child: Callable, jobs: int, per: int,
                  log: str, progress: Progress) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    waiting, running, failed = list(todo), [], []
    interruptible = callable(signal.getsignal(signal.SIGINT))  # not when ignored
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                seed, folder = waiting.pop(0)
                folder.mkdir(parents=True, exist_ok=True)
                proc = ctx.Process(target=_seed_process, args=(
                    child, seed, str(folder), per, str(folder / log), interruptible, os.getpid()))
                proc.start()
                progress.line(f"seed {seed}: started ({per} worker{'s' * (per > 1)}), "
                              f"logging to {folder / log}")
                running.append((seed, folder, proc))
            for job in list(running):
                job[2].join(timeout=0.2)
                if job[2].exitcode is not None:
                    running.remove(job)
                    seed, folder, proc = job
                    if proc.exitcode == 130:
                        raise KeyboardInterrupt
                    if proc.exitcode != 0:
                        failed.append((seed, folder, proc.exitcode))
                    else:
                        progress.line(f"seed {seed}: done")
    except BaseException:
        # SIGTERM, which every seed process handles whatever SIGINT's disposition it
        # inherited (a background job's SIGINT is ignored), stops it as Ctrl-C stops a run
        for _, _, proc in running:
            if proc.is_alive():
                os.kill(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT_S
        for _, _, proc in running:
            proc.join(timeout=max(0.0, deadline - time.monotonic()))
        raise
    finally:
        for _, _, proc in running:
            if proc.is_alive():
                proc.kill()
            proc.join()
    if failed:
        seed, folder, code = failed[0]
        raise WannError(f"seed {seed} failed (exit {code}): {_last_line(folder / log)}")


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to send SIGTERM when the parent dies (Linux), and check it still lives."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:
        os._exit(143)


def _seed_process(child: Callable, seed: int, folder: str, workers: int, log: str,
                  interruptible: bool, parent: int) -> None:  # pragma: no cover - a child
    """One seed in a process of its own. SIGTERM (its parent's death included) and Ctrl-C
    passed on by the parent stop it as Ctrl-C stops a run."""
    from wann import Terminated

    _die_with_parent(parent)
    os.setpgrp()  # a terminal's Ctrl-C goes to the parent, which passes it on once

    def stop(signum: int, frame: object) -> None:
        raise Terminated()

    signal.signal(signal.SIGTERM, stop)
    if interruptible:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    code = 0
    with open(log, "a", buffering=1) as f:
        sys.stdout = sys.stderr = f
        try:
            child(seed, Path(folder), workers)
        except WannError as exc:
            print(f"wann: error: {exc.cli_message()}")
            code = 2
        except KeyboardInterrupt:
            print("wann: interrupted")
            code = 130
    sys.exit(code)


def _last_line(path: Path) -> str:
    try:
        lines = [x for x in path.read_text().replace("\r", "\n").splitlines() if x.strip()]
    except OSError:
        return "(no log)"
    return lines[-1] if lines else "(empty log)"
