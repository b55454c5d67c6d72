"""The paper's MNIST row over seeds: each seed's champion scored by `wann eval` and `wann tune`,
the four columns of Gaier & Ha's Table 2 aggregated over seeds beside the paper's numbers.

Each seed folder OUT/seed-S/ holds a finished `wann evolve --preset mnist256` run and, next to
it, `eval.json` (`wann eval champion.json --random --json`) and `tune.json` (`wann tune
champion.json`). This reads them and writes OUT/table.md: per column the mean over seeds with
its 95% bootstrap interval and the IQM (wann/stats.py), and every seed's value; the random
shared weight also with its standard deviation over draws (the paper's ±). Each search's wall
time is in its log (gen_seconds) and, where the run was timed from outside, OUT/walls.csv.

    for s in 1 2 3; do d=results/mnist256/seed-$s
        wann eval $d/champion.json --data ../shared/data/mnist --random --json > $d/eval.json
        wann tune $d/champion.json --data ../shared/data/mnist > $d/tune.txt; done
    python benchmarks/mnist_seeds.py --out results/mnist256 --seeds 1-3
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from wann.layout import LOG
from wann.seeds import parse_seeds, seed_dir
from wann.stats import FOOTNOTE, aggregate

# Gaier & Ha (2019), Table 2: MNIST (16x16, deskewed), test accuracy.
PAPER = {"random_shared": "82.0% ± 18.7", "ensemble": "91.6%", "tuned_shared": "91.9%",
         "trained": "94.2%"}
COLUMNS = (("random_shared", "random shared weight"), ("ensemble", "ensemble of the six"),
           ("tuned_shared", "tuned shared weight"), ("trained", "tuned weights (trained)"))


def seed_scores(folder: Path) -> dict[str, float]:
    """One seed's columns (as fractions), its connections, search time and best fitness."""
    ev = json.loads((folder / "eval.json").read_text())
    tune = json.loads((folder / "tune.json").read_text())
    rows = list(csv.DictReader((folder / LOG).open()))
    return {"random_shared": ev["random_shared_weight"]["mean"],
            "random_shared_sd": ev["random_shared_weight"]["std"],
            "ensemble": ev["ensemble"]["accuracy"],
            "tuned_shared": tune["tuned_shared_weight"]["accuracy"],
            "tuned_weight": tune["best_shared_weight"],
            "trained": tune["tuned_weights"]["accuracy"],
            "connections": ev["connections"],
            "generations": len(rows),
            "search_seconds": sum(float(r["gen_seconds"]) for r in rows)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="folder of the seed-S/ run folders")
    ap.add_argument("--seeds", required=True, help="e.g. 1-3")
    args = ap.parse_args()
    out = Path(args.out)
    seeds = parse_seeds(args.seeds)
    per = [seed_scores(seed_dir(out, s)) for s in seeds]
    lines = [f"# MNIST (16x16 deskewed): the `mnist256` search over {len(seeds)} seeds", "",
             "Test accuracy on the 10,000 test images, %. Per column the mean over seeds "
             "[95% bootstrap interval], the IQM, and each seed's value.", "",
             "| column | ours | IQM | per seed | paper |", "|---|---|---|---|---|"]
    for key, label in COLUMNS:
        a = aggregate([100 * p[key] for p in per])
        each = ", ".join(f"{100 * p[key]:.1f}" for p in per)
        extra = ""
        if key == "random_shared":
            sd = aggregate([100 * p["random_shared_sd"] for p in per])
            extra = f" (± {sd.mean:.1f} over draws)"
        lines.append(f"| {label} | {a.cell(1)}{extra} | {a.iqm:.1f} | {each} | "
                     f"{PAPER[key]} |")
    conns = ", ".join(str(p["connections"]) for p in per)
    weights = ", ".join(f"{p['tuned_weight']:+g}" for p in per)
    lines += ["", f"Connections of the champions: {conns}. Tuned shared weights: {weights}.",
              "Search: " + ", ".join(f"seed {s}: {p['generations']} generations, "
                                     f"{p['search_seconds'] / 60:.1f} min in its log"
                                     for s, p in zip(seeds, per)) + ".", "", FOOTNOTE, ""]
    (out / "table.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
