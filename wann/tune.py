"""Tuning a network's weights: a shared-weight sweep, and per-connection CMA-ES.

Both go through the evaluators. A sweep is one evaluator call over a grid of shared weights.
CMA-ES keeps the topology fixed, so the network is compiled once and each generation's
candidates become one NetBatch by writing their weights into copies of the compiled edges:
a generation costs one evaluator call and no Python per connection.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TextIO

import numpy as np

from wann import WannError
from wann.evaluation import Evaluator
from wann.genome import Genome
from wann.network import NetBatch, compile_genome, pack_batches
from wann.scoring import shared_weight_returns

# Purposes of episode seeds, so that training, checking and testing never share episodes
# by construction (test episodes come from wann.scoring.test_seeds).
SWEEP_TAG, CMA_TAG, CHECK_TAG, RNG_TAG = 0x5EE9, 0xC3A, 0xC4EC, 0x7A9


def stream_seeds(seed: int, tag: int, n: int, index: int = 0) -> np.ndarray:
    """n episode seeds for one purpose (tag) and step (index) of a seeded run."""
    ss = np.random.SeedSequence([int(seed), int(tag), int(index)])
    return ss.generate_state(n, dtype=np.uint32).astype(np.int64)


def sub_seed(seed: int, *path: int) -> int:
    """A positive integer seed derived from a run seed (cma treats 0 as 'use the clock')."""
    ss = np.random.SeedSequence([int(seed), *map(int, path)])
    return int(ss.generate_state(1, dtype=np.uint32)[0] % (2**31 - 2)) + 1


class Progress:
    """Plain progress lines on stderr; one live line when stderr is a terminal."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._live = False

    def line(self, text: str) -> None:
        """A line that stays."""
        if self.quiet:
            return
        if self._live:
            print(file=self.stream)
            self._live = False
        print(f"wann: {text}", file=self.stream, flush=True)

    def done(self) -> None:
        """End a live line, so what follows starts on a line of its own."""
        if self._live:
            print(file=self.stream, flush=True)
            self._live = False

    def update(self, text: str, every_line: bool, fraction: float | None = None) -> None:
        """A passing update: rewritten in place on a terminal (with a bar when `fraction` is
        given), printed when every_line."""
        if self.quiet:
            return
        if self.tty:
            bar = ""
            if fraction is not None:
                fill = int(20 * min(max(fraction, 0.0), 1.0))
                bar = "[" + "#" * fill + "-" * (20 - fill) + "] "
            print(f"\r\033[K{bar}wann: {text}", end="", file=self.stream, flush=True)
            self._live = True
        elif every_line:
            print(f"wann: {text}", file=self.stream, flush=True)


# ---------------------------------------------------------------------------- shared weight
def weight_grid(n: int = 81, lo: float = -2.0, hi: float = 2.0) -> np.ndarray:
    """n evenly spaced shared weights over [lo, hi] (81 points: steps of 0.05 on [-2, 2])."""
    if n < 1:
        raise WannError(f"the sweep needs at least 1 grid point, got {n}")
    if not lo <= hi:
        raise WannError(f"the sweep range must have lo <= hi, got [{lo}, {hi}]")
    return np.linspace(lo, hi, n) if n > 1 else np.array([(lo + hi) / 2])


@dataclass
class Sweep:
    """Mean and std of the return for every shared weight of a grid, on training episodes."""

    weights: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    episodes: int

    @property
    def best_index(self) -> int:
        """The grid point of the highest mean, 0 excluded: a zero shared weight cuts every
        connection, so the network ignores its inputs and it is no longer the topology that
        is scored (a do-nothing policy would win for many non-WANN networks)."""
        mean = np.where(self.weights == 0.0, -np.inf, self.mean)
        if not np.any(np.isfinite(mean)):
            mean = self.mean
        return int(np.argmax(mean))

    @property
    def best_weight(self) -> float:
        return float(self.weights[self.best_index])

    def to_csv(self) -> str:
        rows = ["weight,mean,std"]
        rows += [f"{w:.6g},{m:.6f},{s:.6f}" for w, m, s in zip(self.weights, self.mean, self.std)]
        return "\n".join(rows) + "\n"


