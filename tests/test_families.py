"""Task families: the one resolver, a bare run's family settings, and a third family added from
outside the package running through the same verbs (the seam)."""

from __future__ import annotations

import argparse
import dataclasses
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path

import gymnasium as gym
import pytest

import wann
from tests.conftest import log_rows
from wann import WannError, families, tasks
from wann.cli import main
from wann.commands import evolve as evolve_cmd
from wann.config import preset
from wann.evaluation import make_evaluator
from wann.evaluation.serial import SerialEvaluator
from wann.families import CLASSIFICATION, CONTROL, family_of, resolve_task
from wann.families.base import missing_members, numbered
from wann.genome import Genome, from_dense
from wann.io import save_genome
from wann.layout import TIMING_COLUMNS

TINY = {"generations": 1, "pop_size": 16, "tourn_size": 4}


# -- the resolver ---------------------------------------------------------------------------


def test_names_resolve_to_their_family() -> None:
    assert family_of("digits") is CLASSIFICATION and family_of("mnist256") is CLASSIFICATION
    for name in ("swingup", "CartPole-v1", "no-such-task", "mymod:Env-v0"):
        assert family_of(name) is CONTROL  # by name only: nothing is made or loaded
    digits, swingup = resolve_task("digits"), resolve_task("swingup")
    assert (digits.family, swingup.family) == ("classification", "control")
    assert family_of(digits) is CLASSIFICATION and family_of(swingup) is CONTROL
    assert resolve_task(swingup) is swingup and resolve_task(digits) is digits
    assert wann.get_task("digits").n_in == 64 and wann.family_of("swingup") is CONTROL


def test_the_core_resolves_control_names_only() -> None:
    """wann.tasks is below the families: a data set's name is the families' resolver's."""
    assert tasks.get_task("cartpole").family == "control"
    with pytest.raises(WannError, match="unknown task 'digits'"):
        tasks.get_task("digits")


def test_both_families_implement_the_whole_protocol() -> None:
    for family in (CONTROL, CLASSIFICATION):
        assert isinstance(family, families.Family) and not missing_members(family)
    with pytest.raises(WannError, match="is not a task family: it lacks .*owns"):
        families.register_family(object())


def test_the_resolver_takes_an_env_factory_and_refuses_what_is_no_task() -> None:
    task = resolve_task(lambda: gym.make("CartPole-v1"))
    assert family_of(task) is CONTROL and (task.n_in, task.n_out) == (4, 2)
    with pytest.raises(WannError, match="a task must be a name"):
        resolve_task(42)
    with pytest.raises(WannError, match="not a task of any registered family"):
        family_of(object())
    with pytest.raises(WannError, match="is for classification tasks"):
        resolve_task("swingup", data="somewhere")
    with pytest.raises(WannError, match="cannot be removed"):
        families.unregister_family("control")


def test_run_settings_record_the_data_of_a_classification_run() -> None:
    task, hp = families.task_for_run(preset("digits").replace(minibatch=50))
    assert hp.minibatch == 50 == task.minibatch and len(hp.data_digest) == 16
    assert families.task_for_run(preset("quick"))[1] == preset("quick")  # control: as given
    # a task object under another task's settings is recorded under its own name
    assert CLASSIFICATION.run_settings(task, preset("quick")).task == "digits"


# -- a bare run uses its family's settings -----------------------------------------------------


def settings(*argv: str) -> wann.Hyperparameters:
    p = argparse.ArgumentParser()
    evolve_cmd.register(p.add_subparsers())
    return evolve_cmd.resolve_settings(p.parse_args(["evolve", *argv]))


@pytest.mark.parametrize(("task", "expected"), [
    ("digits", "digits"), ("mnist", "mnist256"), ("mnist256", "mnist256"), ("mnist28", "mnist256"),
    ("swingup", "quick"),
    ("cartpole", "quick"),
])
def test_a_bare_run_starts_from_the_family_preset(task: str, expected: str) -> None:
    assert settings("--task", task) == preset(expected).replace(task=task)
    assert family_of(task).default_preset(task) == expected


def test_a_preset_or_config_given_by_the_user_wins(tmp_path: Path) -> None:
    assert settings("--task", "digits", "--preset", "quick") == preset("quick").replace(task="digits")
    cfg = tmp_path / "c.toml"
    cfg.write_text("pop_size = 20\n")
    assert settings("--task", "digits", "--config", str(cfg)).prob_init_enable == 0.5  # defaults
    assert settings() == preset("quick")


