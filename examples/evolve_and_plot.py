"""Evolve a weight agnostic network for swing-up, keep its run folder, and draw its figures.

    python examples/evolve_and_plot.py [generations] [out]
"""

import sys
from pathlib import Path

import wann
from wann.plotting import plot_run


def main(generations: int = 20, out: str | Path = "results/runs/tutorial-evolve",
         pop_size: int = 32, sweep: bool = True) -> tuple[wann.RunResult, list[Path]]:
    settings = wann.preset("quick").replace(pop_size=pop_size, generations=generations)
    result = wann.evolve("swingup", settings, seed=1, out=out)  # writes the run folder
    print(f"champion: mean return {result.fitness:.1f} over the shared weights, "
          f"{result.champion.n_enabled} connections")
    # What `wann plot OUT --sweep` draws: fitness, complexity, objectives, the champion's
    # wiring and (with sweep) its return against the shared weight, into OUT/figures/.
    written, notes = plot_run(out, sweep=sweep)
    for path in written:
        print("wrote", path)
    for note in notes:
        print("note:", note)
    return result, written


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20,
         sys.argv[2] if len(sys.argv) > 2 else "results/runs/tutorial-evolve")
