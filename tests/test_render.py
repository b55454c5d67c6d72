"""Recording rollouts: the swing-up picture, the episode return, GIF frames and metadata."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import need
from wann import WannError
from wann import render as rnd
from wann.cli import main
from wann.evaluation.serial import SerialEvaluator
from wann.genome import from_dense
from wann.io import save_genome
from wann.network import compile_genome
from wann.scoring import test_seeds
from wann.tasks import get_task
from wann_envs.render_swingup import CART, HEIGHT, POLE, WIDTH, WORLD_HALF_WIDTH, draw


def pixels_of(img: np.ndarray, color: tuple[int, int, int]) -> np.ndarray:
    """(row, col) of the pixels exactly of `color`."""
    return np.argwhere(np.all(img == np.array(color, np.uint8), axis=2))


def test_draw_places_cart_and_pole() -> None:
    scale = WIDTH / (2 * WORLD_HALF_WIDTH)
    for x in (-1.5, 0.0, 2.0):
        img = draw(np.array([x, 0.0, 0.0, 0.0]))
        assert img.shape == (HEIGHT, WIDTH, 3) and img.dtype == np.uint8
        cart = pixels_of(img, CART)
        assert abs(cart[:, 1].mean() - (x + WORLD_HALF_WIDTH) * scale) < 2.0
    up = pixels_of(draw(np.array([0.0, 0.0, 0.0, 0.0])), POLE)
    down = pixels_of(draw(np.array([0.0, 0.0, math.pi, 0.0])), POLE)
    right = pixels_of(draw(np.array([0.0, 0.0, math.pi / 2, 0.0])), POLE)
    cart_row = pixels_of(draw(np.zeros(4)), CART)[:, 0].mean()
    assert up[:, 0].mean() < cart_row < down[:, 0].mean()  # theta = 0 is upright
    assert right[:, 1].mean() > WIDTH / 2 + 20  # theta = pi/2 leans right (+x)


def test_env_renders_its_state_headless() -> None:
    """The env's own frame, read back as geometry: the cart where the state's x puts it, the
    pole along the state's angle; not the frame of the state at reset."""
    env = get_task("swingup").make_env(render_mode="rgb_array")
    env.reset(seed=3)
    start = env.unwrapped.state.copy()
    for _ in range(40):  # pushed right: the cart moves and the pole swings up to horizontal
        env.step(np.array([1.0]))
    frame = env.render()
    x, theta = float(env.unwrapped.state[0]), float(env.unwrapped.state[2])
    env.close()
    assert frame.shape == (HEIGHT, WIDTH, 3) and frame.dtype == np.uint8
    scale = WIDTH / (2 * WORLD_HALF_WIDTH)
    assert abs(x - start[0]) * scale > 20  # far enough that the reset frame would fail below
    cart = pixels_of(frame, CART)
    centre = (cart[:, 1].min() + cart[:, 1].max() + 1) / 2  # the pole may hide some of it
    assert abs(centre - (x + WORLD_HALF_WIDTH) * scale) < 2.0
    pole = pixels_of(frame, POLE).astype(float)
    d = pole - pole.mean(axis=0)
    axis = np.linalg.eigh(d.T @ d)[1][:, -1]  # (row, col) of the pole's long axis
    along = np.array([-math.cos(theta), math.sin(theta)])  # theta = 0 up (rows grow down)
    assert abs(axis @ along) > 0.999  # the same line, to 2.5 degrees
    # ... and pointing away from the cart along theta, not the opposite way.
    assert (pole.mean(axis=0) - [cart[:, 0].mean(), centre]) @ along > 0.2 * scale


def genome(weights_scale: float):  # noqa: ANN201
    """A 5-1 network; a small weight keeps the cart on the track, a large one does not."""
    return from_dense([5, 1], np.array([0.0, 0.3, 0.2, 0.0, 0.5, 0.1]) * weights_scale,
                      output_act=1)


