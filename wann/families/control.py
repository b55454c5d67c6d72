"""The control family: gymnasium environments (built-in names, any registered id, module:EnvId,
or the user's own env factory), scored by episode returns and tuned by CMA-ES."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from wann import WannError, layout, streams
from wann.cmaes import CMASettings, history_csv
from wann.config import Hyperparameters
from wann.evaluation import make_evaluator
from wann.evaluation.protocol import Evaluator
from wann.families.base import TuneOptions, numbered
from wann.genome import Genome
from wann.io import atomic_write, save_genome
from wann.progress import Progress
from wann.scoring import (
    own_weight_returns,
    random_shared_returns,
    random_weight_returns,
    shared_weight_returns,
    summary,
    test_seeds,
)
from wann.streams import stream_seeds
from wann.sweep import sweep_shared_weight
from wann.tasks import BUILTIN, Task, control_task


class Control:
    """Gymnasium tasks (wann.tasks.Task); the family every name no other family owns falls to."""

    name = "control"
    can_render = True
    episode_sweep = True

    def owns(self, name: str) -> bool:
        """Any name: a gymnasium id is checked when it is resolved, not here."""
        return True

    def task_names(self) -> tuple[str, ...]:
        return tuple(BUILTIN)

    def canonical(self, name: str) -> str:
        return name

    def resolve(
        self, name: str, data: str | Path | None = None, hp: Hyperparameters | None = None
    ) -> Task:
        return control_task(name, data)

    def io_names(self, name: str, n_in: int, n_out: int) -> tuple[list[str], list[str]]:
        """A built-in task's names where they fit, numbered ones otherwise."""
        spec = BUILTIN.get(name)
        ins, outs = numbered(n_in, n_out)
        if spec and len(spec.inputs) == n_in:
            ins = list(spec.inputs)
        if spec and len(spec.outputs) == n_out:
            outs = list(spec.outputs)
        return ins, outs

    def default_preset(self, name: str) -> str:
        return "quick"

    def run_settings(self, task: Task, hp: Hyperparameters) -> Hyperparameters:
        return hp

    def make_evaluator(
        self, task: Task, backend: str = "auto", workers: int | None = 1, *,
        scheduler: str | None = None, timeout: float | None = None, fast_math: bool = False,
    ) -> Evaluator:
        return make_evaluator(task, backend, workers, scheduler=scheduler, timeout=timeout,
                              fast_math=fast_math)

    def score(
        self, task: Task, genome: Genome, weights: Sequence[float], episodes: int, seed: int, *,
        backend: str = "auto", workers: int | None = 1, fast_math: bool = False,
        random: bool = False,
    ) -> dict:
        """Mean, std, min, max of the return per shared weight and over all of them on
        `episodes` test episodes, the genome's own weights where tuned, and with `random`
        random weights and a random shared weight (U(-2, 2))."""
        if episodes < 1:
            raise WannError(f"{{episodes}} must be at least 1, got {episodes}")
        weights = np.asarray(weights, dtype=np.float64)
        seeds = test_seeds(seed, episodes)
        ev = self.make_evaluator(task, backend, workers, fast_math=fast_math)
        try:
            shared = shared_weight_returns(ev, genome, weights, seeds)
            result: dict = {
                "task": task.name, "episodes": episodes, "seed": seed,
                "connections": genome.n_enabled,
                "shared_weights": [{"weight": float(w), **summary(shared[i])}
                                   for i, w in enumerate(weights)],
                "all_shared_weights": summary(shared),
            }
            if genome.meta.get("weights") == "tuned":
                result["own_weights"] = summary(own_weight_returns(ev, genome, seeds))
            if random:
                rng = streams.generator(seed, streams.RANDOM_WEIGHTS)
                result["random_weights"] = summary(random_weight_returns(ev, genome, seeds, rng))
                result["random_shared_weight"] = summary(
                    random_shared_returns(ev, genome, seeds, rng)
                )
        finally:
            ev.close()
        return result

    def print_score(self, result: dict) -> None:
        print(f"{result['genome']} on {result['task']}: {result['connections']} connections, "
              f"{result['episodes']} episodes (seed {result['seed']})")
        print(f"{'weight':>22}  {'mean':>9}  {'std':>8}")
        for row in result["shared_weights"]:
            print(f"{row['weight']:>22g}  {row['mean']:9.2f}  {row['std']:8.2f}")
        for key, label in (("all_shared_weights", "all shared weights"),
                           ("own_weights", "own weights"), ("random_weights", "random weights"),
                           ("random_shared_weight", "random shared weight")):
            if key in result:
                print(f"{label:>22}  {result[key]['mean']:9.2f}  {result[key]['std']:8.2f}")

    def check_tune(self, options: TuneOptions, seeds: Sequence[int] | None) -> None:
        if not options.sweep_only:
            cma_settings(options)

    def tune(
        self, task: Task, genome: Genome, options: TuneOptions, out: Path, seed: int,
        evaluator: Evaluator, progress: Progress,
    ) -> dict:
        """The sweep on training episodes, the best weight on test episodes, then CMA-ES on
        every weight from it (wann.tune)."""
        from wann.tune import tune_weights_restarts

        ev = evaluator
        grid = options.weight_grid()
        progress.line(f"sweeping {grid.size} shared weights on {options.train_episodes} "
                      f"training episodes")
        sweep = sweep_shared_weight(
            ev, genome, stream_seeds(seed, streams.SWEEP, options.train_episodes), grid
        )
        test = test_seeds(seed, options.episodes)
        best = shared_weight_returns(ev, genome, [sweep.best_weight], test)[0]
        result: dict = {
            "genome": options.source, "task": task.name, "seed": seed,
            "connections": genome.n_enabled, "test_episodes": options.episodes,
            "best_shared_weight": sweep.best_weight,
            "sweep_train_mean": float(sweep.mean[sweep.best_index]),
            "tuned_shared_weight": summary(best),
        }
        atomic_write(out / layout.SWEEP, sweep.to_csv())
        if not options.sweep_only:
            settings = cma_settings(options)
            sds = ", ".join(f"{s:g}" for s in options.sigmas)
            progress.line(f"CMA-ES on {genome.n_enabled} weights: {settings.generations} "
                          f"generations of {settings.popsize} x {settings.rollouts} rollouts "
                          f"from sd {sds}")
            res, tried = tune_weights_restarts(ev, genome, sweep.best_weight, settings,
                                               options.sigmas, seed, progress)
            res.genome.meta.update({"task": task.name, "source": options.source})
            result["tuned_weights"] = summary(own_weight_returns(ev, res.genome, test))
            result["cma"] = {"generations": settings.generations, "popsize": settings.popsize,
                             "rollouts": settings.rollouts,
                             "sigma0": res.genome.meta.get("sigma0", settings.sigma0),
                             "env_steps": res.rollouts * task.max_steps,
                             "chosen_generation": res.check_generation}
            if len(tried) > 1:
                result["cma"]["sigma0_tried"] = tried
            res.genome.meta["test_mean"] = result["tuned_weights"]["mean"]
            save_genome(res.genome, out / "tuned.json")
            atomic_write(out / "tune_log.csv", history_csv(res.history))
        return result

    def print_tune(self, result: dict, out: Path) -> None:
        ts = result["tuned_shared_weight"]
        print(f"{result['genome']} on {result['task']}: {result['connections']} connections, "
              f"{result['test_episodes']} test episodes (seed {result['seed']})")
        print(f"tuned shared weight {result['best_shared_weight']:+.3g}: "
              f"{ts['mean']:.2f} ± {ts['std']:.2f}")
        if "tuned_weights" in result:
            tw = result["tuned_weights"]
            print(f"tuned weights:        {tw['mean']:.2f} ± {tw['std']:.2f}")
        print(f"wrote {out / layout.SWEEP}"
              + (f", {out / 'tuned.json'}" if "tuned_weights" in result else ""))


def cma_settings(options: TuneOptions) -> CMASettings:
    """The CMA-ES settings of `options`, checked."""
    for key in ("generations", "rollouts"):
        if getattr(options, key) < 1:
            raise WannError(f"{{{key}}} must be at least 1, got {getattr(options, key)}")
    if options.popsize < 2:
        raise WannError(f"{{popsize}} must be at least 2, got {options.popsize}")
    return CMASettings(options.generations, options.popsize, options.rollouts, options.sigmas[0])


CONTROL = Control()
