"""Evaluate a search's rollouts on a Dask cluster (`pip install 'wann[dask]'`).

    python examples/dask_cluster.py [generations] [SCHEDULER]

Without a scheduler address this starts a LocalCluster of single-threaded worker processes
on loopback; give `host:port` (or a scheduler file) to join a running cluster instead.
The results are the serial backend's, bit for bit.
"""

import sys

import wann


def main(generations: int = 5, scheduler: str | None = None, workers: int = 2,
         pop_size: int = 16) -> wann.RunResult:
    settings = wann.preset("quick").replace(pop_size=pop_size, generations=generations, n_reps=2)
    task = wann.get_task("swingup")
    if scheduler is None:
        from distributed import LocalCluster

        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None,
                          env={"NUMBA_NUM_THREADS": "1"}) as cluster:
            return main(generations, cluster.scheduler_address, workers, pop_size)
    ev = wann.make_evaluator(task, "dask", workers, scheduler=scheduler, timeout=120)
    try:
        run = wann.Run.new(task, settings, ev, out=None, seed=4)  # what wann.evolve runs
        run.run()
    finally:
        ev.close()
    s = run.search
    result = wann.RunResult(s.best_ever, s.best_ever_fitness, run.rows, list(s.population), task)
    print(f"on {scheduler}: best {result.fitness:.1f} after {len(result.history)} generations")
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5, sys.argv[2] if len(sys.argv) > 2 else None)
