"""`wann evolve`: run a WANN search and write its run folder."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from wann import WannError
from wann import checkpoint as ckp
from wann.aggregate import AGGREGATE_MD, evolve_aggregate
from wann.commands import argtypes
from wann.config import Hyperparameters, load_file, preset
from wann.evaluation import BACKENDS
from wann.families import default_settings, family_of, task_for_run
from wann.layout import holds_run
from wann.outdir import RunLock, check_writable
from wann.progress import Progress
from wann.reporters import ProgressReporter, Reporter, TensorBoard
from wann.resources import check_fits_in_memory
from wann.run import Run
from wann.seedjobs import run_seeds
from wann.seeds import add_seeds_flag, seed_dir

NAME = "evolve"
ORDER = 0
EXAMPLES = """examples:
  wann evolve --task swingup --generations 20 --seed 1
  wann evolve --preset laptop_swing --workers 2 --out results/runs/laptop
  wann evolve --task cartpole --config my.toml
  wann evolve --config ../shared/reference/hyperparameters/swingup.json
  wann evolve --task swingup --generations 200 --checkpoint-every 4 --out results/runs/s1
  wann evolve --resume results/runs/s1                   # after Ctrl-C, a crash or a kill
  wann evolve --resume results/runs/s1 --generations 400   # extend a finished run
  wann evolve --task digits --workers 2 --out results/digits   # classification (8x8 digits)
  wann evolve --preset mnist256 --data ../shared/data/mnist   # the paper's 16x16 MNIST (IDX files)
  wann evolve --preset laptop_swing --seeds 0-2 --out results/runs/laptop3   # seed-0/ .. seed-2/

Without --preset or --config a run starts from its task family's settings: the quick preset
for control tasks, the data set's own preset for classification (digits; mnist256 for mnist and mnist28).
A checkpoint (RUN/checkpoint.ckpt) is written every --checkpoint-every generations (default 8,
0 = never), at the end and on Ctrl-C or an error. A resumed run gives the same log and
champion, bit for bit, as the run made in one go.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        NAME, help="evolve weight agnostic networks", epilog=EXAMPLES,
        description="Evolve topologies scored over shared weights; writes a run folder.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--task", type=argtypes.task_name,
                   help="built-in task (swingup, cartpole, ...), gymnasium id, or a "
                   "classification data set (digits, mnist)")
    p.add_argument("--preset", help="named settings: laptop_swing, swingup, biped, digits, "
                   "mnist256, quick, default")
    p.add_argument("--data", metavar="DIR", help="mnist: folder of the four IDX files "
                   "(default $WANN_DATA, else a download cache)")
    p.add_argument("--minibatch", type=int, help="classification: training samples per fitness "
                   "evaluation (default 1000, at most the training set)")
    p.add_argument("--config", help="TOML file of ours, or a reference hyperparameter JSON")
    p.add_argument("--generations", type=int, help="number of generations")
    p.add_argument("--pop-size", type=int, help="population size")
    p.add_argument("--reps", type=int, help="episodes per shared weight (n_reps)")
    p.add_argument("--workers", type=int, help="processes (pool), threads (compiled) or Dask "
                   "workers (default 1; a local Dask cluster: one per core)")
    p.add_argument("--fast-math", action="store_true", default=None,
                   help="compiled backend: fast math and vector sin/cos/exp/tanh (faster; "
                   "recorded in config.toml; returns differ from the exact ones by rounding)")
    p.add_argument("--backend", default="auto", choices=BACKENDS, help="evaluation backend")
    p.add_argument("--scheduler", metavar="HOST:PORT",
                   help="join this Dask scheduler (address or scheduler file; implies dask)")
    p.add_argument("--timeout", type=argtypes.timeout, metavar="SECONDS",
                   help="pool/dask: a sub-batch running longer counts as a lost worker")
    p.add_argument("--seed", type=argtypes.seed, help="random seed (same seed, same run; default 0)")
    add_seeds_flag(p)
    p.add_argument("--out", help="run folder (default results/runs/<task>-<timestamp>)")
    p.add_argument("--checkpoint-every", type=int, metavar="N",
                   help="write a checkpoint every N generations (0: never; default 8)")
    p.add_argument("--tensorboard", metavar="DIR",
                   help="also log every numeric log column to TensorBoard in DIR "
                   "(pip install 'wann[tensorboard]')")
    p.add_argument("--resume", metavar="RUN_DIR",
                   help="continue the run in RUN_DIR from its checkpoint")
    p.set_defaults(func=run)


# Settings a resumed run takes from its checkpoint, not from the command line.
FIXED_ON_RESUME = ("task", "preset", "config", "pop_size", "reps", "seed", "seeds", "out",
                   "checkpoint_every", "fast_math", "minibatch")


