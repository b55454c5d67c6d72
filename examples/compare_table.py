"""Put a WANN beside random, dense and sparse networks in the paper's Table 1 layout.

    python examples/compare_table.py [out]

A short search finds a champion; `wann compare` then trains a dense net by CMA-ES, prunes it
(magnitude pruning, lottery tickets, random masks, signed constants, supermasks) and scores
every row with random weights, a random shared weight, the tuned shared weight and tuned
weights on the same test episodes. The defaults here are a small budget (a few minutes).
"""

import sys
from pathlib import Path

import wann
from wann.cli import main as wann_cli

# A tiny budget for every stage of the comparison (drop these flags for `--quick`'s own).
TINY = ["--sparsities", "0.5", "0.9", "--generations", "2", "--finetune-generations", "1",
        "--tune-generations", "1", "--rollouts", "1", "--episodes", "3", "--dense-hidden", "10",
        "--grid", "5", "--sweep-episodes", "2"]


def main(out: str | Path = "results/runs/tutorial-compare", generations: int = 10,
         budget: list[str] | None = None) -> str:
    out = Path(out)
    settings = wann.preset("quick").replace(pop_size=32, generations=generations)
    champion = wann.evolve("swingup", settings, seed=0).champion
    out.mkdir(parents=True, exist_ok=True)
    wann.save_genome(champion, out / "champion.json")
    flags = TINY if budget is None else budget
    code = wann_cli(["compare", "--quick", "--task", "swingup", "--champion", str(out / "champion.json"),
                     "--out", str(out / "compare"), "--workers", "2", *flags])
    if code != 0:
        raise SystemExit(code)
    table = (out / "compare" / "table.md").read_text()
    print(table)
    return table


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "results/runs/tutorial-compare", budget=[])
