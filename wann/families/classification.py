"""The classification family: data sets (digits, mnist) scored by test-set accuracy and tuned by
Adam on cross-entropy; the machinery lives in wann.classify."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from wann import WannError, layout
from wann.classify import ALIASES, ClassifyTask, classify_task, data_digest, is_classification
from wann.classify.finetune import TrainSettings, adam_settings
from wann.config import Hyperparameters
from wann.evaluation import make_evaluator
from wann.evaluation.protocol import Evaluator
from wann.families.base import TuneOptions, numbered
from wann.genome import Genome
from wann.io import atomic_write, save_genome
from wann.progress import Progress

#: The preset a bare run of each data set starts from.
PRESETS = {"digits": "digits", "mnist": "mnist256", "mnist28": "mnist256"}


class Classification:
    """ClassifyTask (wann.classify): a data set split into training and test images."""

    name = "classification"
    can_render = False
    episode_sweep = False

    def owns(self, name: str) -> bool:
        return is_classification(name)

    def task_names(self) -> tuple[str, ...]:
        return tuple(ALIASES)

    def canonical(self, name: str) -> str:
        return ALIASES[name]

    def resolve(
        self, name: str, data: str | Path | None = None, hp: Hyperparameters | None = None
    ) -> ClassifyTask:
        """The data set split and batched as `hp` says (the default split without it)."""
        if hp is None:
            return classify_task(name, data)
        return classify_task(name, data, minibatch=hp.minibatch, test_fraction=hp.test_fraction,
                             split_seed=hp.split_seed, digest=hp.data_digest)

    def io_names(self, name: str, n_in: int, n_out: int) -> tuple[list[str], list[str]]:
        """Pixels in, digits out (numbered names for a network of another shape)."""
        if n_out != 10:
            return numbered(n_in, n_out)
        return [f"px {i + 1}" for i in range(n_in)], [f"digit {i}" for i in range(n_out)]

    def default_preset(self, name: str) -> str:
        return PRESETS[self.canonical(name)]

    def run_settings(self, task: ClassifyTask, hp: Hyperparameters) -> Hyperparameters:
        """The task's own minibatch and data digest (and its name, where the settings name
        another task): a resumed run is checked to see the same data."""
        if not self.owns(hp.task) or self.canonical(hp.task) != self.canonical(task.name):
            hp = hp.replace(task=task.name)
        return hp.replace(minibatch=task.minibatch, data_digest=data_digest(task))

    def make_evaluator(
        self, task: ClassifyTask, backend: str = "auto", workers: int | None = 1, *,
        scheduler: str | None = None, timeout: float | None = None, fast_math: bool = False,
    ) -> Evaluator:
        return make_evaluator(task, backend, workers, scheduler=scheduler, timeout=timeout,
                              fast_math=fast_math)

    def score(
        self, task: ClassifyTask, genome: Genome, weights: Sequence[float], episodes: int,
        seed: int, *, backend: str = "auto", workers: int | None = 1, fast_math: bool = False,
        random: bool = False,
    ) -> dict:
        """Test accuracy and cross-entropy per shared weight, of their ensemble, at the tuned
        shared weight, with own weights where tuned, and of `episodes` random-weight draws
        (always: they are cheap on a data set)."""
        from wann.classify.report import eval_result

        self.make_evaluator(task, backend, workers, fast_math=fast_math).close()  # checks
        return eval_result(task, genome, weights, seed, episodes)

    def print_score(self, result: dict) -> None:
        from wann.classify.report import print_eval

        print_eval(result, result["genome"])

    def check_tune(self, options: TuneOptions, seeds: Sequence[int] | None) -> None:
        if seeds is not None:
            raise WannError("{seeds} tunes control tasks over several seeds; a classification "
                            "genome is tuned once ({seed})")
        if not options.sweep_only:
            train_settings(options)

    def tune(
        self, task: ClassifyTask, genome: Genome, options: TuneOptions, out: Path, seed: int,
        evaluator: Evaluator, progress: Progress,
    ) -> dict:
        """The sweep by training accuracy or cross-entropy (accuracy_sweep.csv), then Adam on
        every connection from the chosen weight (tuned.json)."""
        from wann.classify.report import sweep_csv, tune_result

        settings = None if options.sweep_only else train_settings(options)
        result, sweep, tuned = tune_result(task, genome, options.weight_grid(), options.by,
                                           settings, seed)
        result["genome"] = options.source
        atomic_write(out / layout.ACCURACY_SWEEP, sweep_csv(sweep))
        if tuned is not None:
            tuned.meta.update({"task": task.name, "source": options.source})
            save_genome(tuned, out / "tuned.json")
        return result

    def print_tune(self, result: dict, out: Path) -> None:
        ts = result["tuned_shared_weight"]
        print(f"{result['genome']} on {result['task']}: {result['connections']} connections, "
              f"test accuracy on {result['n_test']} images")
        print(f"tuned shared weight {result['best_shared_weight']:+.3g} "
              f"(by {result['chosen_by']}): {100 * ts['accuracy']:.2f}% "
              f"(cross-entropy {ts['cross_entropy']:.4f})")
        if "tuned_weights" in result:
            tw = result["tuned_weights"]
            print(f"tuned weights (Adam, {result['training']['epochs']} epochs): "
                  f"{100 * tw['accuracy']:.2f}% (cross-entropy {tw['cross_entropy']:.4f})")
        print(f"wrote {out / layout.ACCURACY_SWEEP}"
              + (f", {out / 'tuned.json'}" if "tuned_weights" in result else ""))


def train_settings(options: TuneOptions) -> TrainSettings:
    """Adam's settings of `options`, checked."""
    return adam_settings(options.epochs, options.batch_size, options.lr)


CLASSIFICATION = Classification()
