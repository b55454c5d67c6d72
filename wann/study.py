"""Comparison studies run by the library: a typed plan, one `run_study`, one seeds executor.

A `ComparePlan` says everything a comparison is (task, methods, sparsities, budgets, seeds,
backends); `run_study(plan, out)` checks it whole before any work (a setting that does not
apply to the task's family is refused, not ignored), runs each seed (a fresh WANN search
unless a champion is given, then every method), one after another or `seed_jobs` at a time
in processes of their own, and aggregates over seeds. The command line only turns flags into
a plan.

Folders: with one seed, `out` holds the comparison; with several, `out/seed-N/` each and the
aggregate in `out`. A folder is written by one study at a time (a lock the kernel drops when
the holder dies); a seed folder that already holds this comparison (same settings) is read,
not run again, so seeds can be made apart (machines, batch jobs) and a stopped study resumes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path

from wann import WannError, layout
from wann import checkpoint as ckp
from wann.baselines.masks import check_sparsity
from wann.baselines.noise import DEFAULT_LEVELS, check_levels
from wann.baselines.obd import OBDSettings
from wann.comparison import classification as cls_cmp
from wann.comparison import control as ctl_cmp
from wann.comparison.aggregate import AggregateRow, compare_aggregate
from wann.comparison.run import compare_seed, curve_labels
from wann.comparison.table import Row, print_rows, row_from_record
from wann.config import STANDARD_WEIGHTS, Hyperparameters, load_file
from wann.genome import Genome
from wann.io import load_genome, write_files
from wann.methods import Method, select
from wann.outdir import RunLock, check_writable
from wann.progress import Progress
from wann.seedjobs import run_seeds
from wann.seeds import seed_dir

FAMILIES = {"control": ctl_cmp.ControlComparison(),
            "classification": cls_cmp.ClassifyComparison()}


@dataclass(frozen=True)
class MethodOptions:
    """Settings of the methods beyond the standard rows: noise levels and episodes, kWTA's k
    (None: half the narrowest hidden layer), the episodes of the layer re-initialization and
    kWTA tables, and OBD's finite-difference Hessian."""

    noise_levels: tuple[float, ...] = DEFAULT_LEVELS
    noise_episodes: int = 20
    kwta_k: int | None = None
    episodes: int = 100
    obd: OBDSettings = field(default_factory=OBDSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "noise_levels", tuple(check_levels(self.noise_levels)))
        if self.noise_episodes < 1:
            raise WannError(f"{{noise_episodes}} must be at least 1, got {self.noise_episodes}")


@dataclass(frozen=True)
class ComparePlan:
    """A comparison study. None means the task family's default; settings that belong to
    one family only (CMA-ES budgets and episodes for control tasks; epochs and data for
    classification) are refused on the other.

    Examples:
        >>> import wann
        >>> plan = wann.ComparePlan(task="digits", methods=("dense", "pruned"), seeds=(0, 1),
        ...                         sparsities=(0.9,), dense_hidden=(8,), epochs=1, episodes=2)
        >>> plan.seeds, plan.methods
        ((0, 1), ('dense', 'pruned'))
        >>> wann.ComparePlan(task="digits", generations=5).generations   # checked when run
        5
    """

    task: str | None = None  # None: the champion's own, else swingup
    champion: str | Genome | None = None  # a genome (file) (default: a fresh search per seed)
    tuned: str | None = None  # reference tuned weights of a *.out champion
    data: str | None = None  # the MNIST folder
    methods: tuple[str, ...] | None = None  # None: the family's standard ones
    sparsities: tuple[float, ...] | None = None
    episodes: int = 100
    seeds: tuple[int, ...] = (0,)
    several: bool = False  # seed-N folders and an aggregate (also for one seed)
    quick: bool = False
    hidden: tuple[int, ...] | None = None  # the paper's fixed-topology row (control)
    dense_hidden: tuple[int, ...] | None = None  # the dense start the sparse rows derive from
    lottery_rate: float = 0.2
    generations: int | None = None
    finetune_generations: int | None = None
    tune_generations: int | None = None
    rollouts: int | None = None
    grid: int | None = None
    sweep_episodes: int | None = None
    epochs: int | None = None
    noise_levels: tuple[float, ...] | None = None
    noise_episodes: int | None = None
    kwta_k: int | None = None
    search_preset: str | None = None
    search_generations: int | None = None
    search_pop_size: int | None = None
    backend: str = "auto"
    search_backend: str | None = None
    workers: int | None = None
    fast_math: bool = False
    seed_jobs: int = 1
    budget: ctl_cmp.Budget | None = None  # control: every CMA-ES budget at once (flags apply on top)




