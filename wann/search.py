"""The WANN search as ask / tell.

`ask()` returns the generation's genomes; `tell(returns)` takes the evaluator's array
[individual, weight, repetition], ranks, selects and makes the next generation. The search
never touches an environment. All state (population, innovation registry, random state,
generation, champion) is one typed value, `SearchState`, so a checkpoint restores a run exactly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from wann import netcompile, rngcore, streams
from wann import species as spc
from wann.breed import build, build_parallel, plan
from wann.config import Hyperparameters
from wann.genome import Genome, InnovationRegistry, initial_genome
from wann.population import Population
from wann.ranking import rank_population, wann_objectives
from wann.variation import mutate


@dataclass
class GenerationStats:
    """What one generation's `tell` learned, for reporters."""

    generation: int
    mean: np.ndarray  # per individual: mean return over weights and repetitions
    peak: np.ndarray  # per individual: best per-weight mean return
    n_conn: np.ndarray
    n_nodes: np.ndarray
    rank: np.ndarray
    best: int  # index of the generation's highest mean return
    used_connections: bool  # which objective pair ranked this generation
    best_ever: Genome
    best_ever_fitness: float
    population: Population  # the generation ranked here, in the order of `returns`
    best_retest: float = float("nan")  # the best's re-test score (NaN: not re-tested)
    champion_retest: float = float("nan")  # the champion's re-test score (NaN: none)


@dataclass
class SearchState:
    """Everything needed to continue a search exactly: plain data, encoded by `wann.checkpoint`.

    The field order is the checkpoint's key order (kept from before this was a dataclass).

    Examples:
        >>> import wann
        >>> task = wann.get_task("cartpole")
        >>> search = wann.Search(wann.preset("quick"), task.n_in, task.n_out, task.hidden_acts, seed=3)
        >>> state = search.state()
        >>> state.generation, state.seed
        (0, 3)
        >>> len(wann.Search.from_state(state).ask())
        32
    """

    hp: Hyperparameters
    n_in: int
    n_out: int
    hidden_acts: tuple[int, ...]
    output_act: int
    seed: int
    rng: dict[str, Any]  # the PCG64 bit generator's state
    registry: dict[str, Any]  # InnovationRegistry.state()
    generation: int
    population: Population  # a sequence of Genome (checkpoints list them)
    best_ever: Genome | None
    best_ever_fitness: float
    species_reps: list[Genome]
    spec_thresh: float
    # The champion's re-test score (best_reps episodes per weight), what a challenger must beat;
    # -inf before the first re-test (and in checkpoints written before re-tests existed).
    champion_retest: float = -np.inf


