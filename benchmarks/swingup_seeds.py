"""The paper's swing-up search over many seeds and population sizes, its champions scored.

`run`: `wann evolve --preset swingup` for every (population, seed), each in a process of
its own, `--jobs` at a time (on one GPU, searches side by side fill what one leaves idle:
a 192-net generation's rollouts take a few milliseconds of the device), into
OUT/pop-N/seed-S/, with each search's wall time in OUT/walls.csv.

`score`: every champion (and the released one, `--reference`) scored as `wann compare`
scores the WANN row, on 100 test episodes of seed 0: a random shared weight per episode
from U(-2, 2) (drawn as `wann eval --random` draws it, after the random-weights column's
draws), the six search weights, and the tuned shared weight (the best of an 81-point grid
on [-2, 2] over 32 training episodes, then scored on the test episodes). Per population
the mean over seeds with its 95% bootstrap interval and the IQM (wann/stats.py) go to
OUT/table.md, every champion's scores to OUT/scores.csv.

    python benchmarks/swingup_seeds.py run --sizes 192,1920 --seeds 0-9 --backend cuda \\
        --jobs 10 --out results/swingup-seeds
    python benchmarks/swingup_seeds.py score --out results/swingup-seeds \\
        --reference ../shared/reference/champions/swing.out
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from wann import streams
from wann.config import STANDARD_WEIGHTS
from wann.evaluation import make_evaluator
from wann.io import load_genome
from wann.layout import CHAMPION, LOG
from wann.scoring import (
    random_shared_returns,
    random_weight_returns,
    shared_weight_returns,
    test_seeds,
)
from wann.seeds import parse_seeds
from wann.stats import FOOTNOTE, aggregate
from wann.streams import stream_seeds
from wann.sweep import sweep_shared_weight, weight_grid
from wann.tasks import get_task

EPISODES, GRID, SWEEP_EPISODES = 100, 81, 32
COLUMNS = ("random_shared", "six_weights", "tuned_shared", "tuned_weight", "connections",
           "search_best_ever", "search_final_best")


def run(args: argparse.Namespace) -> None:
    out = Path(args.out)
    jobs = [(int(n), s) for n in args.sizes.split(",") for s in parse_seeds(args.seeds)]

    def one(job: tuple[int, int]) -> list:
        n, s = job
        folder = out / f"pop-{n}" / f"seed-{s}"
        cmd = [sys.executable, "-m", "wann.cli", "evolve", "--preset", "swingup",
               "--pop-size", str(n), "--seed", str(s), "--backend", args.backend,
               "--checkpoint-every", "0", "--out", str(folder)]
        if args.generations:
            cmd += ["--generations", str(args.generations)]
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t
        if p.returncode:
            print(f"pop {n} seed {s}: exit {p.returncode}\n{p.stderr[-2000:]}", flush=True)
        print(f"pop {n} seed {s}: {wall:.1f} s", flush=True)
        return [n, s, p.returncode, round(wall, 2)]

    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(one, jobs))
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "walls.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["pop_size", "seed", "exit", "seconds"])
        w.writerows(rows)
        w.writerow(["all", "-", "-", round(time.perf_counter() - t0, 2)])


def score_one(ev, task, genome) -> dict:  # noqa: ANN001
    """The WANN row's shared-weight columns for one genome (see the module's docstring)."""
    test = test_seeds(0, EPISODES)
    rng = streams.generator(0, streams.RANDOM_WEIGHTS)
    random_weight_returns(ev, genome, test, rng)  # the draws `wann eval --random` makes first
    rs = random_shared_returns(ev, genome, test, rng)
    six = shared_weight_returns(ev, genome, np.asarray(STANDARD_WEIGHTS, np.float64), test)
    sweep = sweep_shared_weight(ev, genome, stream_seeds(0, streams.SWEEP, SWEEP_EPISODES),
                                weight_grid(GRID))
    tuned = shared_weight_returns(ev, genome, [sweep.best_weight], test)[0]
    return {"random_shared": float(rs.mean()), "six_weights": float(six.mean()),
            "tuned_shared": float(tuned.mean()), "tuned_weight": sweep.best_weight,
            "connections": genome.n_enabled}


def _search_fitness(folder: Path) -> tuple[float, float]:
    with open(folder / LOG) as f:
        rows = list(csv.DictReader(f))
    return float(rows[-1]["best_ever_fitness"]), float(rows[-1]["best_fitness"])


def score(args: argparse.Namespace) -> None:
    out = Path(args.out)
    task = get_task("swingup")
    ev = make_evaluator(task, args.backend, args.workers)
    rows: list[dict] = []
    try:
        for pop_dir in sorted(out.glob("pop-*"), key=lambda p: int(p.name[4:])):
            for folder in sorted(pop_dir.glob("seed-*"), key=lambda p: int(p.name[5:])):
                if not (folder / CHAMPION).is_file():
                    continue
                r = score_one(ev, task, load_genome(folder / CHAMPION))
                r["search_best_ever"], r["search_final_best"] = _search_fitness(folder)
                rows.append({"population": pop_dir.name[4:], "seed": folder.name[5:], **r})
                print(rows[-1], flush=True)
        ref = None
        if args.reference:
            g = load_genome(args.reference, "swingup", task.n_in, task.n_out)
            ref = score_one(ev, task, g)
            rows.append({"population": "released champion", "seed": "-", **ref,
                         "search_best_ever": "", "search_final_best": ""})
    finally:
        ev.close()
    with open(out / "scores.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["population", "seed", *COLUMNS], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    cols = ("random_shared", "six_weights", "tuned_shared", "connections", "search_best_ever")
    lines = ["| population | seeds | " + " | ".join(cols) + " |",
             "|---|---|" + "---|" * len(cols)]
    for pop in dict.fromkeys(r["population"] for r in rows if r["seed"] != "-"):
        sel = [r for r in rows if r["population"] == pop]
        cells = []
        for c in cols:
            a = aggregate([float(r[c]) for r in sel])
            cells.append(f"{a.mean:.0f} [{a.low:.0f}, {a.high:.0f}] (IQM {a.iqm:.0f})")
        lines.append(f"| {pop} | {len(sel)} | " + " | ".join(cells) + " |")
    if ref is not None:
        lines.append("| released champion | - | " + " | ".join(
            f"{ref[c]:.0f}" for c in cols[:-1]) + " | - |")
    text = "\n".join(lines) + "\n\n" + FOOTNOTE + "\n"
    (out / "table.md").write_text(text)
    print(text)


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run", help="the searches")
    r.add_argument("--sizes", default="192,1920")
    r.add_argument("--seeds", default="0-9")
    r.add_argument("--backend", default="cuda")
    r.add_argument("--jobs", type=int, default=10, help="searches side by side")
    r.add_argument("--generations", type=int, help="default: the preset's 1,024")
    r.add_argument("--out", required=True)
    s = sub.add_parser("score", help="score every champion, aggregate over seeds")
    s.add_argument("--out", required=True)
    s.add_argument("--reference", help="the released champion (*.out)")
    s.add_argument("--backend", default="compiled")
    s.add_argument("--workers", type=int)
    args = ap.parse_args()
    run(args) if args.what == "run" else score(args)


if __name__ == "__main__":
    main()
