"""`wann compare`: the paper's table, WANN against dense, pruned, lottery-ticket and random
networks, all scored by one protocol."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from wann import WannError
from wann import checkpoint as ckp
from wann.aggregate import compare_aggregate
from wann.baselines.dense import dense_layers, start_layers
from wann.baselines.methods import SparsityOptions, method_names, select_methods
from wann.baselines.noise import DEFAULT_LEVELS
from wann.baselines.prune import check_sparsity
from wann.classify import compare as classify_compare
from wann.commands import argtypes
from wann.compare import (
    COLUMNS,
    DEFAULT_SPARSITIES,
    PAPER,
    QUICK,
    Budget,
    Row,
    check_grid,
    curve_labels,
    row_from_record,
    run_compare,
)
from wann.config import Hyperparameters, preset
from wann.evaluation import BACKENDS, make_evaluator
from wann.genome import Genome
from wann.io import load_genome
from wann.layout import CHECKPOINT, holds_run
from wann.outdir import check_writable
from wann.progress import Progress
from wann.reporters import ProgressReporter
from wann.run import Run
from wann.seeds import add_seeds_flag, seed_dir
from wann.tasks import Task, check_task_fits, get_task

NAME = "compare"
ORDER = 3
EXAMPLES = """examples:
  wann compare --quick --champion ../shared/reference/champions/swing.out --workers 2
  wann compare --champion ../shared/reference/champions/swing.out \\
      --tuned ../shared/reference/tuned/cartpole_swingup.wann.json --out results/compare-ref
  wann compare --task swingup --quick                  # WANN from a fresh (quick) search
  wann compare --champion champion.json --sparsities 0.5 0.9 --hidden 16
  wann compare --task digits --champion results/digits/champion.json   # accuracy columns
  wann compare --quick --champion champion.json --methods obd structured_scratch noise
  wann compare --quick --champion champion.json --methods all --noise-levels 0 0.2 0.5
  wann compare --champion champion.json --sparsities 0.5 0.9 0.99 --dense-hidden 32 32
  wann compare --task swingup --seeds 0-2 --out results/compare3   # seed-N/ + aggregate
  wann compare --task swingup --seeds 0-2 --search-backend cuda --workers 16 --out results/c3
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        NAME, help="compare WANN with dense, pruned and random networks", epilog=EXAMPLES,
        description=(
            "Train the paper's dense network and an over-parameterized dense start by CMA-ES, "
            "derive pruned, lottery-ticket, signed-constant, supermask and random-mask networks "
            "from the start over a sparsity sweep, and score every row, WANN included, on the "
            "same test episodes: random weights, random shared weight, tuned shared weight, "
            "tuned weights. Writes table.md, compare.csv, compare.png and the sparsity curves "
            "(curves.png, curves.csv); with --seeds, one folder per seed and the aggregate."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--task", help="task (default: the champion's own, else swingup)")
    p.add_argument("--champion", help="WANN genome JSON or reference *.out (default: a fresh "
                   "search); its weights are tuned by CMA-ES unless it carries tuned ones "
                   "(wann tune's tuned.json, or --tuned)")
    p.add_argument("--tuned", help="reference tuned weights (*.wann.json) for a *.out champion")
    p.add_argument("--search-preset", help="settings of the fresh search (default: quick with "
                   "--quick, else laptop_swing)")
    p.add_argument("--search-generations", type=int, help="generations of the fresh search "
                   "(default: the preset's)")
    p.add_argument("--search-pop-size", type=int, help="population of the fresh search "
                   "(default: the preset's)")
    p.add_argument("--quick", action="store_true", help="a small budget (a few minutes)")
    p.add_argument("--sparsities", type=float, nargs="+", default=list(DEFAULT_SPARSITIES),
                   help="sparsities of the pruned and random rows, each in [0, 1) "
                   f"({' '.join(f'{x:g}' for x in DEFAULT_SPARSITIES)})")
    p.add_argument("--hidden", type=int, nargs="+", help="hidden layer sizes of the paper's "
                   "fixed-topology row (swingup: 10)")
    p.add_argument("--dense-hidden", type=int, nargs="+", help="hidden layer sizes of the "
                   "over-parameterized dense start the pruning rows derive from (swingup: 64 64)")
    p.add_argument("--lottery-rate", type=float, default=0.2,
                   help="share of live weights each lottery round prunes (0.2)")
    p.add_argument("--generations", type=int, help="CMA-ES generations of dense training "
                   "(both dense nets), each lottery round and each random mask")
    p.add_argument("--finetune-generations", type=int, help="CMA-ES generations of fine-tuning")
    p.add_argument("--tune-generations", type=int, help="CMA-ES generations of WANN tuning")
    p.add_argument("--rollouts", type=int, help="episodes per CMA-ES candidate")
    p.add_argument("--grid", type=int, help="shared-weight sweep points over [-2, 2] (81)")
    p.add_argument("--sweep-episodes", type=int, help="training episodes per sweep point "
                   "(32; 16 with --quick)")
    p.add_argument("--episodes", type=int, default=100, help="test episodes per column (100)")
    p.add_argument("--methods", nargs="+", metavar="NAME",
                   help="families to run (default: the standard ones): "
                   f"{', '.join(method_names())}; 'standard' or 'all'")
    p.add_argument("--noise-levels", type=float, nargs="+", default=list(DEFAULT_LEVELS),
                   metavar="SD", help="observation noise sds of the noise method "
                   f"({' '.join(f'{v:g}' for v in DEFAULT_LEVELS)})")
    p.add_argument("--noise-episodes", type=int, default=20,
                   help="episodes per network and noise level (20; serial evaluator)")
    p.add_argument("--kwta-k", type=int, help="winners per hidden layer of the kwta method "
                   "(default: half the narrowest hidden layer)")
    p.add_argument("--seed", type=argtypes.seed, help="seed of everything (0)")
    add_seeds_flag(p)
    p.add_argument("--out", help="output folder (default results/compare-<task>-<time>)")
    p.add_argument("--fast-math", action="store_true",
                   help="compiled backend: fast math and vector sin/cos/exp/tanh (faster; "
                   "returns differ from the exact ones by rounding)")
    p.add_argument("--backend", default="auto", choices=BACKENDS)
    p.add_argument("--seed-jobs", type=int, default=1, metavar="N",
                   help="with --seeds: run N seeds at a time, each in a process of its own with "
                   "--workers/N threads (1; CMA-ES's serial share leaves many threads idle, "
                   "which a second seed fills); each seed logs to its folder's compare.log")
    p.add_argument("--search-backend", choices=BACKENDS,
                   help="backend of the fresh WANN search (default: --backend); e.g. cuda, "
                   "while the CMA-ES training runs on --backend")
    p.add_argument("--workers", type=int, help="threads (compiled), processes or Dask workers "
                   "(default 1; a local Dask cluster: one per core)")
    classify_compare.add_arguments(p)  # --data, --epochs (classification)
    p.set_defaults(func=run)


def budget_from(args: argparse.Namespace) -> Budget:
    b = QUICK if args.quick else PAPER
    for flag in ("generations", "finetune_generations", "tune_generations", "rollouts",
                 "search_generations"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise WannError(f"--{flag.replace('_', '-')} must be at least 1, got {value}")
    if args.search_pop_size is not None and args.search_pop_size < 8:
        raise WannError(f"--search-pop-size must be at least 8, got {args.search_pop_size}")
    r = {} if args.rollouts is None else {"rollouts": args.rollouts}
    g = {} if args.generations is None else {"generations": args.generations}
    ft = {} if args.finetune_generations is None else {"generations": args.finetune_generations}
    tg = {} if args.tune_generations is None else {"generations": args.tune_generations}
    for flag in ("grid", "sweep_episodes"):
        value = getattr(args, flag)
        if value is not None and value < 2 - (flag == "sweep_episodes"):
            raise WannError(f"--{flag.replace('_', '-')} must be at least "
                            f"{2 - (flag == 'sweep_episodes')}, got {value}")
    sweep = {k: getattr(args, k) for k in ("grid", "sweep_episodes") if getattr(args, k)}
    return replace(
        b,
        **sweep,
        start=b.start_cma.replace(**g, **r),
        dense=b.dense.replace(**g, **r),
        retrain=b.retrain.replace(**g, **r),
        finetune=b.finetune.replace(**ft, **r),
        tune=b.tune.replace(**tg, **r),
        search_preset=args.search_preset or b.search_preset,
        search_generations=args.search_generations,
        search_pop_size=args.search_pop_size,
    )


def search_hp(task: Task, budget: Budget) -> Hyperparameters:
    """The settings of a comparison's fresh WANN search."""
    hp = preset(budget.search_preset).replace(task=task.name)
    if budget.search_generations is not None:
        hp = hp.replace(generations=budget.search_generations)
    if budget.search_pop_size is not None:
        hp = hp.replace(pop_size=budget.search_pop_size)
    return hp


def search_checkpoint(task: Task, budget: Budget, out: Path, seed: int) -> ckp.Checkpoint | None:
    """The checkpoint a stopped comparison left in its search folder, if it is this search's
    (another search there is an error: nothing is overwritten)."""
    path = out / CHECKPOINT
    ckpt = ckp.load(path) if path.is_file() else None
    if ckpt is not None and (ckpt.seed, ckpt.hp, ckpt.task) == (
            seed, search_hp(task, budget), task.name):
        return ckpt
    if ckpt is not None or holds_run(out):
        raise WannError(f"{str(out)!r} holds another search; move it away or choose "
                        "another --out")
    return None


def fresh_search(task: Task, ev, budget: Budget, out: Path, seed: int,  # noqa: ANN001, ANN201
                 progress: Progress | None = None):
    """Run a WANN search; return its champion and the episode steps it spent (upper bound),
    the champion re-tests (best_reps episodes per weight each generation) included. A search
    folder left by a stopped comparison resumes from its checkpoint; a finished one is read
    (and then needs no evaluator: `ev` may be None)."""
    hp = search_hp(task, budget)
    ckpt = search_checkpoint(task, budget, out, seed)
    if ckpt is not None and ckpt.generation >= hp.generations:
        (progress or Progress(quiet=True)).line(f"the search in {out} is finished: read")
        best, rows = ckpt.search.best_ever, ckpt.rows
    else:
        if ckpt is not None:
            (progress or Progress(quiet=True)).line(
                f"resuming the search in {out} from generation {ckpt.generation}")
            r = Run.resume(ckpt, task, ev, out, [ProgressReporter()])
        else:
            r = Run.new(task, hp, ev, out, seed, [ProgressReporter()])
        r.run()
        best, rows = r.search.best_ever, r.rows
    rollouts = hp.generations * hp.pop_size * len(hp.weights) * hp.n_reps
    rollouts += sum(int(row["retest_rollouts"]) for row in rows)
    return best, rollouts * task.max_steps


def study_settings(args: argparse.Namespace, task: Task, budget: Budget,
                   sparsities: list[float], baselines: list, paper: list[int],
                   start: list[int]) -> dict:
    """Everything that makes one seed's comparison what it is (the seed aside): a seed folder
    is reused only where its record holds the same."""
    return {
        "task": task.name, "episodes": args.episodes, "budget": asdict(budget),
        "sparsities": [float(x) for x in sparsities],
        "methods": [b.name for b in baselines], "paper_layers": list(paper),
        "start_layers": list(start), "lottery_rate": float(args.lottery_rate),
        "champion": args.champion, "tuned": args.tuned, "fast_math": bool(args.fast_math),
        "backend": args.backend, "search_backend": args.search_backend or args.backend,
    }


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
                        "or choose another --out") from None
    if held is None or record.get("seed") != seed:
        raise WannError(f"{str(folder)!r} already holds a comparison (seed "
                        f"{record.get('seed')}); choose another --out")
    differ = sorted(k for k in settings.keys() | held.keys()
                    if json.dumps(settings.get(k), sort_keys=True)
                    != json.dumps(held.get(k), sort_keys=True))
    if differ:
        raise WannError(f"{str(folder)!r} holds a comparison made with other settings "
                        f"({', '.join(differ)}); choose another --out")
    return rows


def evaluators(args: argparse.Namespace, task: Task, budget: Budget, searching: bool,
               todo: list[tuple[int, Path]]) -> tuple[object, object]:
    """The comparison's evaluator and the one of the searches still to run (the same unless
    --search-backend differs), or (None, None) when every seed is already made. Made before
    any work, so that a missing GPU is one error line, not a failure after the first seeds."""
    if not todo:
        return None, None
    ev = make_evaluator(task, args.backend, args.workers, fast_math=args.fast_math)
    search_backend = args.search_backend or args.backend
    searching = searching and any(
        (c := search_checkpoint(task, budget, f / "search", s)) is None
        or c.generation < search_hp(task, budget).generations for s, f in todo)
    if not searching or search_backend == args.backend:
        return ev, ev
    try:
        return ev, make_evaluator(task, search_backend, args.workers, fast_math=args.fast_math)
    except BaseException:
        ev.close()
        raise


def run_seed_jobs(args: argparse.Namespace, todo: list[tuple[int, Path]]) -> None:
    """Make the seeds in `todo`, args.seed_jobs at a time, each as `--seed N --out OUT/seed-N`
    in a process of its own (the same folder as a separate run: every backend but the GPU's
    gives the same bits whatever its thread count). Ctrl-C stops them all, their finished
    trainings kept for a resume; a failed seed is one error line naming its log."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    per = max(1, (args.workers or 1) // args.seed_jobs)
    waiting, running, failed = list(todo), [], []
    # A child inherits an ignored SIGINT (a background job's) but not Python's handler.
    interruptible = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    progress = Progress()
    try:
        while waiting or running:
            while waiting and len(running) < args.seed_jobs:
                seed, folder = waiting.pop(0)
                child = argparse.Namespace(**vars(args))
                child.seeds, child.seed, child.out, child.workers = None, seed, str(folder), per
                child.seed_jobs = 1
                folder.mkdir(parents=True, exist_ok=True)
                proc = ctx.Process(target=_seed_child,
                                   args=(child, str(folder / "compare.log"), interruptible))
                proc.start()
                progress.line(f"seed {seed}: started ({per} worker{'s' * (per > 1)}), "
                              f"logging to {folder / 'compare.log'}")
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
        # Ctrl-C (or SIGTERM) here is passed on, once, to every seed: each stops as a single
        # run does (a search writes its checkpoint, finished trainings stay in the journal).
        # The children have process groups of their own, so a terminal's Ctrl-C reaches
        # them only this way.
        for _, _, proc in running:
            if proc.is_alive():
                os.kill(proc.pid, signal.SIGINT)
        for _, _, proc in running:
            proc.join(timeout=60)
        raise
    finally:
        for _, _, proc in running:
            if proc.is_alive():
                proc.terminate()
            proc.join()
        progress.close()
    if failed:
        seed, folder, code = failed[0]
        raise WannError(f"seed {seed} failed (exit {code}): {_last_line(folder / 'compare.log')}")


def _seed_child(args: argparse.Namespace, log: str,
                interruptible: bool) -> None:  # pragma: no cover - a child
    """One seed of --seed-jobs: its messages go to its folder's compare.log; Ctrl-C stops it
    where it stops the parent (which passes it on)."""
    from wann.cli import run_parsed

    os.setpgrp()  # Ctrl-C at the terminal goes to the parent, which passes it on once
    if interruptible:
        signal.signal(signal.SIGINT, signal.default_int_handler)

    with open(log, "a", buffering=1) as f:
        sys.stdout = sys.stderr = f
        code = run_parsed(args)
    sys.exit(code)


def _last_line(path: Path) -> str:
    try:
        lines = [x for x in path.read_text().replace("\r", "\n").splitlines() if x.strip()]
    except OSError:
        return "(no log)"
    return lines[-1] if lines else "(empty log)"


def print_rows(rows: list[Row]) -> None:
    """One seed's table on stdout."""
    width = max(len(r.name) for r in rows)
    print(f"{'model':<{width}}  " + "  ".join(f"{label:>20}" for _, label in COLUMNS))
    for r in rows:
        cells = "  ".join(
            f"{r.scores[k]['mean']:>11.1f} ± {r.scores[k]['std']:>6.1f}" for k, _ in COLUMNS
        )
        print(f"{r.name:<{width}}  {cells}")


def run(args: argparse.Namespace) -> int:
    if classify_compare.wanted(args):  # digits, mnist: wann.classify.compare
        if args.seeds is not None:
            raise WannError("--seeds runs the control tasks' comparison over several seeds; a "
                            "classification comparison takes one --seed")
        args.seed = args.seed or 0
        return classify_compare.run_classify_compare(args)
    if args.episodes < 1:
        raise WannError(f"--episodes must be at least 1, got {args.episodes}")
    if args.seeds is not None and args.seed is not None:
        raise WannError("give --seed or --seeds, not both")
    if args.seed_jobs < 1:
        raise WannError(f"--seed-jobs must be at least 1, got {args.seed_jobs}")
    if args.seed_jobs > 1 and "dask" in (args.backend, args.search_backend):
        raise WannError("--seed-jobs runs seeds in processes of their own; the dask backend "
                        "already spreads one seed over its cluster: give --seed-jobs 1")
    if not 0.0 < args.lottery_rate < 1.0:
        raise WannError(f"--lottery-rate must lie in (0, 1), got {args.lottery_rate}")
    sparsities = [check_sparsity(s) for s in args.sparsities]
    budget = budget_from(args)
    if args.tuned and not args.champion:
        raise WannError("--tuned goes with --champion")
    task_name = args.task
    if task_name is None and args.champion and not args.champion.endswith(".out"):
        task_name = load_genome(args.champion).meta.get("task")
    task = get_task(task_name or "swingup")
    paper = dense_layers(task, args.hidden)
    start = start_layers(task, args.dense_hidden)
    champion: Genome | None = None
    if args.champion:
        champion = load_genome(args.champion, task.name, task.n_in, task.n_out, args.tuned)
        check_task_fits(task, champion.n_in, champion.n_out, f"champion {args.champion}")
        if champion.n_enabled == 0:
            raise WannError(f"champion {args.champion} has no enabled connection")
    opts = SparsityOptions(tuple(args.noise_levels), args.noise_episodes, args.kwta_k,
                           args.episodes)
    baselines = select_methods(args.methods, start, opts)
    sparsities = check_grid(start, sparsities,
                            None if champion is None else champion.n_enabled)
    out = Path(args.out or f"results/compare-{task.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    seeds = args.seeds if args.seeds is not None else [args.seed or 0]
    folders = [seed_dir(out, s) for s in seeds] if args.seeds is not None else [out]
    settings = study_settings(args, task, budget, sparsities, baselines, paper, start)
    # A seed folder that already holds this comparison (same settings) is read, not rerun:
    # seeds can be made by separate commands or machines, or a study resumed after a stop.
    done = {s: finished_rows(f, s, settings) for s, f in zip(seeds, folders)}
    if args.seeds is None and done[seeds[0]] is not None:
        raise WannError(f"{str(out)!r} already holds a comparison; choose another --out")
    for folder in [out, *folders]:
        check_writable(folder)
    todo = [(s, f) for s, f in zip(seeds, folders) if done[s] is None]
    reused = [s for s in seeds if done[s] is not None]
    t0 = time.perf_counter()
    if args.seed_jobs > 1 and len(todo) > 1:
        made = evaluators(args, task, budget, champion is None, todo)
        for e in {id(e): e for e in made}.values():
            e.close()  # made and closed here only to refuse a missing GPU up front
        run_seed_jobs(args, todo)
        for s, f in todo:
            done[s] = finished_rows(f, s, settings)
            if done[s] is None:
                raise WannError(f"seed {s} left no comparison in {str(f)!r}")
        todo = []
    ev, search_ev = evaluators(args, task, budget, champion is None, todo)
    progress = Progress()
    try:
        for seed, folder in todo:
            if len(seeds) > 1:
                progress.line(f"seed {seed}: {folder}")
            wann, steps = champion, None
            if wann is None:
                wann, steps = fresh_search(task, search_ev, budget, folder / "search", seed,
                                          progress)
            done[seed] = run_compare(ev, task, wann, steps, start, budget, sparsities, seed,
                                     args.episodes, folder, progress, baselines,
                                     paper_layers=paper, lottery_rate=args.lottery_rate,
                                     settings=settings)
    finally:
        for e in {id(e): e for e in (ev, search_ev) if e is not None}.values():
            e.close()
        progress.close()
    if reused:
        progress.line(f"seeds {', '.join(map(str, reused))}: read from their folders")
    per_seed = [done[s] for s in seeds]
    if args.seeds is not None:
        text = compare_aggregate(out, task.name, seeds, per_seed, curve_labels(baselines),
                                 args.episodes)
        print(text)
        print(f"wrote {out / 'table.md'}, compare.csv, curves.png, curves.csv and seed-N/ "
              f"({time.perf_counter() - t0:.0f} s)")
        return 0
    print_rows(per_seed[0])
    print(f"wrote {out / 'table.md'}, compare.csv, compare.png, curves.png "
          f"({time.perf_counter() - t0:.0f} s)")
    return 0