@dataclass
class Resolved:
    """A plan checked and resolved for its task: what one seed's comparison reads."""

    plan: ComparePlan
    task: object
    family: object  # wann.comparison.control / classification's comparison object
    methods: list[Method]
    layers: tuple
    sparsities: list[float]
    budget: object
    options: MethodOptions
    champion: Genome | None
    epochs: int = 0
    search_hp: Hyperparameters | None = None

    @property
    def episodes(self) -> int:
        return self.plan.episodes

    @property
    def lottery_rate(self) -> float:
        return self.plan.lottery_rate

    @property
    def method_names(self) -> list[str]:
        return [m.name for m in self.methods]

    def settings(self) -> dict:
        """Everything that makes one seed's comparison what it is (the seed aside): a seed
        folder is reused only where its record holds the same."""
        p = self.plan
        s = {"task": self.task.name, "episodes": p.episodes, "budget": asdict(self.budget),
             "sparsities": [float(x) for x in self.sparsities], "methods": self.method_names,
             "paper_layers": list(self.layers[0] or []), "start_layers": list(self.layers[1]),
             "lottery_rate": float(p.lottery_rate), "tuned": p.tuned,
             "champion": (p.champion if not isinstance(p.champion, Genome)
                          else p.champion.meta.get("source", "a given genome")),
             "fast_math": bool(p.fast_math), "backend": p.backend,
             "search_backend": p.search_backend or p.backend}
        return {**s, **self.family.settings(self)}


def _budget(plan: ComparePlan) -> ctl_cmp.Budget:
    b = plan.budget or (ctl_cmp.QUICK if plan.quick else ctl_cmp.PAPER)
    r = {} if plan.rollouts is None else {"rollouts": plan.rollouts}
    g = {} if plan.generations is None else {"generations": plan.generations}
    ft = {} if plan.finetune_generations is None else {"generations": plan.finetune_generations}
    tg = {} if plan.tune_generations is None else {"generations": plan.tune_generations}
    sweep = {k: getattr(plan, k) for k in ("grid", "sweep_episodes") if getattr(plan, k)}
    return replace(b, **sweep, start=b.start_cma.replace(**g, **r), dense=b.dense.replace(**g, **r),
                   retrain=b.retrain.replace(**g, **r), finetune=b.finetune.replace(**ft, **r),
                   tune=b.tune.replace(**tg, **r),
                   search_preset=plan.search_preset or b.search_preset,
                   search_generations=plan.search_generations,
                   search_pop_size=plan.search_pop_size)


def _check_numbers(plan: ComparePlan) -> None:
    at_least = {"episodes": 1, "generations": 1, "finetune_generations": 1,
                "tune_generations": 1, "rollouts": 1, "search_generations": 1, "grid": 2,
                "sweep_episodes": 1, "search_pop_size": 8, "epochs": 1, "seed_jobs": 1,
                "noise_episodes": 1}
    for name, low in at_least.items():
        value = getattr(plan, name)
        if value is not None and value < low:
            raise WannError(f"{{{name}}} must be at least {low}, got {value}")
    if not 0.0 < plan.lottery_rate < 1.0:
        raise WannError(f"{{lottery_rate}} must lie in (0, 1), got {plan.lottery_rate}")
    if plan.seed_jobs > 1 and "dask" in (plan.backend, plan.search_backend):
        raise WannError("{seed_jobs} runs seeds in processes of their own; the dask backend "
                        "already spreads one seed over its cluster: give {seed_jobs} 1")
    if plan.tuned and not plan.champion:
        raise WannError("{tuned} goes with {champion}")
    if not plan.seeds:
        raise WannError("a study needs at least one seed")
    if plan.sparsities is not None:
        seen = [check_sparsity(s) for s in plan.sparsities]
        dup = sorted({s for s in seen if seen.count(s) > 1})
        if dup:
            raise WannError(f"{{sparsities}} lists {', '.join(f'{s:g}' for s in dup)} more than "
                            "once; give each level once")


def task_name(plan: ComparePlan) -> str:
    """The name of the study's task (given, the champion's own, else swingup), read without
    loading any data: the family's checks come before a data set is loaded."""
    if plan.task:
        return plan.task
    if isinstance(plan.champion, Genome):
        return plan.champion.meta.get("task") or "swingup"
    if plan.champion and not plan.champion.endswith(".out") and not Path(plan.champion).is_dir():
        return load_genome(plan.champion).meta.get("task") or "swingup"
    return "swingup"


