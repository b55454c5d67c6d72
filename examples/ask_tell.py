"""Write your own loop: ask for genomes, evaluate them, tell the returns; and a custom reporter.

    python examples/ask_tell.py [generations]
"""

import sys

import wann
from wann.evaluation import episode_seeds


class PrintBest(wann.Reporter):
    """A reporter: called after every generation of `wann.evolve` (it may not change the run)."""

    def __init__(self) -> None:
        self.best: list[float] = []

    def generation(self, run, stats, row) -> None:
        self.best.append(row["best_fitness"])
        print(f"generation {row['generation']}: best {row['best_fitness']:.1f}, "
              f"{row['best_connections']} connections")


def own_loop(generations: int) -> wann.Search:
    task = wann.get_task("swingup")
    hp = wann.preset("quick").replace(pop_size=16, generations=generations, n_reps=2)
    search = wann.Search(hp, task.n_in, task.n_out, task.hidden_acts, task.output_act, seed=2)
    for g in range(generations):
        genomes = search.ask()
        returns = wann.evaluate(genomes, task, hp.weights, episode_seeds(2, g, hp.n_reps))
        stats = search.tell(returns)  # returns[genome, weight, episode]
        print(f"own loop, generation {stats.generation}: best mean {stats.mean.max():.1f}")
    return search


def main(generations: int = 3) -> tuple[wann.Search, PrintBest]:
    search = own_loop(generations)
    reporter = PrintBest()
    settings = wann.preset("quick").replace(pop_size=16, generations=generations, n_reps=2)
    wann.evolve("swingup", settings, seed=2, reporters=[reporter])
    return search, reporter


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