@pytest.mark.parametrize("weight, every", [(0.01, 7), (3.0, 2), (None, 50)])
def test_record_matches_the_evaluator(weight: float | None, every: int) -> None:
    task = get_task("swingup")
    g = genome(1.0)
    seed = int(test_seeds(0, 1)[0])
    rec = rnd.record(task, g, weight, seed, every=every)
    ev = SerialEvaluator(task)
    batch = compile_genome(g, use_weights=weight is None)
    r, _ = ev.evaluate(batch, np.array([1.0 if weight is None else weight]), np.array([seed]))
    ev.close()
    assert rec.episode_return == r[0, 0, 0]
    assert len(rec.frames) == 1 + math.ceil(rec.steps / every)
    assert all(f.shape == (HEIGHT, WIDTH, 3) for f in rec.frames)
    if weight == 3.0:
        assert rec.steps < task.max_steps  # the cart left the track: the last state is kept


def test_cli_gif_frames_return_and_metadata(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    g = genome(1.0)
    g.meta["task"] = "swingup"
    save_genome(g, tmp_path / "g.json")
    out = tmp_path / "ep.gif"
    assert main(["render", str(tmp_path / "g.json"), "--weight", "0.01", "--every", "40",
                 "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    meta, n_frames, durations = rnd.read_gif_meta(out)
    assert meta["steps"] == 1000 and meta["weight"] == 0.01 and meta["task"] == "swingup"
    assert n_frames == meta["frames"] == 1 + 1000 // 40
    assert set(durations) == {round(1000 / meta["fps"])}
    assert f"return {meta['return']:.2f}" in printed
    ev = SerialEvaluator(get_task("swingup"))
    r, _ = ev.evaluate(compile_genome(g), np.array([0.01]), test_seeds(0, 1))
    ev.close()
    assert meta["return"] == r[0, 0, 0]


def test_max_steps_cuts_the_recording(tmp_path: Path) -> None:
    g = genome(1.0)
    save_genome(g, tmp_path / "g.json")
    out = tmp_path / "short.gif"
    assert main(["render", str(tmp_path / "g.json"), "--task", "swingup", "--weight", "0.05",
                 "--max-steps", "30", "--every", "4", "-o", str(out)]) == 0
    meta, n_frames, _ = rnd.read_gif_meta(out)
    assert meta["steps"] == 30 and n_frames == 1 + math.ceil(30 / 4)


def test_mp4_carries_the_return(tmp_path: Path) -> None:
    imageio_ffmpeg = need("imageio_ffmpeg", "video")
    assert rnd.has_video()

    g = genome(1.0)
    save_genome(g, tmp_path / "g.json")
    out = tmp_path / "ep.mp4"
    assert main(["render", str(tmp_path / "g.json"), "--task", "swingup", "--weight", "0.05",
                 "--max-steps", "40", "-o", str(out)]) == 0
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(out), "-f",
                            "ffmetadata", "-"], capture_output=True, text=True, check=True)
    line = next(ln for ln in probe.stdout.splitlines() if ln.startswith("comment="))
    meta = json.loads(line.removeprefix("comment="))
    assert meta["steps"] == 40 and meta["frames"] == 21
    n_frames, _ = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert n_frames == 21


def test_mp4_without_the_extra_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rnd, "has_video", lambda: False)
    with pytest.raises(WannError, match=r"pip install 'wann\[video\]'"):
        rnd.check_output(tmp_path / "x.mp4")


@pytest.mark.parametrize("case", ["wrong_task", "bad_suffix", "unwritable", "missing"])
def test_bad_input_is_one_clear_error(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    g = genome(1.0)
    save_genome(g, tmp_path / "g.json")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    args = {
        "wrong_task": ["--task", "cartpole", "-o", str(tmp_path / "a.gif")],
        "bad_suffix": ["--task", "swingup", "-o", str(tmp_path / "a.avi")],
        "unwritable": ["--task", "swingup", "-o", str(blocker / "a.gif")],
        "missing": ["--task", "swingup", "-o", str(tmp_path / "missing" / "a.gif")],
    }[case]
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["render", str(tmp_path / "g.json"), "--weight", "1", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("wann: error:")
    assert {"wrong_task": "needs 4", "bad_suffix": ".gif or .mp4",
            "unwritable": "does not exist", "missing": "does not exist"}[case] in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before