def resolve_settings(args: argparse.Namespace) -> Hyperparameters:
    """The preset or config file, else the task family's settings for a bare run (control:
    quick; digits: digits; mnist: mnist256), with the flags' changes."""
    hp = preset(args.preset) if args.preset else Hyperparameters()
    if args.preset is None and args.config is None:
        hp = default_settings(args.task) if args.task else preset("quick")
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
    if args.checkpoint_every is not None:
        changes["checkpoint_every"] = args.checkpoint_every
    if args.fast_math:
        changes["fast_math"] = True
    if args.minibatch is not None:
        if args.minibatch < 1:
            raise WannError(f"--minibatch must be at least 1, got {args.minibatch}")
        changes["minibatch"] = args.minibatch
    if changes:
        if changes.get("checkpoint_every", 0) < 0:
            raise WannError(
                f"--checkpoint-every must be 0 (never) or positive, got {args.checkpoint_every}"
            )
        for key in ("generations", "pop_size", "n_reps"):
            if key in changes and changes[key] < 1:
                flag = {"n_reps": "--reps"}.get(key, "--" + key.replace("_", "-"))
                raise WannError(f"{flag} must be at least 1, got {changes[key]}")
        if changes.get("pop_size", hp.tourn_size) < hp.tourn_size:
            raise WannError(
                f"--pop-size {changes['pop_size']} is smaller than the tournament "
                f"({hp.tourn_size} individuals, tourn_size in the settings); use a population "
                f"of at least {hp.tourn_size}, or a config file with a smaller tourn_size"
            )
        hp = hp.replace(**changes)
    return hp


def live_reporters(args: argparse.Namespace) -> list[Reporter]:
    """What the command shows or tracks beside the run folder: progress, TensorBoard."""
    extra: list[Reporter] = [TensorBoard(args.tensorboard)] if args.tensorboard else []
    return [ProgressReporter(), *extra]


def run(args: argparse.Namespace) -> int:
    if args.resume is not None:
        return resume(args)
    if args.seeds is not None and args.seed is not None:
        raise WannError("give --seed or --seeds, not both")
    hp = resolve_settings(args)
    task, hp = task_for_run(hp, args.data)
    check_fits_in_memory(hp, task.n_in, task.n_out)
    out = Path(args.out or f"results/runs/{task.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    seeds = args.seeds if args.seeds is not None else [args.seed or 0]
    folders = [seed_dir(out, s) for s in seeds] if args.seeds is not None else [out]
    for folder in folders:
        RunLock.check_free(folder)
        check_fresh(folder)
        check_writable(folder, "run folder")
    if args.tensorboard:
        check_writable(args.tensorboard, "TensorBoard folder")
    evaluator = family_of(task).make_evaluator(
        task, args.backend, args.workers, scheduler=args.scheduler, timeout=args.timeout,
        fast_math=hp.fast_math,
    )
    def one(seed: int, folder: Path) -> None:
        check_fresh(folder)  # again, now that no other run can start writing it
        r = Run.new(task, hp, evaluator, folder, seed, live_reporters(args))
        r.run()
        print(f"seed {seed}: best fitness {r.search.best_ever_fitness:.2f}; "
              f"champion: {folder / 'champion.json'}")

    try:
        run_seeds(list(zip(seeds, folders)), one, Progress(quiet=True))
    finally:
        evaluator.close()
    if args.seeds is not None:
        aggs = evolve_aggregate(out, seeds)
        key = "champion_retest" if "champion_retest" in aggs else "best_ever_fitness"
        a = aggs[key]
        print(f"{len(seeds)} seeds: champion {key} {a.cell(1)} (mean [95% CI]), IQM {a.iqm:.1f}; "
              f"wrote {out / AGGREGATE_MD}")
    return 0


def check_fresh(out: Path) -> None:
    if holds_run(out):
        raise WannError(
            f"run folder {str(out)!r} already holds a run; choose another --out, "
            "or continue it with --resume"
        )


def resume(args: argparse.Namespace) -> int:
    """Continue RUN_DIR from its checkpoint; everything but the length comes from there."""
    given = [k for k in FIXED_ON_RESUME if getattr(args, k) is not None]
    if given:
        flag = "--" + given[0].replace("_", "-")
        raise WannError(f"{flag} cannot be changed on --resume (the run keeps its own settings)")
    out = Path(args.resume)
    if out.is_file():
        raise WannError(
            f"--resume takes a run folder, and {str(out)!r} is a file; "
            f"to continue the run it belongs to: wann evolve --resume {str(out.parent)!r}"
        )
    if not out.is_dir():
        raise WannError(f"run folder {str(out)!r} does not exist")
    RunLock.check_free(out)
    ckpt_path = ckp.path_in(out)
    if not ckpt_path.is_file():
        raise WannError(
            f"run folder {str(out)!r} holds no checkpoint ({ckp.FILENAME}); "
            "was it run with --checkpoint-every 0, or before checkpoints existed?"
        )
    ckpt = ckp.load(ckpt_path)
    check_writable(out, "run folder")
    if args.generations is not None and args.generations < 1:
        raise WannError(f"--generations must be at least 1, got {args.generations}")
    if args.generations is not None and args.generations < ckpt.generation:
        raise WannError(
            f"--generations {args.generations} is less than the {ckpt.generation} "
            "generations the checkpoint already holds"
        )
    task, _ = task_for_run(ckpt.hp, args.data)  # the data's digest is checked here
    evaluator = family_of(task).make_evaluator(
        task, args.backend, args.workers, scheduler=args.scheduler, timeout=args.timeout,
        fast_math=ckpt.hp.fast_math,
    )
    try:
        with RunLock(out):
            ckpt = ckp.load(ckpt_path)  # again, now that no other run can be writing it
            r = Run.resume(ckpt, task, evaluator, out, live_reporters(args), args.generations)
            if r.search.generation >= r.hp.generations:
                print(f"wann: the run is complete ({r.hp.generations} generations); "
                      "pass --generations to extend it")
            r.run()
    finally:
        evaluator.close()
    print(f"best fitness {r.search.best_ever_fitness:.2f}; champion: {out / 'champion.json'}")
    return 0
