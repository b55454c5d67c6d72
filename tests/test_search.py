"""The search loop: a real search improves, and the same seed gives the same run."""


from pathlib import Path

import numpy as np
import pytest

from tests.conftest import log_rows
from wann import checkpoint as ckp
from wann.config import preset
from wann.evaluation import make_evaluator
from wann.layout import LOG_COLUMNS, TIMING_COLUMNS
from wann.reporters import Reporter
from wann.run import Run
from wann.search import Search
from wann.tasks import get_task


def test_fitness_rises_on_swingup(tmp_path) -> None:
    task = get_task("swingup")
    hp = preset("quick").replace(pop_size=32, generations=30)
    run = Run.new(task, hp, make_evaluator(task, "compiled"), tmp_path, seed=1)
    run.run()
    rows = log_rows(tmp_path / "log.csv")
    assert len(rows) == 30 and list(rows[0]) == [c for c in LOG_COLUMNS if c not in TIMING_COLUMNS]
    first = float(rows[0]["median_fitness"])
    late = np.mean([float(r["median_fitness"]) for r in rows[-5:]])
    assert late > 2 * first, (first, late)
    assert float(rows[-1]["best_ever_fitness"]) > 250


def test_selection_keeps_elites_and_population_size() -> None:
    hp = preset("quick").replace(pop_size=20, elite_ratio=0.2, tourn_size=4)
    s = Search(hp, 5, 1, tuple(range(1, 11)), seed=3)
    pop = s.ask()
    returns = np.arange(20, dtype=float)[:, None, None] * np.ones((20, 6, 2))
    s.tell(returns)
    nxt = s.ask()
    assert len(nxt) == 20
    # With (mean, peak) or (mean, connections), the top individuals by mean lead the ranking;
    # four elites are copied unchanged.
    keys = {g.key() for g in pop}
    assert sum(g.key() in keys for g in nxt[:4]) == 4


def test_same_seed_same_run(tmp_path) -> None:
    task = get_task("swingup")
    hp = preset("quick").replace(pop_size=16, generations=4)
    for name in ("a", "b"):
        Run.new(task, hp, make_evaluator(task, "compiled"), tmp_path / name, seed=5).run()
    assert log_rows(tmp_path / "a" / "log.csv") == log_rows(tmp_path / "b" / "log.csv")
    assert (tmp_path / "a" / "champion.json").read_text() == (
        tmp_path / "b" / "champion.json").read_text()


def test_speciation_runs(tmp_path) -> None:
    task = get_task("swingup")
    hp = preset("quick").replace(pop_size=16, generations=3, speciate=True)
    run = Run.new(task, hp, make_evaluator(task, "compiled"), tmp_path, seed=2)
    run.run()
    assert 1 <= len(run.search.species_reps) <= 16


def test_hidden_activation_pool_is_configurable(tmp_path) -> None:
    task = get_task("swingup")
    hp = preset("quick").replace(pop_size=16, generations=6, hidden_activations=(5, 9))
    run = Run.new(task, hp, make_evaluator(task, "compiled"), tmp_path, seed=4)
    run.run()
    acts = {int(a) for g in run.search.population for a, k in zip(g.node_act, g.node_kind) if k == 3}
    assert acts and acts <= {5, 9}


def test_champion_is_the_best_retested_not_the_luckiest() -> None:
    """The reference's bestReps rule: a generation's best replaces the champion only if its
    re-test beats the champion's re-test. Individual 1 of generation 1 scores highest on its
    training episodes of any generation, but re-tests worse than generation 0's champion."""
    hp = preset("quick").replace(pop_size=8)
    s = Search(hp, 5, 1, tuple(range(1, 11)), seed=0)
    shape = (8, 6, 2)
    gen0 = np.full(shape, 10.0)
    gen0[3] = 400.0
    first = s.ask()[3].copy()
    s.tell(gen0, retest=np.full((6, 20), 380.0))
    assert s.best_ever.key() == first.key() and s.champion_retest == 380.0
    gen1 = np.full(shape, 10.0)
    gen1[1] = 900.0  # lucky on 2 episodes per weight
    assert Search.best_of(gen1) == 1
    stats = s.tell(gen1, retest=np.full((6, 20), 250.0))
    assert stats.best_retest == 250.0 and stats.champion_retest == 380.0
    assert s.best_ever.key() == first.key() and s.best_ever_fitness == 400.0
    gen2 = np.full(shape, 10.0)
    gen2[5] = 300.0  # worse in training, better re-tested: it becomes the champion
    new = s.ask()[5].copy()
    s.tell(gen2, retest=np.full((6, 20), 390.0))
    assert s.best_ever.key() == new.key() and s.champion_retest == 390.0