def champion_task(plan: ComparePlan) -> tuple[object, Genome | None]:
    """The task (given, the champion's own, else swingup) and the champion, checked to fit."""
    from wann.families import family_of, resolve_task
    from wann.tasks import check_task_fits

    def classifying(n: str) -> bool:
        return family_of(n).name == "classification"

    name = plan.task
    settings = None
    given = plan.champion if isinstance(plan.champion, Genome) else None
    if given is not None:
        name = name or given.meta.get("task")
    elif plan.champion:
        path = Path(plan.champion)
        if path.is_dir():
            raise WannError(f"{str(path)!r} is a folder; pass a genome file (genome JSON or *.out)")
        if name is None and not plan.champion.endswith(".out"):
            name = load_genome(plan.champion).meta.get("task")
        cfg = path.parent / layout.CONFIG
        if name is not None and classifying(name) and cfg.is_file():
            try:
                hp = load_file(cfg)
                fam = family_of(name)
                if classifying(hp.task) and fam.canonical(hp.task) == fam.canonical(name):
                    settings = hp  # scored on its run's own split and minibatch
            except WannError:
                settings = None
    name = name or "swingup"
    if plan.data is not None and not classifying(name):
        raise WannError(f"{{data}} is for classification tasks (digits, mnist), not {name!r}")
    task = resolve_task(name, plan.data, settings)
    genome = given
    if plan.champion is not None and given is None:
        genome = load_genome(plan.champion, task.name, task.n_in, task.n_out, plan.tuned)
    if genome is not None:
        what = f"champion {plan.champion}" if given is None else "the champion"
        check_task_fits(task, genome.n_in, genome.n_out, what)
        if genome.n_enabled == 0:
            raise WannError(f"{what} has no enabled connection")
    return task, genome


def resolve(plan: ComparePlan) -> Resolved:
    """Check the whole plan before any work (what needs no data first, then against its
    task); the resolved study."""
    from wann.families import family_of

    _check_numbers(plan)
    budget = _budget(plan)
    name = task_name(plan)
    fam = family_of(name).name
    if fam not in FAMILIES:
        raise WannError(f"task {name!r} is of the {fam} family, which has no comparison")
    comparison = FAMILIES[fam]
    options = MethodOptions(
        tuple(comparison.check_noise(plan.noise_levels or comparison.noise_levels)),
        plan.noise_episodes or 20, plan.kwta_k, plan.episodes)
    for flag in comparison.refuses:
        if getattr(plan, flag) not in (None, False):
            raise WannError(f"{{{flag}}} does not apply to {fam} tasks such as {name!r}")
    methods = select(plan.methods, fam)
    task, champion = champion_task(plan)
    layers = comparison.layers(task, plan.hidden, plan.dense_hidden)
    if "kwta" in [m.name for m in methods]:
        from wann.baselines.kwta import check_k, default_k

        check_k(plan.kwta_k if plan.kwta_k is not None else default_k(layers[1]), layers[1])
    sparsities = comparison.check_grid(
        layers[1], sorted(check_sparsity(s) for s in (plan.sparsities or comparison.sparsities)),
        champion)
    epochs = plan.epochs if plan.epochs is not None else (10 if plan.quick else 30)
    r = Resolved(plan, task, comparison, methods, layers, sparsities, budget, options, champion,
                 epochs)
    r.search_hp = search_settings(r)
    return r


def search_settings(r: Resolved) -> Hyperparameters:
    """The settings of a comparison's fresh WANN search."""
    from wann.families import family_of

    p = r.plan
    hp = r.family.search_settings(r, family_of(r.task))
    if p.search_generations is not None:
        hp = hp.replace(generations=p.search_generations)
    if p.search_pop_size is not None:
        hp = hp.replace(pop_size=p.search_pop_size)
    return hp


def search_checkpoint(r: Resolved, out: Path, seed: int) -> ckp.Checkpoint | None:
    """The checkpoint a stopped comparison left in its search folder, if it is this search's
    (another search there is an error: nothing is overwritten)."""
    path = out / layout.CHECKPOINT
    ckpt = ckp.load(path) if path.is_file() else None
    if ckpt is not None and (ckpt.seed, ckpt.hp, ckpt.task) == (seed, r.search_hp, r.task.name):
        return ckpt
    if ckpt is not None or layout.holds_run(out):
        raise WannError(f"{str(out)!r} holds another search; move it away or choose another "
                        "{out}")
    return None


