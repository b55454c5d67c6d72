"""`wann tune`: the best shared weight by a sweep, then every weight tuned by CMA-ES."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from wann import WannError, layout, streams
from wann.aggregate import AGGREGATE_MD, tune_aggregate
from wann.classify import ClassifyTask
from wann.cmaes import CMASettings, history_csv
from wann.commands import argtypes, task_and_genome
from wann.evaluation import BACKENDS, make_evaluator
from wann.genome import Genome
from wann.io import atomic_write, save_genome
from wann.outdir import check_writable
from wann.progress import Progress
from wann.scoring import own_weight_returns, shared_weight_returns, summary, test_seeds
from wann.seeds import add_seeds_flag, seed_dir
from wann.streams import stream_seeds
from wann.sweep import sweep_shared_weight, weight_grid
from wann.tune import tune_weights_restarts

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
    p.add_argument("--task", help="task name or gymnasium id (default: the genome's own)")
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


def settings_from(args: argparse.Namespace) -> CMASettings:
    for flag in ("generations", "rollouts"):
        _at_least(getattr(args, flag), f"--{flag}")
    _at_least(args.popsize, "--popsize", 2)
    return CMASettings(args.generations, args.popsize, args.rollouts, args.sigma[0])


def resolve(args: argparse.Namespace):  # noqa: ANN201 - (task, genome)
    task, genome = task_and_genome(args.genome, args.task, data=args.data)
    if genome.n_enabled == 0:
        raise WannError(f"genome {args.genome} has no enabled connection to tune")
    return task, genome


def run(args: argparse.Namespace) -> int:
    _at_least(args.grid, "--grid")
    _at_least(args.train_episodes, "--train-episodes")
    _at_least(args.episodes, "--episodes")
    task, genome = resolve(args)
    settings = None if args.sweep_only or isinstance(task, ClassifyTask) else settings_from(args)
    src = Path(args.genome)
    out = Path(args.out) if args.out else (
        Path("results") / f"tune-{src.stem}" if src.suffix == ".out" else src.parent
    )
    if args.seeds is not None and args.seed is not None:
        raise WannError("give --seed or --seeds, not both")
    if isinstance(task, ClassifyTask):
        if args.seeds is not None:
            raise WannError("--seeds tunes control tasks over several seeds; a classification "
                            "genome is tuned once (--seed)")
        check_writable(out)
        return classify_tune(args, task, genome, weight_grid(args.grid, *args.range), out)
    seeds = args.seeds if args.seeds is not None else [args.seed or 0]
    folders = [seed_dir(out, s) for s in seeds] if args.seeds is not None else [out]
    for folder in folders:
        check_writable(folder)
    progress = Progress()
    ev = make_evaluator(task, args.backend, args.workers, fast_math=args.fast_math)
    try:
        results = [tune_one(args, ev, task, genome, settings, folder, seed, progress)
                   for seed, folder in zip(seeds, folders)]
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
    result = results[0]
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    ts = result["tuned_shared_weight"]
    print(f"{args.genome} on {task.name}: {genome.n_enabled} connections, "
          f"{args.episodes} test episodes (seed {result['seed']})")
    print(f"tuned shared weight {result['best_shared_weight']:+.3g}: "
          f"{ts['mean']:.2f} ± {ts['std']:.2f}")
    if "tuned_weights" in result:
        tw = result["tuned_weights"]
        print(f"tuned weights:        {tw['mean']:.2f} ± {tw['std']:.2f}")
    print(f"wrote {out / 'sweep.csv'}" + ("" if settings is None else
                                          f", {out / 'tuned.json'}"))
    return 0


def classify_tune(
    args: argparse.Namespace, task: ClassifyTask, genome: Genome, grid: np.ndarray, out: Path
) -> int:
    """The sweep by training accuracy or cross-entropy, then Adam on every connection."""
    from wann.baselines.mlp import TrainSettings
    from wann.classify.report import sweep_csv, tune_result

    settings = None
    if not args.sweep_only:
        _at_least(args.epochs, "--epochs")
        _at_least(args.batch_size, "--batch-size")
        if not args.lr > 0:
            raise WannError(f"--lr must be positive, got {args.lr}")
        settings = TrainSettings(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr)
    make_evaluator(task, args.backend, args.workers).close()  # the backend is checked as usual
    result, sweep, tuned = tune_result(task, genome, grid, args.by, settings, args.seed or 0)
    result["genome"] = args.genome
    atomic_write(out / layout.ACCURACY_SWEEP, sweep_csv(sweep))
    if tuned is not None:
        tuned.meta.update({"task": task.name, "source": args.genome})
        save_genome(tuned, out / "tuned.json")
    atomic_write(out / "tune.json", json.dumps(result, indent=1) + "\n")
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    ts = result["tuned_shared_weight"]
    print(f"{args.genome} on {task.name}: {genome.n_enabled} connections, test accuracy on "
          f"{result['n_test']} images")
    print(f"tuned shared weight {result['best_shared_weight']:+.3g} (by {result['chosen_by']}): "
          f"{100 * ts['accuracy']:.2f}% (cross-entropy {ts['cross_entropy']:.4f})")
    if tuned is not None:
        tw = result["tuned_weights"]
        print(f"tuned weights (Adam, {args.epochs} epochs): {100 * tw['accuracy']:.2f}% "
              f"(cross-entropy {tw['cross_entropy']:.4f})")
    print(f"wrote {out / layout.ACCURACY_SWEEP}" + ("" if tuned is None else f", {out / 'tuned.json'}"))
    return 0


def tune_one(args: argparse.Namespace, ev, task, genome, settings: CMASettings | None,  # noqa: ANN001
             out: Path, seed: int, progress: Progress) -> dict:
    """One seed's sweep and tuning into `out`; returns what tune.json holds."""
    grid = weight_grid(args.grid, *args.range)
    progress.line(f"sweeping {grid.size} shared weights on {args.train_episodes} "
                  f"training episodes")
    sweep = sweep_shared_weight(
        ev, genome, stream_seeds(seed, streams.SWEEP, args.train_episodes), grid
    )
    test = test_seeds(seed, args.episodes)
    best = shared_weight_returns(ev, genome, [sweep.best_weight], test)[0]
    result: dict = {
        "genome": args.genome, "task": task.name, "seed": seed,
        "connections": genome.n_enabled, "test_episodes": args.episodes,
        "best_shared_weight": sweep.best_weight,
        "sweep_train_mean": float(sweep.mean[sweep.best_index]),
        "tuned_shared_weight": summary(best),
    }
    atomic_write(out / layout.SWEEP, sweep.to_csv())
    if settings is not None:
        sds = ", ".join(f"{s:g}" for s in args.sigma)
        progress.line(f"CMA-ES on {genome.n_enabled} weights: {settings.generations} "
                      f"generations of {settings.popsize} x {settings.rollouts} rollouts "
                      f"from sd {sds}")
        res, tried = tune_weights_restarts(ev, genome, sweep.best_weight, settings, args.sigma,
                                           seed, progress)
        res.genome.meta.update({"task": task.name, "source": args.genome})
        result["tuned_weights"] = summary(own_weight_returns(ev, res.genome, test))
        result["cma"] = {"generations": settings.generations, "popsize": settings.popsize,
                         "rollouts": settings.rollouts,
                         "sigma0": res.genome.meta.get("sigma0", settings.sigma0),
                         "env_steps": res.rollouts * task.max_steps,
                         "chosen_generation": res.check_generation}
        if len(tried) > 1:
            result["cma"]["sigma0_tried"] = tried
        res.genome.meta["test_mean"] = result["tuned_weights"]["mean"]
        save_genome(res.genome, out / "tuned.json")
        atomic_write(out / "tune_log.csv", history_csv(res.history))
    atomic_write(out / "tune.json", json.dumps(result, indent=1) + "\n")
    return result
