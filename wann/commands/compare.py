"""`wann compare`: the paper's table, WANN against dense, pruned, lottery-ticket and random
networks, all scored by one protocol."""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from wann import WannError
from wann.baselines.dense import dense_layers
from wann.baselines.methods import SparsityOptions, method_names, select_methods
from wann.baselines.noise import DEFAULT_LEVELS
from wann.baselines.prune import check_sparsity
from wann.classify import compare as classify_compare
from wann.commands import argtypes
from wann.compare import COLUMNS, DEFAULT_SPARSITIES, PAPER, QUICK, Budget, run_compare
from wann.config import preset
from wann.evaluation import BACKENDS, make_evaluator
from wann.genome import Genome
from wann.io import load_genome
from wann.outdir import check_writable
from wann.progress import Progress
from wann.reporters import ProgressReporter
from wann.run import Run
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
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        NAME, help="compare WANN with dense, pruned and random networks", epilog=EXAMPLES,
        description=(
            "Train a dense network by CMA-ES, derive pruned, lottery-ticket, signed-constant, "
            "supermask and random-mask networks from it, and score every row, WANN included, "
            "on the same test episodes: random weights, random shared weight, tuned shared "
            "weight, tuned weights. Writes table.md, compare.csv and compare.png."
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
    p.add_argument("--quick", action="store_true", help="a small budget (a few minutes)")
    p.add_argument("--sparsities", type=float, nargs="+", default=list(DEFAULT_SPARSITIES),
                   help="sparsities of the pruned and random rows (0.5 0.8 0.9 0.95)")
    p.add_argument("--hidden", type=int, nargs="+", help="hidden layer sizes of the dense net "
                   "(swingup: 10)")
    p.add_argument("--generations", type=int, help="CMA-ES generations of dense training, "
                   "each lottery round and each random mask")
    p.add_argument("--finetune-generations", type=int, help="CMA-ES generations of fine-tuning")
    p.add_argument("--tune-generations", type=int, help="CMA-ES generations of WANN tuning")
    p.add_argument("--rollouts", type=int, help="episodes per CMA-ES candidate")
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
    p.add_argument("--seed", type=argtypes.seed, default=0, help="seed of everything")
    p.add_argument("--out", help="output folder (default results/compare-<task>-<time>)")
    p.add_argument("--fast-math", action="store_true",
                   help="compiled backend: fast math and vector sin/cos/exp/tanh (faster; "
                   "returns differ from the exact ones by rounding)")
    p.add_argument("--backend", default="auto", choices=BACKENDS)
    p.add_argument("--workers", type=int, help="threads (compiled), processes or Dask workers "
                   "(default 1; a local Dask cluster: one per core)")
    classify_compare.add_arguments(p)  # --data, --epochs (classification)
    p.set_defaults(func=run)


def budget_from(args: argparse.Namespace) -> Budget:
    b = QUICK if args.quick else PAPER
    for flag in ("generations", "finetune_generations", "tune_generations", "rollouts"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise WannError(f"--{flag.replace('_', '-')} must be at least 1, got {value}")
    r = {} if args.rollouts is None else {"rollouts": args.rollouts}
    g = {} if args.generations is None else {"generations": args.generations}
    ft = {} if args.finetune_generations is None else {"generations": args.finetune_generations}
    tg = {} if args.tune_generations is None else {"generations": args.tune_generations}
    return replace(
        b,
        dense=b.dense.replace(**g, **r),
        retrain=b.retrain.replace(**g, **r),
        finetune=b.finetune.replace(**ft, **r),
        tune=b.tune.replace(**tg, **r),
        search_preset=args.search_preset or b.search_preset,
    )


def fresh_search(task: Task, ev, budget: Budget, out: Path, seed: int):  # noqa: ANN001, ANN201
    """Run a WANN search; return its champion and the episode steps it spent (upper bound)."""
    hp = preset(budget.search_preset).replace(task=task.name)
    r = Run.new(task, hp, ev, out, seed, [ProgressReporter()])
    r.run()
    rollouts = hp.generations * hp.pop_size * len(hp.weights) * hp.n_reps
    return r.search.best_ever, rollouts * task.max_steps


def run(args: argparse.Namespace) -> int:
    if classify_compare.wanted(args):  # digits, mnist: wann.classify.compare
        return classify_compare.run_classify_compare(args)
    if args.episodes < 1:
        raise WannError(f"--episodes must be at least 1, got {args.episodes}")
    sparsities = [check_sparsity(s) for s in args.sparsities]
    budget = budget_from(args)
    if args.tuned and not args.champion:
        raise WannError("--tuned goes with --champion")
    task_name = args.task
    if task_name is None and args.champion and not args.champion.endswith(".out"):
        task_name = load_genome(args.champion).meta.get("task")
    task = get_task(task_name or "swingup")
    layers = dense_layers(task, args.hidden)
    champion: Genome | None = None
    if args.champion:
        champion = load_genome(args.champion, task.name, task.n_in, task.n_out, args.tuned)
        check_task_fits(task, champion.n_in, champion.n_out, f"champion {args.champion}")
        if champion.n_enabled == 0:
            raise WannError(f"champion {args.champion} has no enabled connection")
    opts = SparsityOptions(tuple(args.noise_levels), args.noise_episodes, args.kwta_k,
                           args.episodes)
    baselines = select_methods(args.methods, layers, opts)
    out = Path(args.out or f"results/compare-{task.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    if (out / "compare.csv").exists():
        raise WannError(f"{str(out)!r} already holds a comparison; choose another --out")
    check_writable(out)
    ev = make_evaluator(task, args.backend, args.workers, fast_math=args.fast_math)
    progress = Progress()
    t0 = time.perf_counter()
    try:
        steps = None
        if champion is None:
            champion, steps = fresh_search(task, ev, budget, out / "search", args.seed)
        rows = run_compare(ev, task, champion, steps, layers, budget, sparsities, args.seed,
                           args.episodes, out, progress, baselines)
    finally:
        ev.close()
        progress.close()
    width = max(len(r.name) for r in rows)
    print(f"{'model':<{width}}  " + "  ".join(f"{label:>20}" for _, label in COLUMNS))
    for r in rows:
        cells = "  ".join(
            f"{r.scores[k]['mean']:>11.1f} ± {r.scores[k]['std']:>6.1f}" for k, _ in COLUMNS
        )
        print(f"{r.name:<{width}}  {cells}")
    print(f"wrote {out / 'table.md'}, compare.csv, compare.png "
          f"({time.perf_counter() - t0:.0f} s)")
    return 0