class _Counting:
    """An evaluator that counts calls and rollouts of the one it wraps."""

    def __init__(self, ev) -> None:  # noqa: ANN001
        self.ev, self.calls, self.rollouts = ev, 0, 0

    def evaluate(self, batch, weights, seeds):  # noqa: ANN001, ANN201
        self.calls += 1
        r, bad = self.ev.evaluate(batch, weights, seeds)
        self.rollouts += r.size
        return r, bad

    def drain_events(self) -> list:
        return self.ev.drain_events()

    def close(self) -> None:
        self.ev.close()


def test_retest_is_one_evaluator_call_per_generation_and_logged(tmp_path) -> None:
    task = get_task("swingup")
    hp = preset("quick").replace(pop_size=16, generations=3, n_reps=2, best_reps=5)
    ev = _Counting(make_evaluator(task, "compiled"))
    run = Run.new(task, hp, ev, tmp_path, seed=4)
    run.run()
    assert ev.calls == 2 * 3
    per_gen = 16 * len(hp.weights) * 2 + 5 * len(hp.weights)
    assert ev.rollouts == 3 * per_gen
    rows = log_rows(tmp_path / "log.csv")
    assert all(int(r["retest_rollouts"]) == 5 * len(hp.weights) for r in rows)
    retests = [float(r["best_retest"]) for r in rows]
    champ = [float(r["champion_retest"]) for r in rows]
    assert champ == list(np.maximum.accumulate(retests))


class _Deferred(_Counting):
    """An evaluator with `submit`, as the GPU's: the re-test's result is collected later."""

    def __init__(self, ev, order: list) -> None:  # noqa: ANN001
        super().__init__(ev)
        self.order = order

    def submit(self, batch, weights, seeds):  # noqa: ANN001, ANN201
        result = self.evaluate(batch, weights, seeds)
        self.order.append("submit")

        def collect():  # noqa: ANN202
            self.order.append("collect")
            return result

        return collect


class _Order(Reporter):
    def __init__(self, order: list) -> None:
        self.order = order

    def generation(self, run, stats, row) -> None:  # noqa: ANN001
        self.order.append(f"report {stats.generation}")


def _plain_and_deferred(tmp_path, hp, monkeypatch, seed: int = 4):  # noqa: ANN001, ANN202
    task = get_task("swingup")
    plain = Run.new(task, hp, make_evaluator(task, "compiled"), tmp_path / "plain", seed=seed)
    plain.run()
    order: list[str] = []
    breed = Search._next_generation

    def logged(self, rank):  # noqa: ANN001, ANN202
        order.append("breed")
        return breed(self, rank)

    monkeypatch.setattr(Search, "_next_generation", logged)
    ev = _Deferred(make_evaluator(task, "compiled"), order)
    return task, ev, order


def _same_run(a: Path, b: Path) -> None:
    keep = [c for c in LOG_COLUMNS if c not in TIMING_COLUMNS]
    ra, rb = log_rows(a / "log.csv"), log_rows(b / "log.csv")
    assert [[r[c] for c in keep] for r in ra] == [[r[c] for c in keep] for r in rb]
    for name in ("champion.json", "best.json", "population.csv"):
        assert (a / name).read_text() == (b / name).read_text(), name


