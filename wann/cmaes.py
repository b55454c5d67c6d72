"""Per-connection CMA-ES: a fixed topology's weights tuned through the evaluators.

The network is compiled once and each generation's candidates become one NetBatch by writing
their weights into copies of the compiled edges: a generation costs one evaluator call and no
Python per connection. The `cma` package does the strategy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np

from wann import WannError, raise_pending_stop
from wann.evaluation.protocol import Evaluator
from wann.genome import Genome
from wann.network import NetBatch, compile_genome, pack_batches
from wann.progress import Progress
from wann.streams import CHECK, CMA, CMA_RNG, generator, stream_seeds, sub_seed


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
    # Separable CMA-ES (cma's CMA_diagonal: a diagonal covariance, linear cost per weight), for
    # nets of thousands of weights; always used above FULL_CMA_MAX_DIM weights.
    diagonal: bool = False

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


FULL_CMA_MAX_DIM = 300  # above this many weights, CMA-ES is separable (diagonal covariance)


@dataclass
class CMAResult:
    """The tuned network and what it cost. `genome` carries the chosen weights."""

    genome: Genome
    check_score: float
    check_generation: int
    rollouts: int
    history: list[dict] = field(default_factory=list)


_JOURNAL: ContextVar[Path | None] = ContextVar("cma_journal", default=None)


@contextmanager
def journal(folder: str | Path | None) -> Iterator[None]:
    """While active, every finished `cma_es` run is kept in `folder` under a digest of all its
    inputs, and a run whose inputs match a kept one is read back instead of run again.

    A comparison trains dozens of networks for an hour or more; stopped (Ctrl-C, a lost
    machine, a time limit) and started again with the same settings, it resumes after the
    last finished training with the same results, since equal inputs give equal outputs.
    """
    token = _JOURNAL.set(None if folder is None else Path(folder))
    try:
        yield
    finally:
        _JOURNAL.reset(token)


def _digest(ev: Evaluator, genome: Genome, x0: np.ndarray, base: np.ndarray,
            free: np.ndarray | None, settings: CMASettings, seed: int, label: str) -> str:
    """Everything a cma_es result depends on, hashed: the network, start, settings, seed and
    the evaluator's kind (backends that are not bit-identical give other results)."""
    h = hashlib.sha256()
    for a in (genome.node_id, genome.node_kind, genome.node_act, genome.conn_src,
              genome.conn_dst, genome.conn_enabled, genome.conn_weight, x0, base,
              np.zeros(0) if free is None else np.asarray(free)):
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    kind = f"{type(ev).__module__}.{type(ev).__name__}:{getattr(ev, 'mode', '')}"
    h.update(json.dumps([asdict(settings), int(seed), label, kind], sort_keys=True).encode())
    return h.hexdigest()[:32]


def _recall(path: Path) -> tuple[np.ndarray, float, int, int, list[dict]] | None:
    try:
        with np.load(path) as z:
            return (z["best_x"], float(z["best_score"]), int(z["best_gen"]), int(z["rollouts"]),
                    json.loads(str(z["history"])))
    except (OSError, ValueError, KeyError):
        return None  # absent, or cut short while written: run it again


def _remember(path: Path, best_x: np.ndarray, best_score: float, best_gen: int,
              rollouts: int, history: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            np.savez(f, best_x=best_x, best_score=best_score, best_gen=best_gen,
                     rollouts=rollouts, history=json.dumps(history))
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half-written entry behind
        raise


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
    kept = _JOURNAL.get()
    entry = None
    if kept is not None:
        entry = kept / f"{_digest(ev, genome, x0, base, free, s, seed, label)}.npz"
        old = _recall(entry)
        if old is not None:
            if progress is not None:
                progress.line(f"{label}: read back, trained before ({entry.name})")
            best_x, best_score, best_gen, rollouts, history = old
            return CMAResult(wb.genome_with(base, best_x), best_score, best_gen, rollouts,
                             history)
    rng = generator(seed, CMA_RNG)
    opts = {
        "popsize": s.popsize,
        "seed": sub_seed(seed, CMA),
        "randn": lambda *shape: rng.standard_normal(shape),
        "verbose": -9,
    }
    if s.diagonal or wb.dim > FULL_CMA_MAX_DIM:
        opts["CMA_diagonal"] = True
    import cma  # here, not at the top: it loads scipy.stats, seconds of every `wann` start

    es = cma.CMAEvolutionStrategy(x0, s.sigma0, opts)
    check = stream_seeds(seed, CHECK, s.check_episodes)
    ones = np.ones(1)
    rollouts = 0
    best_x, best_score, best_gen = x0.copy(), -np.inf, -1
    history: list[dict] = []
    if progress is not None:
        progress.start(s.generations, label, plain_every=s.generations // 5)

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
        raise_pending_stop()  # a Ctrl-C that a library's callback swallowed
        xs = np.asarray(es.ask())
        seeds = stream_seeds(seed, CMA, s.rollouts, gen)
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
            progress.update(done, f"best {row['best']:.1f} mean {row['mean']:.1f} "
                            f"sd {row['sigma']:.3f} check {best_score:.1f}")
    if progress is not None:
        progress.close()
    if entry is not None:
        _remember(entry, best_x, best_score, best_gen, rollouts, history)
    g = wb.genome_with(base, best_x)
    return CMAResult(g, best_score, best_gen, rollouts, history)


def history_csv(history: list[dict]) -> str:
    """A CMA-ES history as CSV (generation, best, mean, sigma, check)."""
    rows = ["generation,best,mean,sigma,check"]
    for h in history:
        check = f"{h['check']:.4f}" if h["check"] != "" else ""
        rows.append(f"{h['generation']},{h['best']:.4f},{h['mean']:.4f},{h['sigma']:.6f},{check}")
    return "\n".join(rows) + "\n"
