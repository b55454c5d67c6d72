"""A user's own environment, named `module:EnvId`, is searched, resumed, evaluated and rendered
from the command line like a built-in task."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from wann.cli import main

MODULE = '''
import gymnasium as gym
import numpy as np


class Walk(gym.Env):
    """Walk a point to the origin: observation (x, v), actions left/stay/right."""

    metadata = {"render_modes": ["rgb_array"]}

    def __init__(self, render_mode=None):
        self.observation_space = gym.spaces.Box(-10.0, 10.0, (2,), np.float64)
        self.action_space = gym.spaces.Discrete(3)
        self.render_mode = render_mode

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.s = np.array([self.np_random.uniform(-3, 3), 0.0])
        return self.s.copy(), {}

    def step(self, a):
        self.s[1] = 0.9 * self.s[1] + 0.1 * (int(a) - 1)
        self.s[0] = np.clip(self.s[0] + self.s[1], -10, 10)
        return self.s.copy(), -abs(self.s[0]), False, False, {}

    def render(self):
        img = np.zeros((32, 64, 3), np.uint8)
        img[:, int(np.clip(32 + 3 * self.s[0], 0, 63))] = 255
        return img


gym.register("UserWalk-v0", entry_point=Walk, max_episode_steps=50)
'''


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    src = tmp_path / "src"
    src.mkdir()
    (src / "wann_user_walk.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(src))
    monkeypatch.setenv("PYTHONPATH", f"{src}:{':'.join(sys.path)}")
    monkeypatch.delitem(sys.modules, "wann_user_walk", raising=False)
    return "wann_user_walk:UserWalk-v0"


def test_search_resume_eval_render_a_user_environment(user_module, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    base = ["evolve", "--task", user_module, "--pop-size", "8", "--reps", "1", "--seed", "2"]
    assert main([*base, "--generations", "2", "--out", str(out)]) == 0
    assert f'task = "{user_module}"' in (out / "config.toml").read_text()
    assert main(["evolve", "--resume", str(out), "--generations", "3"]) == 0
    assert len((out / "log.csv").read_text().splitlines()) == 1 + 3
    capsys.readouterr()
    assert main(["eval", str(out / "champion.json"), "--episodes", "3"]) == 0  # task from the genome
    assert "mean" in capsys.readouterr().out.lower()
    gif = tmp_path / "walk.gif"
    assert main(["render", str(out / "champion.json"), "--task", user_module,
                 "--weight", "1", "-o", str(gif)]) == 0
    assert gif.stat().st_size > 0


def test_the_pool_backend_runs_a_user_environment(user_module, tmp_path) -> None:
    out = tmp_path / "pool"
    assert main(["evolve", "--task", user_module, "--pop-size", "8", "--reps", "1",
                 "--generations", "1", "--backend", "pool", "--workers", "2",
                 "--out", str(out)]) == 0
    serial = tmp_path / "serial"
    assert main(["evolve", "--task", user_module, "--pop-size", "8", "--reps", "1",
                 "--generations", "1", "--backend", "serial", "--out", str(serial)]) == 0
    assert (out / "champion.json").read_bytes() == (serial / "champion.json").read_bytes()


@pytest.mark.parametrize("task, message", [
    ("no_such_module_xyz:Thing-v0", "cannot import module 'no_such_module_xyz'"),
    (":Thing-v0", "the module before ':' is empty"),
    ("NoSuchEnv-v9", "unknown task 'NoSuchEnv-v9'"),
])
def test_a_bad_task_name_is_one_clear_error(task, message, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["evolve", "--task", task, "--generations", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wann: error: ") and message in err and err.count("\n") == 1
    assert not out.exists()


def test_a_module_that_exits_on_import_is_one_clear_error(tmp_path, monkeypatch, capsys) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "wann_user_quits.py").write_text("import sys\nsys.exit(3)\n")
    monkeypatch.syspath_prepend(str(src))
    monkeypatch.delitem(sys.modules, "wann_user_quits", raising=False)
    out = tmp_path / "run"
    assert main(["evolve", "--task", "wann_user_quits:Quit-v0", "--generations", "1",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == ("wann: error: task 'wann_user_quits:Quit-v0': importing module "
                   "'wann_user_quits' called sys.exit(3)\n"), err
    assert not out.exists()


def test_a_module_that_does_not_register_the_id(user_module, tmp_path, capsys) -> None:
    assert main(["evolve", "--task", "wann_user_walk:Other-v0", "--generations", "1",
                 "--out", str(tmp_path / "r")]) == 2
    assert "unknown task 'wann_user_walk:Other-v0'" in capsys.readouterr().err
