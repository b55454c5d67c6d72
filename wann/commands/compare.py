"""`wann compare`: the paper's table, WANN against dense, pruned, lottery-ticket and random
networks, all scored by one protocol."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from wann.baselines.noise import DEFAULT_LEVELS
from wann.commands import argtypes
from wann.comparison.control import DEFAULT_SPARSITIES
from wann.evaluation import BACKENDS
from wann.families import family_of
from wann.methods import method_names
from wann.progress import Progress
from wann.seeds import add_seeds_flag
from wann.study import ComparePlan, run_study, task_name

NAME = "compare"
ORDER = 3
EXAMPLES = """examples:
  wann compare --quick --champion ../shared/reference/champions/swing.out --workers 2
  wann compare --champion ../shared/reference/champions/swing.out \\
      --tuned ../shared/reference/tuned/cartpole_swingup.wann.json --out results/compare-ref
  wann compare --task swingup --quick                  # WANN from a fresh (quick) search
  wann compare --champion champion.json --sparsities 0.5 0.9 --hidden 16
  wann compare --task digits --champion results/digits/champion.json   # accuracy columns
  wann compare --task digits --quick --seeds 0-2 --methods all --out results/cmp-digits
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
    p.add_argument("--task", type=argtypes.task_name, help="task (default: the champion's own, else swingup)")
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
    p.add_argument("--sparsities", type=float, nargs="+",
                   help="sparsities of the pruned and random rows, each in [0, 1) (control: "
                   f"{' '.join(f'{x:g}' for x in DEFAULT_SPARSITIES)}; classification: "
                   "0.5 0.8 0.9 0.95)")
    p.add_argument("--hidden", type=int, nargs="+", help="hidden layer sizes of the paper's "
                   "fixed-topology row (control tasks; swingup: 10)")
    p.add_argument("--dense-hidden", type=int, nargs="+", help="hidden layer sizes of the "
                   "over-parameterized dense start the pruning rows derive from (swingup: 64 64; "
                   "digits: 100 50; mnist, mnist28: 300 100)")
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
    p.add_argument("--episodes", type=int, default=100, help="test episodes per column "
                   "(classification: random-weight draws) (100)")
    p.add_argument("--methods", nargs="+", metavar="NAME",
                   help="families to run (default: the standard ones): "
                   f"{', '.join(method_names())}; 'standard' or 'all'")
    p.add_argument("--noise-levels", type=float, nargs="+",
                   metavar="LEVEL", help="levels of the noise method: observation noise sds "
                   f"on control tasks ({' '.join(f'{v:g}' for v in DEFAULT_LEVELS)}); on "
                   "classification the share of each test image's pixels set to a bright "
                   "value, as Ahmad & Scheinkman (0 0.05 ... 0.5)")
    p.add_argument("--noise-episodes", type=int,
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
    p.add_argument("--data", metavar="DIR", help="mnist, mnist28: folder of the IDX files")
    p.add_argument("--epochs", type=int, help="classification: Adam epochs of every trained "
                   "net, each lottery round and the WANN's weights (30; --quick 10)")
    p.set_defaults(func=run)


PLAN_FLAGS = ("task", "champion", "tuned", "data", "episodes", "quick", "lottery_rate",
              "generations", "finetune_generations", "tune_generations", "rollouts", "grid",
              "sweep_episodes", "epochs", "noise_episodes", "kwta_k", "search_preset",
              "search_generations", "search_pop_size", "backend", "search_backend", "workers",
              "fast_math", "seed_jobs")


def plan_from(args: argparse.Namespace) -> ComparePlan:
    """The flags as a study plan (the library checks it whole before any work)."""
    from wann import WannError

    if args.seeds is not None and args.seed is not None:
        raise WannError("give --seed or --seeds, not both")
    tup = {k: (tuple(getattr(args, k)) if getattr(args, k) is not None else None)
           for k in ("methods", "sparsities", "hidden", "dense_hidden", "noise_levels")}
    seeds = tuple(args.seeds) if args.seeds is not None else (args.seed or 0,)
    return ComparePlan(**{k: getattr(args, k) for k in PLAN_FLAGS}, **tup, seeds=seeds,
                       several=args.seeds is not None)


def run(args: argparse.Namespace) -> int:
    plan = plan_from(args)
    if args.out is None:
        name = task_name(plan)  # read without loading the task's data
        args.out = f"results/compare-{family_of(name).canonical(name)}-" + time.strftime(
            "%Y%m%d-%H%M%S")
    out = Path(args.out)
    t0 = time.perf_counter()
    progress = Progress()
    try:
        result = run_study(plan, out, progress)
    finally:
        progress.close()
    print(result.text)
    if plan.several:
        print(f"wrote {out / 'table.md'}, compare.csv, curves.png, curves.csv and seed-N/ "
              f"({time.perf_counter() - t0:.0f} s)")
    else:
        print(f"wrote {out / 'table.md'}, compare.csv, compare.json, compare.png, curves.png "
              f"({time.perf_counter() - t0:.0f} s)")
    return 0