def fresh_search(r: Resolved, ev: object, out: Path | None, seed: int,
                 progress: Progress) -> tuple[Genome, int]:
    """Run a WANN search; its champion and the episode steps it spent (upper bound), the
    champion re-tests included. A search folder left by a stopped comparison resumes from
    its checkpoint; a finished one is read (then `ev` may be None)."""
    from wann.reporters import ProgressReporter
    from wann.run import Run

    hp = r.search_hp
    ckpt = search_checkpoint(r, out, seed) if out is not None else None
    if ckpt is not None and ckpt.generation >= hp.generations:
        progress.line(f"the search in {out} is finished: read")
        best, rows = ckpt.search.best_ever, ckpt.rows
    else:
        if ckpt is not None:
            progress.line(f"resuming the search in {out} from generation {ckpt.generation}")
            run = Run.resume(ckpt, r.task, ev, out, [ProgressReporter()])
        else:
            run = Run.new(r.task, hp, ev, out, seed, [ProgressReporter()])
        run.run()
        best, rows = run.search.best_ever, run.rows
    rollouts = hp.generations * hp.pop_size * len(hp.weights) * hp.n_reps
    rollouts += sum(int(row["retest_rollouts"]) for row in rows)
    return best, rollouts * r.task.max_steps


def finished_rows(folder: Path, seed: int, settings: dict) -> list[Row] | None:
    """The rows of a comparison already in `folder` for this seed and these settings; None
    where the folder holds none; an error where it holds a different one."""
    path = folder / "compare.json"
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
        held = record.get("settings")
        rows = [row_from_record(r) for r in record["rows"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WannError(f"{str(path)!r} is not a readable comparison ({exc}); move it away "
                        "or choose another {out}") from None
    if held is None or record.get("seed") != seed:
        raise WannError(f"{str(folder)!r} already holds a comparison (seed "
                        f"{record.get('seed')}); choose another {{out}}")

    def same(k: str) -> bool:
        a, b = settings.get(k), held.get(k)
        if k == "methods" and isinstance(a, list) and isinstance(b, list):
            return sorted(a) == sorted(b)
        return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)

    differ = sorted(k for k in settings.keys() | held.keys() if not same(k))
    if differ:
        raise WannError(f"{str(folder)!r} holds a comparison made with other settings "
                        f"({', '.join(differ)}); choose another {{out}}")
    return rows


@dataclass
class StudyResult:
    """A finished study: per seed its rows, and over seeds the typed aggregate table."""

    task: str
    family: str
    seeds: list[int]
    per_seed: list[list[Row]]
    table: list[AggregateRow]
    out: Path | None
    text: str = ""  # the printed table: one seed's rows, or the aggregate's markdown
    reports: dict[int, dict] = field(default_factory=dict)


def _evaluators(r: Resolved, todo: list[tuple[int, Path | None]]) -> tuple[object, object]:
    """The comparison's evaluator and that of the searches still to run (the same unless
    the search backend differs); made before any work, so that a missing GPU is one line."""
    from wann.evaluation import make_evaluator

    p = r.plan
    if not todo:
        return None, None
    ev = make_evaluator(r.task, p.backend, p.workers, fast_math=p.fast_math)
    search_backend = p.search_backend or p.backend
    searching = r.champion is None and any(
        f is None or (c := search_checkpoint(r, f / "search", s)) is None
        or c.generation < r.search_hp.generations for s, f in todo)
    if not searching or search_backend == p.backend:
        return ev, ev
    try:
        return ev, make_evaluator(r.task, search_backend, p.workers, fast_math=p.fast_math)
    except BaseException:
        ev.close()
        raise


def _one_seed(r: Resolved, seed: int, folder: Path | None, ev: object, search_ev: object,
              progress: Progress) -> tuple[list[Row], dict]:
    wann, steps, weights = r.champion, None, STANDARD_WEIGHTS
    if wann is None:
        wann, steps = fresh_search(r, search_ev, None if folder is None else folder / "search",
                                   seed, progress)
        weights = r.search_hp.weights
    try:
        result = compare_seed(r.family, r, r.task, r.methods, r.layers, wann, steps, weights,
                              seed, ev, folder, progress,
                              {"budget": asdict(r.budget), "settings": r.settings()})
    except OSError as exc:
        from wann.run import OutputError

        raise OutputError(
            f"cannot write the comparison in {str(folder)!r}: {exc.strerror or exc}"
            + (f" ({exc.filename})" if exc.filename else "")
            + "; the trainings finished so far stay in its .cma-journal/ and the same command "
            "resumes after them") from exc
    return result.rows, result.reports


def run_study(plan: ComparePlan, out: str | Path | None = None,
              progress: Progress | None = None) -> StudyResult:
    """Run (or read back, or resume) every seed of a comparison and aggregate them: the
    plan is checked whole first, and a setting that does not apply is one WannError.

    Examples:
        >>> import wann
        >>> plan = wann.ComparePlan(task="digits", methods=("pruned",), sparsities=(0.9,),
        ...                         dense_hidden=(8,), epochs=1, episodes=2, seeds=(0, 1),
        ...                         search_generations=2)
        >>> study = wann.run_study(plan)
        >>> [row.name for row in study.table]
        ['WANN (fresh search)', 'dense 64-8-10', 'pruned 90%']
        >>> study.table[2].connections.mean, study.table[2].n_seeds
        (59.0, 2)
        >>> wann.run_study(wann.ComparePlan(task="digits", generations=5))
        Traceback (most recent call last):
        wann.WannError: generations does not apply to classification tasks such as 'digits'
    """
    r = resolve(plan)
    progress = progress or Progress(quiet=True)
    seeds = list(plan.seeds)
    several = plan.several or len(seeds) > 1
    base = None if out is None else Path(out)
    folders: list[Path | None] = ([seed_dir(base, s) for s in seeds] if several and base
                                  else [base] * len(seeds))
    if base is not None:
        for folder in [base, *folders]:
            check_writable(folder)
    lock = RunLock(base).acquire() if base is not None else None
    try:
        settings = r.settings()
        done = {s: finished_rows(f, s, settings) if f is not None else None
                for s, f in zip(seeds, folders)}
        if not several and done[seeds[0]] is not None:
            raise WannError(f"{str(base)!r} already holds a comparison; choose another {{out}}")
        todo = [(s, f) for s, f in zip(seeds, folders) if done[s] is None]
        reused = [s for s in seeds if done[s] is not None]
        reports: dict[int, dict] = {}
        side_by_side = plan.seed_jobs > 1 and len(todo) > 1 and base is not None
        ev, search_ev = _evaluators(r, todo)
        if side_by_side:
            for e in {id(e): e for e in (ev, search_ev) if e is not None}.values():
                e.close()  # made and closed only to refuse a missing GPU up front
            ev = search_ev = None
        try:
            made = run_seeds(
                [(s, f if f != base else None) for s, f in todo],
                lambda seed, held: _one_seed(r, seed, folders[seeds.index(seed)], ev,
                                             search_ev, progress),
                progress, plan.seed_jobs, partial(_compare_child, plan), plan.workers,
                "compare.log")
        finally:
            for e in {id(e): e for e in (ev, search_ev) if e is not None}.values():
                e.close()
        for seed, _ in todo:
            if made[seed] is not None:
                done[seed], reports[seed] = made[seed]
            else:
                done[seed] = finished_rows(folders[seeds.index(seed)], seed, settings)
                if done[seed] is None:
                    raise WannError(f"seed {seed} left no comparison in "
                                    f"{str(folders[seeds.index(seed)])!r}")
        if reused:
            progress.line(f"seeds {', '.join(map(str, reused))}: read from their folders")
        per_seed = [done[s] for s in seeds]
        style = r.family.style
        if several:
            table, text = compare_aggregate(base, style, r.task.name, seeds, per_seed,
                                            curve_labels(r.methods), plan.episodes,
                                            r.family.ratios)
            if base is not None:
                write_files(base, r.family.study_files(
                    r.task.name, {s: folders[seeds.index(s)] for s in seeds}))
        else:
            from wann.comparison.aggregate import aggregate_rows

            table, text = aggregate_rows(style, per_seed), print_rows(style, per_seed[0])
        return StudyResult(r.task.name, r.family.name, seeds, per_seed, table, base, text,
                           reports)
    finally:
        if lock is not None:
            lock.release()


def compare(task: str | None = None, methods: Sequence[str] | None = None,
            seeds: Sequence[int] = (0,), *, out: str | Path | None = None,
            progress: Progress | None = None, **settings: object) -> StudyResult:
    """`wann compare` from Python: a study of the WANN against the sparse networks of the
    pruning literature over `seeds`, each row's columns aggregated over seeds (`table`: one
    `AggregateRow` per row, with its intervals and connections). `settings` are ComparePlan's
    fields (champion, sparsities, quick, epochs, budget, ...); files only with `out`.

    Examples:
        >>> import wann
        >>> study = wann.compare("digits", ["lottery"], seeds=[3], sparsities=[0.5, 0.9],
        ...                      dense_hidden=[8], epochs=1, episodes=2, search_generations=2)
        >>> [(r.name, r.family) for r in study.per_seed[0]][1:]
        [('dense 64-8-10', 'dense'), ('lottery ticket 50%', 'lottery'),
         ('lottery ticket 90%', 'lottery')]
        >>> 0.0 <= study.table[0].cells["ensemble"].mean <= 1.0
        True
    """
    if isinstance(methods, str):
        methods = [methods]
    for k in ("sparsities", "hidden", "dense_hidden", "noise_levels"):
        if settings.get(k) is not None:
            settings[k] = tuple(settings[k])
    try:
        plan = ComparePlan(task=task, methods=None if methods is None else tuple(methods),
                           seeds=tuple(int(s) for s in seeds), **settings)
    except TypeError as exc:
        raise WannError(f"compare: {exc}") from None
    return run_study(plan, out, progress)


def _compare_child(plan: ComparePlan, seed: int, folder: Path, workers: int) -> None:
    """One seed of a study, in a process of its own (wann.seedjobs): the same folder as a
    separate `run_study` of that seed."""
    run_study(replace(plan, seeds=(seed,), several=False, seed_jobs=1, workers=workers),
              folder, Progress())


def redraw_curves(folder: str | Path, wann_runs: Sequence[str | Path] = (),
                  out: str | Path | None = None, svg: bool = False) -> list[Path]:
    """A comparison folder's sparsity curves drawn again from its curves.csv (curves.png, in
    `out` or the folder). With `wann_runs`, classification run folders whose champions were
    scored by `wann eval --random --json > eval.json` and `wann tune` (tune.json), those
    champions stand for the WANN instead (curves-wann.png): a search of its own, at its own
    scale, on the same axes."""
    from wann.families import family_of
    from wann.methods import registered
    from wann.plotting.curves import (
        SINGLE,
        WANN_POINTS,
        champion_points,
        curves_figure,
        curves_title,
        read_points,
    )

    folder = Path(folder)
    points = read_points(folder / "curves.csv")
    records = sorted(folder.glob("compare.json")) or sorted(folder.glob("seed-*/compare.json"))
    if not records:
        raise WannError(f"{str(folder)!r} holds no comparison (compare.json)")
    task = json.loads(records[0].read_text())["task"]
    unit = FAMILIES[family_of(task).name].style.unit
    wann = {w for w, _, _ in WANN_POINTS}
    present = {p["method"] for p in points}
    labels = {m.name: m.title for m in registered() if m.curve and m.name in present}
    # a curve of a method this wann does not register keeps its name as its label
    labels.update({m: m for m in sorted(present - wann - {n for n, _ in SINGLE.values()}
                                        - {m.name for m in registered()})})
    title = curves_title(task, unit, sorted({p["seed"] for p in points}))
    name = "curves"
    if wann_runs:
        points = [p for p in points if p["method"] not in wann]
        for i, run in enumerate(wann_runs):
            run = Path(run)
            try:
                ev = json.loads((run / "eval.json").read_text())
                tune = json.loads((run / "tune.json").read_text())
            except (OSError, ValueError) as exc:
                raise WannError(f"{str(run)!r}: needs eval.json (wann eval --random --json) "
                                f"and tune.json (wann tune): {exc}") from None
            if "random_shared_weight" not in ev or "tuned_weights" not in tune:
                raise WannError(f"{str(run)!r}: eval.json or tune.json is not a "
                                "classification champion's (wann eval --random --json)")
            points += champion_points(ev, tune, i)
        k = len(wann_runs)
        title += f"; WANN: {k} {ev['task']} champion{'s' if k > 1 else ''}"
        name = "curves-wann"
    fig = curves_figure(points, labels, title, unit)
    target = Path(out) if out is not None else folder
    target.mkdir(parents=True, exist_ok=True)
    paths = [target / f"{name}.{ext}" for ext in ("png", "svg")[: 2 if svg else 1]]
    for path in paths:
        fig.savefig(path, dpi=120)
    return paths