def test_a_submitted_retest_is_collected_after_breeding_and_changes_nothing(
    tmp_path, monkeypatch
) -> None:
    """With an evaluator that can submit (the GPU), the champion's re-test is collected only
    after the next generation is bred, and each generation's reporters run while the next
    generation is evaluated (after its launch, before its collection and tell); the run and
    its files are the same."""
    hp = preset("quick").replace(pop_size=16, generations=4, n_reps=2, best_reps=5)
    task, ev, order = _plain_and_deferred(tmp_path, hp, monkeypatch)
    deferred = Run.new(task, hp, ev, tmp_path / "deferred", seed=4, reporters=[_Order(order)])
    deferred.run()
    retest = ["submit", "breed", "collect"]
    expected = list(retest)  # generation 0 is evaluated with nothing to report meanwhile
    for g in range(1, 4):
        expected += ["submit", f"report {g - 1}", "collect", *retest]
    expected.append("report 3")  # the last generation is reported at once
    assert order == expected
    _same_run(tmp_path / "plain", tmp_path / "deferred")


def test_ctrl_c_with_a_generation_held_reports_it_and_resumes_exactly(
    tmp_path, monkeypatch
) -> None:
    """Ctrl-C while a told generation waits for its reporters (here: in the next ask) still
    reports it, so the checkpoint and log hold it, and the resumed run equals a plain one."""
    hp = preset("quick").replace(pop_size=16, generations=5, n_reps=2, best_reps=5,
                                 checkpoint_every=1)
    task, ev, order = _plain_and_deferred(tmp_path, hp, monkeypatch)
    ask = Search.ask

    def interrupted(self):  # noqa: ANN001, ANN202
        if self.generation == 3 and not order.count("interrupted"):
            order.append("interrupted")
            raise KeyboardInterrupt
        return ask(self)

    monkeypatch.setattr(Search, "ask", interrupted)
    out = tmp_path / "deferred"
    run = Run.new(task, hp, ev, out, seed=4, reporters=[_Order(order)])
    with pytest.raises(KeyboardInterrupt):
        run.run()
    assert order[-2:] == ["interrupted", "report 2"]
    assert len(log_rows(out / "log.csv")) == 3
    ck = ckp.load(ckp.path_in(out))
    assert ck.generation == 3 and len(ck.rows) == 3
    Run.resume(ck, task, ev, out).run()
    _same_run(tmp_path / "plain", out)


def test_ctrl_c_wrapped_by_a_library_stops_the_run_as_ctrl_c(tmp_path, monkeypatch, caplog) -> None:
    """Ctrl-C that lands while numba loads a cached function reaches the loop as a SystemError
    caused by the KeyboardInterrupt: the run still stops as interrupted (not "by an error"),
    its checkpoint holds the last generation, and the resumed run equals a plain one."""
    import wann.run as run_mod

    hp = preset("quick").replace(pop_size=16, generations=4, n_reps=2, best_reps=5,
                                 checkpoint_every=1)
    task = get_task("swingup")
    Run.new(task, hp, make_evaluator(task, "compiled"), tmp_path / "plain", seed=4).run()
    compile_population = run_mod.compile_population
    calls = []

    def wrapped(genomes):  # noqa: ANN001, ANN202
        calls.append(1)
        if len(calls) == 3:
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt as exc:
                raise SystemError("a result with an exception set") from exc
        return compile_population(genomes)

    monkeypatch.setattr(run_mod, "compile_population", wrapped)
    out = tmp_path / "wrapped"
    run = Run.new(task, hp, make_evaluator(task, "compiled"), out, seed=4)
    with caplog.at_level("WARNING", logger="wann"), pytest.raises(KeyboardInterrupt):
        run.run()
    assert isinstance(run.error, KeyboardInterrupt)
    assert "interrupted; checkpoint of generation" in caplog.text
    assert "stopped by an error" not in caplog.text
    ck = ckp.load(ckp.path_in(out))
    monkeypatch.setattr(run_mod, "compile_population", compile_population)
    Run.resume(ck, task, make_evaluator(task, "compiled"), out).run()
    _same_run(tmp_path / "plain", out)


def test_the_command_line_reads_a_wrapped_ctrl_c_as_ctrl_c(capsys) -> None:
    """The command line gives a wrapped Ctrl-C its own line and exit code 130, no traceback."""
    from wann.cli import _guarded

    def body() -> int:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise SystemError("a result with an exception set") from exc

    assert _guarded(body) == 130
    assert capsys.readouterr().err == "wann: interrupted\n"