def sweep_shared_weight(
    ev: Evaluator, genome: Genome, seeds: np.ndarray, grid: np.ndarray
) -> Sweep:
    """Every grid weight on the same training episodes, in one evaluator call."""
    r = shared_weight_returns(ev, genome, np.asarray(grid, np.float64), seeds)
    return Sweep(np.asarray(grid, np.float64), r.mean(axis=1), r.std(axis=1), len(seeds))


# ---------------------------------------------------------------------------- CMA-ES
@cache
def single_thread_blas() -> None:
    """Make an already loaded BLAS single-threaded, for good (threadpoolctl).

    CMA-ES decomposes its covariance matrix every generation; OpenBLAS threads spinning
    against numba's made that 70x slower on 2 cores. `import wann` sets OPENBLAS_NUM_THREADS
    for processes that load numpy after it; this covers those that loaded numpy first.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


class WeightBatch:
    """Many weight vectors for one topology as NetBatches, from a single compilation.

    `free` are the connections whose weights vary (default: the enabled ones); a candidate x
    sets them to base + x.
    """

    def __init__(self, genome: Genome, free: np.ndarray | None = None) -> None:
        self.genome = genome
        self.free = np.flatnonzero(genome.conn_enabled) if free is None else np.asarray(free)
        if not np.all(genome.conn_enabled[self.free]):
            raise ValueError("free connections must be enabled")
        probe = genome.copy()
        probe.conn_weight = np.full(probe.conn_weight.size, -1.0)
        probe.conn_weight[self.free] = np.arange(self.free.size, dtype=np.float64)
        compiled = compile_genome(probe, use_weights=True)
        # Compiled edge e takes candidate coordinate slot[e]; fixed edges (-1) keep their weight.
        self.slot = compiled.edge_w.astype(np.int64)
        self.single = compile_genome(genome, use_weights=True)
        self.fixed_w = self.single.edge_w
        self._packed: dict[int, NetBatch] = {}

    @property
    def dim(self) -> int:
        return int(self.free.size)

    def weights(self, base: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The full connection weight vector for candidate x."""
        w = self.genome.conn_weight.copy()
        w[self.free] = base + x
        return w

    def batch(self, base: np.ndarray, xs: np.ndarray) -> NetBatch:
        """One NetBatch holding a net per row of xs."""
        xs = np.atleast_2d(np.asarray(xs, np.float64))
        n = xs.shape[0]
        if n not in self._packed:
            self._packed[n] = pack_batches([self.single] * n)
        ew = np.tile(self.fixed_w, (n, 1))
        var = self.slot >= 0
        ew[:, var] = (base + xs)[:, self.slot[var]]
        return self._packed[n]._replace(edge_w=ew.ravel())

    def genome_with(self, base: np.ndarray, x: np.ndarray) -> Genome:
        g = self.genome.copy()
        g.conn_weight = self.weights(base, x)
        return g


@dataclass(frozen=True)
class CMASettings:
    """A CMA-ES budget: the reference's tuning tool used popsize 32, 4 rollouts, sd 0.5."""

    generations: int = 150
    popsize: int = 32
    rollouts: int = 4
    sigma0: float = 0.5
    check_every: int = 10
    check_episodes: int = 16

    def __post_init__(self) -> None:
        for name in ("generations", "popsize", "rollouts", "check_every", "check_episodes"):
            value = getattr(self, name)
            if value < 1:
                raise WannError(f"CMA-ES {name} must be at least 1, got {value}")
        if self.popsize < 2:
            raise WannError(f"CMA-ES popsize must be at least 2, got {self.popsize}")
        if not self.sigma0 > 0:
            raise WannError(f"CMA-ES initial sd must be positive, got {self.sigma0}")

    def replace(self, **changes: object) -> CMASettings:
        return replace(self, **changes)


@dataclass
class CMAResult:
    """The tuned network and what it cost. `genome` carries the chosen weights."""

    genome: Genome
    check_score: float
    check_generation: int
    rollouts: int
    history: list[dict] = field(default_factory=list)


