"""`wann tune`: the best shared weight by a sweep, then every weight tuned by CMA-ES."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from wann import WannError
from wann.aggregate import AGGREGATE_MD, tune_aggregate
from wann.commands import argtypes, task_and_genome
from wann.evaluation import BACKENDS
from wann.families import TuneOptions, family_of
from wann.io import atomic_write
from wann.outdir import check_writable
from wann.progress import Progress
from wann.seedjobs import run_seeds
from wann.seeds import add_seeds_flag, seed_dir

NAME = "tune"
ORDER = 2
EXAMPLES = """examples:
  wann tune results/runs/swingup-1/champion.json            # writes beside the genome
  wann tune ../shared/reference/champions/swing.out --task swingup --out results/tune-swing
  wann tune champion.json --sweep-only --grid 161
  wann tune champion.json --generations 300 --rollouts 8 --workers 2 --seed 3
  wann tune results/digits/champion.json --by cross-entropy --epochs 30   # classification
  wann tune champion.json --seeds 0-2 --out results/tune3    # seed-0/ .. seed-2/ + aggregate

On a classification task (digits, mnist) the sweep picks the weight with the best training
accuracy (or cross-entropy, --by) and reports it on the test set (accuracy_sweep.csv); then
every connection is trained by Adam on cross-entropy from that weight (--epochs, --lr,
--batch-size), not CMA-ES: with a gradient at hand, descent is the natural tuner.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        NAME, help="tune the shared weight, then every weight (CMA-ES)", epilog=EXAMPLES,
        description=(
            "Sweep the shared weight over a grid on training episodes and report the best "
            "nonzero value on separate test episodes (sweep.csv); then tune every connection by CMA-ES "
            "as offsets from that value, as the reference's tuning tool did (tuned.json, "
            "loadable by wann eval)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("genome", help="genome JSON, or a reference champion matrix (*.out)")
    p.add_argument("--task", type=argtypes.task_name,
                   help="task name or gymnasium id (default: the genome's own)")
    p.add_argument("--out", help="output folder (default: the genome's folder; for a *.out, "
                   "results/tune-<name>)")
    p.add_argument("--grid", type=int, default=81, help="sweep points over the range (81)")
    p.add_argument("--range", type=float, nargs=2, default=(-2.0, 2.0), metavar=("LO", "HI"),
                   help="shared-weight range of the sweep (-2 2)")
    p.add_argument("--train-episodes", type=int, default=32,
                   help="training episodes per grid point (32)")
    p.add_argument("--episodes", type=int, default=100, help="test episodes (100)")
    p.add_argument("--sweep-only", action="store_true", help="skip the CMA-ES tuning")
    p.add_argument("--generations", type=int, default=150, help="CMA-ES generations (150)")
    p.add_argument("--popsize", type=int, default=32, help="CMA-ES population (32)")
    p.add_argument("--rollouts", type=int, default=4, help="episodes per candidate (4)")
    p.add_argument("--sigma", type=argtypes.positive_floats, default=(0.5,), metavar="SD[,SD...]",
                   help="CMA-ES initial sd (0.5); several (0.5,0.2,0.1): one run from each, "
                   "the best on the check episodes kept")
    p.add_argument("--seed", type=argtypes.seed, help="seed of every episode and of CMA-ES (0)")
    add_seeds_flag(p)
    p.add_argument("--fast-math", action="store_true",
                   help="compiled backend: fast math and vector sin/cos/exp/tanh (faster; "
                   "returns differ from the exact ones by rounding)")
    p.add_argument("--backend", default="auto", choices=BACKENDS)
    p.add_argument("--workers", type=int, help="threads (compiled), processes or Dask workers "
                   "(default 1; a local Dask cluster: one per core)")
    p.add_argument("--data", metavar="DIR", help="mnist: folder of the IDX files")
    p.add_argument("--by", default="accuracy", choices=("accuracy", "cross-entropy"),
                   help="classification: sweep criterion on the training set (accuracy)")
    p.add_argument("--epochs", type=int, default=30, help="classification: Adam epochs (30)")
    p.add_argument("--lr", type=float, default=0.01, help="classification: Adam step (0.01)")
    p.add_argument("--batch-size", type=int, default=64,
                   help="classification: Adam minibatch (64)")
    p.add_argument("--json", action="store_true", help="print a machine-readable result")
    p.set_defaults(func=run)


def _at_least(value: int, flag: str, low: int = 1) -> None:
    if value < low:
        raise WannError(f"{flag} must be at least {low}, got {value}")


def options_from(args: argparse.Namespace) -> TuneOptions:
    return TuneOptions(
        grid=args.grid, range=tuple(args.range), train_episodes=args.train_episodes,
        episodes=args.episodes, sweep_only=args.sweep_only, generations=args.generations,
        popsize=args.popsize, rollouts=args.rollouts, sigmas=tuple(args.sigma), by=args.by,
        epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, source=args.genome,
    )


def resolve(args: argparse.Namespace):  # noqa: ANN201 - (task, genome)
    task, genome = task_and_genome(args.genome, args.task, data=args.data)
    if genome.n_enabled == 0:
        raise WannError(f"genome {args.genome} has no enabled connection to tune")
    return task, genome


def check_no_tuned_left_behind(folder: Path, sweep_only: bool) -> None:
    """A sweep alone rewrites tune.json; a tuned.json of an earlier full tune in the same
    folder would stay, described by nothing. Refused rather than deleted: that tuning cost
    minutes to hours, and the user decides which to keep."""
    if sweep_only and (folder / "tuned.json").exists():
        raise WannError(
            f"{str(folder)!r} holds tuned.json from an earlier tune, which --sweep-only would "
            "leave undescribed (tune.json is rewritten); give another --out, or move tuned.json "
            "away first"
        )


def run(args: argparse.Namespace) -> int:
    _at_least(args.grid, "--grid")
    _at_least(args.train_episodes, "--train-episodes")
    _at_least(args.episodes, "--episodes")
    task, genome = resolve(args)
    family = family_of(task)
    options = options_from(args)
    if args.seeds is not None and args.seed is not None:
        raise WannError("give --seed or --seeds, not both")
    family.check_tune(options, args.seeds)
    src = Path(args.genome)
    out = Path(args.out) if args.out else (
        Path("results") / f"tune-{src.stem}" if src.suffix == ".out" else src.parent
    )
    seeds = args.seeds if args.seeds is not None else [args.seed or 0]
    folders = [seed_dir(out, s) for s in seeds] if args.seeds is not None else [out]
    for folder in folders:
        check_no_tuned_left_behind(folder, args.sweep_only)
        check_writable(folder)
    progress = Progress()
    ev = family.make_evaluator(task, args.backend, args.workers, fast_math=args.fast_math)
    def one(seed: int, folder: Path) -> dict:
        result = family.tune(task, genome, options, folder, seed, ev, progress)
        atomic_write(folder / "tune.json", json.dumps(result, indent=1) + "\n")
        return result

    try:
        # no lock: tune writes beside a run's own files, and checks its input as it starts
        done = run_seeds(list(zip(seeds, folders)), one, Progress(quiet=True), lock=False)
        results = [done[s] for s in seeds]
    finally:
        ev.close()
        progress.close()
    if args.seeds is not None:
        aggs = tune_aggregate(out, seeds, results)
        if args.json:
            print(json.dumps({k: a.as_dict() for k, a in aggs.items()}, indent=1))
            return 0
        for key, a in aggs.items():
            print(f"{key.replace('_', ' ')}: {a.cell(2)} (mean [95% CI] over {a.n} seeds), "
                  f"IQM {a.iqm:.2f}")
        print(f"wrote {out / AGGREGATE_MD}")
        return 0
    if args.json:
        print(json.dumps(results[0], indent=1))
    else:
        family.print_tune(results[0], out)
    return 0