def test_bare_digits_run_from_the_command_line_and_the_api(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["evolve", "--task", "digits", "--generations", "1", "--pop-size", "16",
                 "--out", str(out)]) == 0
    cfg = tomllib.loads((out / "config.toml").read_text())
    digits = preset("digits")
    assert (cfg["prob_init_enable"], cfg["n_reps"], cfg["tourn_size"]) == (
        digits.prob_init_enable, digits.n_reps, digits.tourn_size)
    api = wann.evolve("digits", {"generations": 1, "pop_size": 16})  # the same run
    assert [{k: str(v) for k, v in r.items() if k not in TIMING_COLUMNS}
            for r in api.history] == log_rows(out)


# -- a third family, registered from outside the package, runs through the same verbs ----------


@dataclasses.dataclass(frozen=True)
class ToyTask:
    """A control task seen through another family: its evaluator is always the serial one."""

    inner: tasks.Task
    family = "toy"

    def __getattr__(self, key: str) -> object:  # n_in, n_out, hidden_acts, max_steps, ...
        if key == "inner":
            raise AttributeError(key)
        return getattr(self.inner, key)

    @property
    def name(self) -> str:
        return "toy-" + self.inner.name

    def make_evaluator(self, backend: str, workers: int | None, **options: object) -> SerialEvaluator:
        if backend not in ("auto", "serial"):
            raise WannError(f"the toy family runs on the serial backend only, not {backend}")
        return SerialEvaluator(self.inner)


class Toy:
    name, can_render, episode_sweep = "toy", False, True

    def owns(self, name: str) -> bool:
        return name.startswith("toy-")

    def task_names(self) -> tuple[str, ...]:
        return ("toy-cartpole",)

    def canonical(self, name: str) -> str:
        return name

    def io_names(self, name: str, n_in: int, n_out: int) -> tuple[list[str], list[str]]:
        return numbered(n_in, n_out)

    def resolve(self, name: str, data: object = None, hp: object = None) -> ToyTask:
        return ToyTask(tasks.control_task(name.removeprefix("toy-")))

    def default_preset(self, name: str) -> str:
        return "quick"

    def run_settings(self, task: ToyTask, hp: wann.Hyperparameters) -> wann.Hyperparameters:
        return hp

    def make_evaluator(self, task: ToyTask, backend: str = "auto", workers: int | None = 1,
                       **options: object) -> SerialEvaluator:
        return make_evaluator(task, backend, workers, **options)

    def score(self, task: ToyTask, genome: Genome, weights: Sequence[float], episodes: int,
              seed: int, **options: object) -> dict:
        return {**CONTROL.score(task.inner, genome, weights, episodes, seed), "task": task.name}

    def print_score(self, result: dict) -> None:
        print(f"toy score {result['all_shared_weights']['mean']:.3f}")

    def check_tune(self, options: families.TuneOptions, seeds: object) -> None:
        raise WannError("the toy family is not tuned")

    tune = print_tune = check_tune  # never reached: check_tune refuses first


@pytest.fixture
def toy() -> Iterator[Toy]:
    family = Toy()
    families.register_family(family)
    try:
        yield family
    finally:
        families.unregister_family("toy")


def test_a_registered_family_runs_through_evolve_eval_and_the_checks(
    toy: Toy, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    task = resolve_task("toy-cartpole")
    assert family_of("toy-cartpole") is toy and family_of(task) is toy
    assert isinstance(make_evaluator(task), SerialEvaluator)  # the core asks the task
    with pytest.raises(WannError, match="serial backend only, not compiled"):
        make_evaluator(task, "compiled")
    with pytest.raises(WannError, match="unknown backend"):  # the shared checks come first
        make_evaluator(task, "gpu")
    result = wann.evolve("toy-cartpole", {**TINY, "n_reps": 1}, out=tmp_path / "run")
    assert result.task.name == "toy-cartpole" and result.champion is not None
    champion = tmp_path / "run" / "champion.json"
    assert main(["eval", str(champion), "--episodes", "2"]) == 0
    assert capsys.readouterr().out.startswith("toy score ")
    score = wann.score(champion, episodes=2)
    assert score["task"] == "toy-cartpole" and len(score["shared_weights"]) == 6
    assert main(["tune", str(champion)]) == 2
    assert "the toy family is not tuned" in capsys.readouterr().err
    assert main(["render", str(champion), "-o", str(tmp_path / "x.gif")]) == 2
    assert "toy-cartpole' (toy) has no environment to record" in capsys.readouterr().err


def test_classification_refuses_render_and_control_only_options(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    g = from_dense([64, 10])
    g.meta["task"] = "digits"
    save_genome(g, tmp_path / "g.json")
    assert main(["render", str(tmp_path / "g.json"), "-o", str(tmp_path / "g.gif")]) == 2
    assert "(classification) has no environment to record" in capsys.readouterr().err
    with pytest.raises(WannError, match="fast math is for the control"):
        CLASSIFICATION.make_evaluator(resolve_task("digits"), fast_math=True)
