"""`wann eval`: score a genome (ours or a reference champion) on fixed test episodes."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np

from wann import WannError
from wann.commands import argtypes, task_and_genome
from wann.config import STANDARD_WEIGHTS
from wann.evaluation import BACKENDS
from wann.families import family_of

NAME = "eval"
ORDER = 1
EXAMPLES = """examples:
  wann eval results/runs/swingup-1/champion.json --task swingup
  wann eval ../shared/reference/champions/swing.out --task swingup --random --json
  wann eval ../shared/reference/champions/swing.out --task swingup \\
      --tuned ../shared/reference/tuned/cartpole_swingup.wann.json
  wann eval results/digits/champion.json          # classification: test accuracy per weight,
                                                  # ensemble, tuned and random weights

On a classification task (digits, mnist) it reports test-set accuracy and cross-entropy, and
--episodes is the number of random-weight draws.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        NAME, help="evaluate a genome over shared weights", epilog=EXAMPLES,
        description="Mean ± std return per shared weight on fixed episode seeds.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("genome", help="genome JSON, or a reference champion matrix (*.out)")
    p.add_argument("--task", type=argtypes.task_name,
                   help="task name or gymnasium id (default: the genome's own)")
    p.add_argument("--weights", type=float, nargs="+", help="shared weights (default the six)")
    p.add_argument("--episodes", type=int, default=100, help="test episodes per weight")
    p.add_argument("--seed", type=argtypes.seed, default=0, help="seed of the test episodes")
    p.add_argument("--tuned", help="reference fine-tuned weights (*.wann.json) for a *.out")
    p.add_argument("--random", action="store_true",
                   help="also score random weights and a random shared weight (U(-2, 2))")
    p.add_argument("--fast-math", action="store_true",
                   help="compiled backend: fast math and vector sin/cos/exp/tanh (faster; "
                   "returns differ from the exact ones by rounding)")
    p.add_argument("--backend", default="auto", choices=BACKENDS)
    p.add_argument("--workers", type=int, help="threads (compiled), processes or Dask workers "
                   "(default 1; a local Dask cluster: one per core)")
    p.add_argument("--data", metavar="DIR", help="mnist: folder of the IDX files (default "
                   "$WANN_DATA, else the download cache)")
    p.add_argument("--json", action="store_true", help="print a machine-readable result")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.episodes < 1:
        raise WannError(f"--episodes must be at least 1, got {args.episodes}")
    bad = [w for w in args.weights or () if not math.isfinite(w)]
    if bad:
        raise WannError(f"--weights must be finite numbers, got {bad[0]}")
    task, genome = task_and_genome(args.genome, args.task, args.tuned, args.data)
    family = family_of(task)
    weights = np.array(args.weights or STANDARD_WEIGHTS, dtype=np.float64)
    result = {"genome": args.genome, **family.score(
        task, genome, weights, args.episodes, args.seed, backend=args.backend,
        workers=args.workers, fast_math=args.fast_math, random=args.random)}
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        family.print_score(result)
    return 0
