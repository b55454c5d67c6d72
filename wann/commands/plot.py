"""`wann plot`: figures of a run folder (or several runs overlaid), written as PNG/SVG."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wann import WannError
from wann.evaluation import BACKENDS
from wann.layout import LOG_COLUMNS
from wann.outdir import check_writable

NAME = "plot"
ORDER = 3
EXAMPLES = """examples:
  wann plot results/swingup-run                 # RUN/figures/{fitness,complexity,...}.png
  wann plot results/swingup-run --svg --sweep   # also SVG; compute the weight sweep first
  wann plot results/runs/seed-*                 # several runs on one fitness figure
  wann plot results/runs/seed-* --column mean_fitness --out results/figures
  wann plot results/cmp3                        # a comparison: its curves.png drawn again
  wann plot results/cmp-mnist28 --wann results/mnist256/seed-*   # other champions as the WANN

One run gives: fitness (mean, median, best, best's peak, best ever), complexity, the last
generation's objectives with its Pareto front, the champion's network and, when the folder
holds sweep.csv (from wann tune, or --sweep), the champion's return against the weight.
A classification run (digits, mnist) adds the confusion matrix of the champion's ensemble
(confusion.png) and its train and test accuracy against the shared weight (accuracy.png).
Several runs: runs with the same config.toml are seeds of one setting (as the seed-N/ folders
of --seeds), drawn as their mean with a band of its 95% bootstrap confidence interval.
"""
NUMERIC = [c for c in LOG_COLUMNS if c not in ("generation", "objectives")]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        NAME, help="draw a run's figures (PNG, SVG)", epilog=EXAMPLES,
        description="Figures from what a run wrote to disk; prints the paths it writes.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run folder(s)")
    p.add_argument("--out", help="folder for the figures (default RUN_DIR/figures; for "
                   "several runs, their common parent folder)")
    p.add_argument("--svg", action="store_true", help="write SVG beside each PNG")
    p.add_argument("--sweep", action="store_true",
                   help="compute the champion's shared-weight sweep (writes RUN_DIR/sweep.csv)")
    p.add_argument("--column", default="best_fitness", choices=NUMERIC, metavar="COLUMN",
                   help="log column overlaid for several runs (default best_fitness)")
    p.add_argument("--backend", default="auto", choices=BACKENDS, help="backend for --sweep")
    p.add_argument("--workers", type=int, default=1, help="workers for --sweep")
    p.add_argument("--data", metavar="DIR", help="mnist runs: folder of the IDX files")
    p.add_argument("--wann", nargs="+", metavar="RUN_DIR", help="a comparison folder: draw "
                   "its sparsity curves again with these runs' champions as the WANN "
                   "(each scored by wann eval --random --json > eval.json and wann tune)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from wann.plotting import plot_overlay, plot_run

    if args.out is not None:
        check_writable(args.out, "figure folder")
    if len(args.runs) == 1 and (Path(args.runs[0]) / "curves.csv").is_file():
        from wann.study import redraw_curves

        if args.sweep:
            raise WannError("--sweep is for a run folder, not a comparison")
        for path in redraw_curves(args.runs[0], args.wann or (), args.out, args.svg):
            print(path)
        return 0
    if args.wann:
        raise WannError("--wann goes with one comparison folder (one holding curves.csv)")
    if len(args.runs) == 1:
        paths, notes = plot_run(args.runs[0], args.out, args.svg, args.sweep, args.backend,
                                args.workers, args.data)
        for note in notes:
            print(f"wann: {note}", file=sys.stderr)
    else:
        if args.sweep:
            raise WannError("--sweep works on one run folder at a time")
        paths = plot_overlay(args.runs, args.out, args.svg, args.column)
    for p in paths:
        print(p)
    return 0