def cma_es(
    ev: Evaluator,
    genome: Genome,
    x0: np.ndarray,
    settings: CMASettings,
    seed: int,
    base: np.ndarray | None = None,
    free: np.ndarray | None = None,
    label: str = "cma",
    progress: Progress | None = None,
) -> CMAResult:
    """CMA-ES on the weights base + x of the `free` connections (default: all enabled ones).

    Each generation all candidates share `rollouts` episodes (common random numbers). Every
    `check_every` generations the distribution mean is scored on fixed check episodes (never
    the test episodes); the best-checking mean is returned, so a late noisy drift cannot
    spoil the result.
    """
    single_thread_blas()
    wb = WeightBatch(genome, free)
    if wb.dim == 0:
        raise WannError(f"{label}: the network has no enabled connection to tune")
    x0 = np.asarray(x0, np.float64)
    base = np.zeros(wb.dim) if base is None else np.asarray(base, np.float64)
    if x0.shape != (wb.dim,) or base.shape != (wb.dim,):
        raise ValueError(f"x0 and base must have {wb.dim} entries")
    s = settings
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), RNG_TAG]))
    opts = {
        "popsize": s.popsize,
        "seed": sub_seed(seed, CMA_TAG),
        "randn": lambda *shape: rng.standard_normal(shape),
        "verbose": -9,
    }
    import cma  # here, not at the top: it loads scipy.stats, seconds of every `wann` start

    es = cma.CMAEvolutionStrategy(x0, s.sigma0, opts)
    check = stream_seeds(seed, CHECK_TAG, s.check_episodes)
    ones = np.ones(1)
    rollouts = 0
    best_x, best_score, best_gen = x0.copy(), -np.inf, -1
    history: list[dict] = []
    t0 = time.perf_counter()

    def check_mean(x: np.ndarray, gen: int) -> float:
        nonlocal rollouts, best_x, best_score, best_gen
        r, _ = ev.evaluate(wb.batch(base, x[None, :]), ones, check)
        rollouts += check.size
        score = float(r.mean())
        if score > best_score:
            best_x, best_score, best_gen = x.copy(), score, gen
        return score

    check_mean(x0, 0)
    for gen in range(s.generations):
        xs = np.asarray(es.ask())
        seeds = stream_seeds(seed, CMA_TAG, s.rollouts, gen)
        r, _ = ev.evaluate(wb.batch(base, xs), ones, seeds)
        rollouts += r.size
        fit = r[:, 0, :].mean(axis=1)
        es.tell(list(xs), list(-fit))
        row = {"generation": gen + 1, "best": float(fit.max()), "mean": float(fit.mean()),
               "sigma": float(es.sigma), "check": ""}
        done = gen + 1
        if done % s.check_every == 0 or done == s.generations:
            row["check"] = check_mean(np.asarray(es.mean), done)
        history.append(row)
        if progress is not None:
            elapsed = time.perf_counter() - t0
            eta = elapsed / done * (s.generations - done)
            progress.update(
                f"{label}: gen {done}/{s.generations} best {row['best']:.1f} "
                f"mean {row['mean']:.1f} sd {row['sigma']:.3f} "
                f"check {best_score:.1f} ({elapsed:.0f}s, ETA {eta // 60:.0f}:{eta % 60:02.0f})",
                every_line=done % max(1, s.generations // 5) == 0 or done == s.generations,
                fraction=done / s.generations,
            )
    g = wb.genome_with(base, best_x)
    return CMAResult(g, best_score, best_gen, rollouts, history)


def tune_weights(
    ev: Evaluator,
    genome: Genome,
    shared_weight: float,
    settings: CMASettings,
    seed: int,
    progress: Progress | None = None,
) -> CMAResult:
    """Every enabled connection tuned as an offset from the best shared weight.

    The reference's tuning tool did the same: CMA-ES on offsets that start at 0, so the first
    mean is the shared-weight network itself.
    """
    free = np.flatnonzero(genome.conn_enabled)
    base = np.full(free.size, float(shared_weight))
    res = cma_es(ev, genome, np.zeros(free.size), settings, seed, base=base, free=free,
                 label="tune", progress=progress)
    res.genome.meta.update({"weights": "tuned", "shared_weight": float(shared_weight),
                            "check_score": res.check_score})
    return res


def history_csv(history: list[dict]) -> str:
    """A CMA-ES history as CSV (generation, best, mean, sigma, check)."""
    rows = ["generation,best,mean,sigma,check"]
    for h in history:
        check = f"{h['check']:.4f}" if h["check"] != "" else ""
        rows.append(f"{h['generation']},{h['best']:.4f},{h['mean']:.4f},{h['sigma']:.6f},{check}")
    return "\n".join(rows) + "\n"
