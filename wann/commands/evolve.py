"""`wann evolve`: run a WANN search and write its run folder."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from wann import WannError
from wann.config import Hyperparameters, load_file, preset
from wann.evaluation import BACKENDS, make_evaluator
from wann.run import ProgressReporter, Run
from wann.tasks import get_task

NAME = "evolve"
ORDER = 0
EXAMPLES = """examples:
  wann evolve --task swingup --generations 20 --seed 1
  wann evolve --preset laptop_swing --workers 2 --out results/runs/laptop
  wann evolve --task cartpole --config my.toml
  wann evolve --config ../shared/reference/hyperparameters/swingup.json
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        NAME, help="evolve weight agnostic networks", epilog=EXAMPLES,
        description="Evolve topologies scored over shared weights; writes a run folder.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--task", help="built-in task (swingup, cartpole, ...) or gymnasium id")
    p.add_argument("--preset", help="named settings: laptop_swing, swingup, biped, quick, default")
    p.add_argument("--config", help="TOML file of ours, or a reference hyperparameter JSON")
    p.add_argument("--generations", type=int, help="number of generations")
    p.add_argument("--pop-size", type=int, help="population size")
    p.add_argument("--reps", type=int, help="episodes per shared weight (n_reps)")
    p.add_argument("--workers", type=int, default=1, help="processes (pool) or threads (compiled)")
    p.add_argument("--backend", default="auto", choices=BACKENDS, help="evaluation backend")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same run)")
    p.add_argument("--out", help="run folder (default results/runs/<task>-<timestamp>)")
    p.set_defaults(func=run)


def resolve_settings(args: argparse.Namespace) -> Hyperparameters:
    hp = preset(args.preset) if args.preset else Hyperparameters()
    if args.preset is None and args.config is None:
        hp = preset("quick")
    if args.config:
        hp = load_file(args.config, base=hp)
    changes: dict = {}
    if args.task:
        changes["task"] = args.task
    if args.generations is not None:
        changes["generations"] = args.generations
    if args.pop_size is not None:
        changes["pop_size"] = args.pop_size
    if args.reps is not None:
        changes["n_reps"] = args.reps
    if changes:
        for key in ("generations", "pop_size", "n_reps"):
            if key in changes and changes[key] < 1:
                flag = {"n_reps": "--reps"}.get(key, "--" + key.replace("_", "-"))
                raise WannError(f"{flag} must be at least 1, got {changes[key]}")
        hp = hp.replace(**changes)
    return hp


def run(args: argparse.Namespace) -> int:
    hp = resolve_settings(args)
    task = get_task(hp.task)
    out = Path(args.out or f"results/runs/{task.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    if (out / "log.csv").exists():
        raise WannError(f"run folder {str(out)!r} already holds a run; choose another --out")
    evaluator = make_evaluator(task, args.backend, args.workers)
    try:
        r = Run.new(task, hp, evaluator, out, args.seed, [ProgressReporter()])
        r.run()
    finally:
        evaluator.close()
    print(f"best fitness {r.search.best_ever_fitness:.2f}; champion: {out / 'champion.json'}")
    return 0
