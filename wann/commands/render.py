"""`wann render`: record one episode of a genome as a GIF (or MP4 with the video extra)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from wann import WannError
from wann.commands import argtypes, task_and_genome
from wann.config import STANDARD_WEIGHTS
from wann.evaluation import BACKENDS
from wann.families import family_of
from wann.render import check_output, record, save
from wann.scoring import shared_weight_returns, test_seeds

NAME = "render"
ORDER = 4
EXAMPLES = """examples:
  wann render results/swingup-run/champion.json --weight -1.5 -o swingup.gif
  wann render results/swingup-run/champion.json            # picks the best of the six weights
  wann render ../shared/reference/champions/swing.out --task swingup --weight -1.5 -o swing.gif
  wann render ../shared/reference/champions/swing.out --task swingup \\
      --tuned ../shared/reference/tuned/cartpole_swingup.wann.json -o tuned.mp4

The episode's return is printed and stored in the file's comment metadata (JSON). Episode
--seed S is the first test episode `wann eval --seed S` scores, so the returns agree.
"""
PICK_EPISODES = 8


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        NAME, help="record a rollout as a GIF or MP4", epilog=EXAMPLES,
        description="Run one episode through the environment's rgb_array rendering and save it.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("genome", help="genome JSON, or a reference champion matrix (*.out)")
    p.add_argument("--task", type=argtypes.task_name,
                   help="task name or gymnasium id (default: the genome's own)")
    p.add_argument("--weight", type=float,
                   help="shared weight (default: the best of the six standard weights on "
                        f"{PICK_EPISODES} test episodes; a tuned genome uses its own weights)")
    p.add_argument("--tuned", help="reference fine-tuned weights (*.wann.json) for a *.out")
    p.add_argument("-o", "--output", help="output .gif or .mp4 (default: GENOME with .gif)")
    p.add_argument("--seed", type=argtypes.seed, default=0, help="test-episode seed (as in wann eval)")
    p.add_argument("--every", type=int, default=2, help="keep a frame every N steps")
    p.add_argument("--fps", type=float, help="playback frames per second "
                   "(default: the environment's render_fps / --every)")
    p.add_argument("--max-steps", type=int, help="stop the recording after N steps")
    p.add_argument("--backend", default="auto", choices=BACKENDS,
                   help="evaluation backend for choosing the weight")
    p.set_defaults(func=run)


def pick_weight(task, genome, seed: int, backend: str) -> float:  # noqa: ANN001
    """The standard weight with the best mean return over a few test episodes."""
    weights = np.array(STANDARD_WEIGHTS)
    ev = family_of(task).make_evaluator(task, backend, 1)
    try:
        r = shared_weight_returns(ev, genome, weights, test_seeds(seed, PICK_EPISODES))
    finally:
        ev.close()
    return float(weights[int(np.argmax(r.mean(axis=1)))])


def run(args: argparse.Namespace) -> int:
    if args.weight is not None and not math.isfinite(args.weight):
        raise WannError(f"--weight must be a finite number, got {args.weight}")
    if args.max_steps is not None and args.max_steps < 1:
        raise WannError(f"--max-steps must be at least 1, got {args.max_steps}")
    if args.every < 1:
        raise WannError(f"--every must be at least 1, got {args.every}")
    output = check_output(args.output or Path(args.genome).with_suffix(".gif"))
    task, genome = task_and_genome(args.genome, args.task, args.tuned)
    family = family_of(task)
    if not family.can_render:
        raise WannError(f"task {task.name!r} ({family.name}) has no environment to record; "
                        "wann render records episodes of control tasks")
    tuned = genome.meta.get("weights") == "tuned"
    weight = args.weight
    how = "given"
    if weight is None and not tuned:
        weight = pick_weight(task, genome, args.seed, args.backend)
        how = f"best of the six standard weights on {PICK_EPISODES} test episodes"
    elif weight is not None and tuned:
        raise WannError("a tuned genome runs with its own weights; drop --weight")
    episode_seed = int(test_seeds(args.seed, 1)[0])
    rec = record(task, genome, weight, episode_seed, args.every, args.max_steps)
    probe = task.make_env()
    try:
        render_fps = float(probe.metadata.get("render_fps") or 50)
    finally:
        probe.close()
    fps = args.fps if args.fps is not None else render_fps / args.every
    rec.meta = {
        "return": rec.episode_return, "steps": rec.steps, "frames": len(rec.frames),
        "every": args.every, "fps": fps, "task": task.name, "env_id": task.env_id,
        "weight": "own (tuned)" if weight is None else weight, "episode_seed": episode_seed,
        "test_seed": args.seed, "genome": str(args.genome), "nonfinite": rec.nonfinite,
    }
    save(output, rec, fps)
    w_text = "its own tuned weights" if weight is None else f"shared weight {weight:g} ({how})"
    print(f"{task.name}, {w_text}: return {rec.episode_return:.2f} over {rec.steps} steps; "
          f"{len(rec.frames)} frames written to {output}")
    return 0