class Search:
    """NEAT-style topology search scored over shared weights.

    A generation is bred by one compiled call over the packed population (`wann.breed`);
    `compiled = False` breeds it in Python over `wann.variation` instead, the same draws and
    the same genomes (the reference the compiled path is tested against).

    Examples:
        Your own loop: ask for genomes, evaluate them, tell the returns.

        >>> import wann
        >>> task = wann.get_task("cartpole")
        >>> hp = wann.preset("quick").replace(pop_size=8, n_reps=1)
        >>> search = wann.Search(hp, task.n_in, task.n_out, task.hidden_acts, task.output_act, seed=0)
        >>> for _ in range(2):
        ...     genomes = search.ask()
        ...     returns = wann.evaluate(genomes, task, hp.weights, episodes=1)  # [genome, weight, episode]
        ...     stats = search.tell(returns)
        >>> search.generation
        2
    """

    compiled = True

    def __init__(
        self,
        hp: Hyperparameters,
        n_in: int,
        n_out: int,
        hidden_acts: tuple[int, ...],
        output_act: int = 1,
        seed: int = 0,
    ) -> None:
        self.hp = hp
        self.n_in, self.n_out = n_in, n_out
        self.hidden_acts = tuple(hidden_acts)
        self.output_act = output_act
        self.seed = int(seed)
        self.rng = streams.generator(self.seed, streams.SEARCH)
        self.registry = InnovationRegistry(n_in, n_out)
        self.generation = 0
        self.population = Population.from_genomes([
            initial_genome(n_in, n_out, self.registry, self.rng, hp.prob_init_enable, output_act)
            for _ in range(hp.pop_size)
        ])
        self.best_ever: Genome | None = None
        self.best_ever_fitness = -np.inf
        self.species_reps: list[Genome] = []
        self.spec_thresh = hp.spec_thresh
        self.champion_retest = -np.inf

    def ask(self) -> Population:
        """This generation's genomes (a `Population`: a sequence of `Genome`, packed)."""
        return self.population

    @staticmethod
    def best_of(returns: np.ndarray) -> int:
        """The individual a generation's returns rank best: the highest mean return."""
        return int(np.argmax(np.asarray(returns, dtype=np.float64).mean(axis=(1, 2))))

    def tell(
        self, returns: np.ndarray, retest: np.ndarray | Callable[[], np.ndarray] | None = None
    ) -> GenerationStats:
        """Rank this generation on its returns and replace it by the next one.

        `retest` holds the generation's best (`best_of(returns)`) re-evaluated on fresh
        episodes, [weight, repetition] (Run uses best_reps episodes per weight from the
        streams.RETEST stream). As in the reference, the best then becomes the champion only
        if its re-test mean beats the champion's: a topology lucky on the few training
        episodes stays out. Without `retest`, the highest training mean ever is the champion.
        `retest` may also be a function that waits for it: it is called only after the next
        generation is bred (which the champion does not influence), so a GPU can re-test
        while the host breeds.
        """
        hp = self.hp
        returns = np.asarray(returns, dtype=np.float64)
        if returns.shape[0] != len(self.population):
            raise ValueError("returns must have one row per individual")
        per_weight = returns.mean(axis=2)
        mean = per_weight.mean(axis=1)
        peak = per_weight.max(axis=1)
        if not isinstance(self.population, Population):  # set by hand: pack it
            self.population = Population.from_genomes(self.population)
        n_conn = self.population.n_enabled()
        n_nodes = self.population.n_nodes()
        use_conn = bool(self.rng.random() < hp.prob_moo)
        ranked_mean = mean
        species = None
        if hp.speciate:
            species, self.species_reps = spc.speciate(
                list(self.population), self.species_reps, self.spec_thresh, hp.spec_gene_coef
            )
            ranked_mean = spc.shared_fitness(mean - mean.min() + 1e-9, species)
            self._adapt_threshold(len(self.species_reps))
        rank = rank_population(wann_objectives(ranked_mean, peak, n_conn, use_conn))
        # The best is the highest mean return, not a rank that depends on the objective pair.
        top = best = int(np.argmax(mean))
        population = self.population
        children = self._next_generation(rank)  # parents are never changed in place
        if callable(retest):
            retest = retest()
        best_retest = float("nan")
        if retest is not None:
            best_retest = float(np.mean(retest))
            if best_retest > self.champion_retest:
                self.champion_retest = best_retest
                self.best_ever_fitness = float(mean[top])
                self.best_ever = population[top].copy()
        elif mean[top] > self.best_ever_fitness:
            self.best_ever_fitness = float(mean[top])
            self.best_ever = population[top].copy()
        champ = self.champion_retest if np.isfinite(self.champion_retest) else float("nan")
        stats = GenerationStats(
            self.generation, mean, peak, n_conn, n_nodes, rank, best, use_conn,
            self.best_ever, self.best_ever_fitness,  # type: ignore[arg-type]
            population, best_retest, champ,
        )
        self.population = children
        self.generation += 1
        return stats

    def _adapt_threshold(self, n_species: int) -> None:
        if n_species < self.hp.spec_target:
            self.spec_thresh = max(self.spec_thresh - self.hp.spec_compat_mod, 0.1)
        elif n_species > self.hp.spec_target:
            self.spec_thresh += self.hp.spec_compat_mod

    def _next_generation(self, rank: np.ndarray) -> Population:
        """Cull the worst, keep the elites unchanged, fill the rest by tournament + mutation."""
        if self.compiled and self.population.uniform_sizes():
            return self._breed_compiled(rank)
        return Population.from_genomes(self._breed_python(rank))

    def _selection(self, rank: np.ndarray) -> tuple[np.ndarray, int, int, int]:
        """(parents by rank, parent pool size after the cull, elites, tournament size)."""
        hp = self.hp
        by_rank = np.argsort(rank, kind="stable")
        n = len(by_rank)
        n_pool = n - int(np.floor(hp.cull_ratio * n))
        n_elite = int(np.floor(hp.elite_ratio * n))
        return by_rank, n_pool, n_elite, min(hp.tourn_size, n_pool)

    def _breed_compiled(self, rank: np.ndarray) -> Population:
        hp = self.hp
        by_rank, n_pool, n_elite, size = self._selection(rank)
        reg = self.registry
        reg.reserve(2 * hp.pop_size, hp.pop_size)
        need = reg.next_node + hp.pop_size + 1
        pos = self.__dict__.get("_pos_of_id")
        if pos is None or pos.size < need:
            pos = self._pos_of_id = np.full(max(need, 2 * (0 if pos is None else pos.size)),
                                            -1, np.int64)
        cdfs, op_mask = _roulettes(hp.mutation_probs)
        st = rngcore.state_array(self.rng.bit_generator.state)
        p = self.population
        parent, noff, coff, steps = plan(
            p.node_off, p.node_id, p.node_kind, p.node_act, p.conn_off, p.conn_innov,
            p.conn_src, p.conn_dst, p.conn_enabled, by_rank.astype(np.int64), n_pool, n_elite,
            size, hp.pop_size, cdfs, op_mask, np.asarray(self.hidden_acts, dtype=np.int64), st,
            reg.rows, reg.hkeys, reg.hvals, reg.split_of, reg.split_keys, reg.ctr, pos,
        )
        self.rng.bit_generator.state = rngcore.state_dict(st)
        many = netcompile.parallel_pays(hp.pop_size, int(p.conn_off[-1]))
        nid, nkind, nact, cinnov, csrc, cdst, cen, cw = (build_parallel if many else build)(
            parent, steps, noff, coff, p.node_off, p.node_id, p.node_kind, p.node_act,
            p.conn_off, p.conn_innov, p.conn_src, p.conn_dst, p.conn_enabled, p.conn_weight,
        )
        return Population(p.n_in, p.n_out, noff, coff, node_id=nid, node_kind=nkind,
                          node_act=nact, conn_innov=cinnov, conn_src=csrc, conn_dst=cdst,
                          conn_enabled=cen, conn_weight=cw)

    def _breed_python(self, rank: np.ndarray) -> list[Genome]:
        """The same breeding over `wann.variation`, one genome at a time."""
        hp = self.hp
        self.registry.new_generation()
        by_rank, n_pool, n_elite, size = self._selection(rank)
        pool = by_rank[:n_pool]
        children = [self.population[i].copy() for i in by_rank[:n_elite]]
        probs = hp.mutation_probs
        while len(children) < hp.pop_size:
            # A tournament of exactly `size` distinct competitors from the parent pool.
            competitors = self.rng.choice(pool.size, size=size, replace=False)
            parent = self.population[int(pool[competitors.min()])]
            child, _ = mutate(parent, self.rng, self.registry, probs, self.hidden_acts)
            children.append(child)
        return children

    # -- checkpointing -------------------------------------------------------------------
    # The registry and the random generator are live objects; every other field of
    # SearchState is an attribute of the same name.
    def state(self) -> SearchState:
        """The search as a value (the live population and genomes are shared, not copied)."""
        live = {"rng": self.rng.bit_generator.state, "registry": self.registry.state()}
        return SearchState(**{
            f.name: live[f.name] if f.name in live else getattr(self, f.name)
            for f in fields(SearchState)
        })

    @classmethod
    def from_state(cls, st: SearchState) -> Search:
        s = cls.__new__(cls)
        for f in fields(SearchState):
            setattr(s, f.name, getattr(st, f.name))
        s.hidden_acts = tuple(st.hidden_acts)
        s.population = Population.from_genomes(st.population)
        s.species_reps = list(st.species_reps)
        s.rng = np.random.default_rng()
        s.rng.bit_generator.state = st.rng
        s.registry = InnovationRegistry.from_state(st.registry)
        return s


@functools.lru_cache(maxsize=8)
def _roulettes(probs: tuple[float, ...]) -> tuple[np.ndarray, int]:
    """numpy's cdf for the mutation roulette over every subset of the operators (row: a
    bit mask of those still possible), and the mask of those with probability > 0."""
    p = np.asarray(probs, dtype=np.float64)
    cdfs = np.zeros((1 << p.size, p.size))
    for mask in range(1, 1 << p.size):
        q = p * np.array([(mask >> i) & 1 for i in range(p.size)], dtype=np.float64)
        if q.sum() > 0:
            cdfs[mask] = rngcore.choice_cdf(q)
    return cdfs, sum(1 << i for i in range(p.size) if p[i] > 0)
