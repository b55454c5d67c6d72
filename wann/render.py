"""Recording a rollout: frames from the gymnasium environment's rgb_array rendering.

The episode runs exactly as the evaluators run it (same forward pass, same actions, same
seed), so the return stored in the file equals the one `wann eval` reports for that episode.
GIFs are written with Pillow (a matplotlib dependency); MP4 needs the optional `video`
extra (imageio-ffmpeg). Both are written to a temporary file and renamed into place.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import gymnasium as gym
import numpy as np

from wann import WannError
from wann.genome import Genome
from wann.io import atomic_write
from wann.network import compile_genome, forward, kernel_args
from wann.tasks import Task

FORMATS = (".gif", ".mp4")
TIME_BAR = 3  # pixel rows at the bottom of each frame showing the episode's elapsed time
TIME_BAR_COLOR = (90, 90, 90)


@dataclass
class Recording:
    """An episode's frames and outcome."""

    frames: list[np.ndarray]
    episode_return: float
    steps: int
    nonfinite: bool  # the network's output turned NaN or inf (scored as the worst return)
    meta: dict = field(default_factory=dict)


def _frame(env: gym.Env) -> np.ndarray:
    try:
        img = env.render()
    except gym.error.DependencyNotInstalled as exc:
        raise WannError(f"rendering this environment needs a package: {exc}") from None
    if not isinstance(img, np.ndarray) or img.ndim != 3 or img.shape[2] != 3:
        raise WannError("the environment gave no rgb_array frame to record")
    return np.ascontiguousarray(img, dtype=np.uint8)


def _with_time_bar(img: np.ndarray, fraction: float) -> np.ndarray:
    """A thin bar along the bottom edge: how far through the episode's time limit we are."""
    out = img.copy()
    n = int(round(min(max(fraction, 0.0), 1.0) * out.shape[1]))
    out[-TIME_BAR:, :n] = TIME_BAR_COLOR
    return out


def record(
    task: Task, genome: Genome, weight: float | None, seed: int, every: int = 2,
    max_steps: int | None = None, time_bar: bool = True,
) -> Recording:
    """Run one episode from env.reset(seed=seed); keep a frame at reset and every `every` steps.

    weight None runs the genome with its own per-connection weights (a tuned network).
    The last state is always recorded, so there are 1 + ceil(steps / every) frames.
    """
    if every < 1:
        raise WannError(f"{{every}} must be at least 1, got {every}")
    limit = task.max_steps if max_steps is None else min(max_steps, task.max_steps)
    batch = compile_genome(genome, use_weights=weight is None)
    w = 1.0 if weight is None else float(weight)
    args = kernel_args(batch)
    values = np.empty(batch.max_nodes)
    out = np.empty(batch.n_out)
    env = task.make_env(render_mode="rgb_array")
    frames: list[np.ndarray] = []
    total, steps, nonfinite = 0.0, 0, False

    def keep(t: int) -> None:
        img = _frame(env)
        frames.append(_with_time_bar(img, t / task.max_steps) if time_bar else img)

    try:
        obs, _ = env.reset(seed=int(seed))
        keep(0)
        for t in range(1, limit + 1):
            forward(*args, 0, batch.n_in, np.asarray(obs, dtype=np.float64), w, values, out)
            if not np.all(np.isfinite(out)):
                total, nonfinite = task.worst_return, True
                break
            obs, reward, terminated, truncated, _ = env.step(task.to_action(out))
            total += float(reward)
            steps = t
            done = terminated or truncated
            if t % every == 0 or done or t == limit:
                keep(t)
            if done:
                break
    finally:
        env.close()
    return Recording(frames, total, steps, nonfinite)


def check_output(path: str | Path) -> Path:
    """Fail early, with one clear line, on an output the recording could not be written to."""
    p = Path(path)
    if p.suffix.lower() not in FORMATS:
        raise WannError(f"output {str(p)!r} must end in {' or '.join(FORMATS)}")
    if p.is_dir():
        raise WannError(f"output {str(p)!r} is a folder")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise WannError(f"cannot write {str(p)!r}: folder {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise WannError(f"cannot write {str(p)!r}: permission denied")
    if p.suffix.lower() == ".mp4" and not has_video():
        raise WannError("writing .mp4 needs the video extra: pip install 'wann[video]'")
    return p


def has_video() -> bool:
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        return False
    return True


def gif_bytes(frames: list[np.ndarray], fps: float, comment: str) -> bytes:
    """An endlessly looping GIF; `comment` (the metadata) goes into its comment extension."""
    from PIL import Image

    if not frames:
        raise WannError("no frames to write")
    duration = max(int(round(1000.0 / fps / 10.0)) * 10, 20)  # GIF counts in 1/100 s
    imgs = [Image.fromarray(f).quantize(colors=128, method=Image.Quantize.MEDIANCUT)
            for f in frames]
    buf = io.BytesIO()
    imgs[0].save(buf, format="GIF", save_all=True, append_images=imgs[1:], duration=duration,
                 loop=0, comment=comment.encode(), optimize=False, disposal=1)
    return buf.getvalue()


def write_mp4(path: Path, frames: list[np.ndarray], fps: float, comment: str) -> None:
    import imageio_ffmpeg

    h, w = frames[0].shape[:2]
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".mp4")
    os.close(fd)
    try:
        writer = imageio_ffmpeg.write_frames(
            tmp, (w, h), fps=fps, quality=7, macro_block_size=2,
            output_params=["-metadata", f"comment={comment}"], ffmpeg_log_level="error",
        )
        writer.send(None)
        for f in frames:
            writer.send(np.ascontiguousarray(f))
        writer.close()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(path: str | Path, rec: Recording, fps: float) -> None:
    """Write the recording as GIF or MP4, with rec.meta (return included) as JSON metadata."""
    p = check_output(path)
    if fps <= 0:
        raise WannError(f"{{fps}} must be positive, got {fps}")
    comment = json.dumps(rec.meta, sort_keys=True)
    try:
        if p.suffix.lower() == ".gif":
            atomic_write(p, gif_bytes(rec.frames, fps, comment))
        else:
            write_mp4(p, rec.frames, fps, comment)
    except OSError as exc:
        raise WannError(f"cannot write {str(p)!r}: {exc.strerror or exc}") from None


def read_gif_meta(path: str | Path) -> tuple[dict, int, list[int]]:
    """(metadata, frame count, per-frame durations in ms) of a GIF written by `save`."""
    from PIL import Image

    with Image.open(path) as im:
        meta = json.loads(im.info.get("comment", b"{}"))
        durations = []
        for i in range(im.n_frames):
            im.seek(i)
            durations.append(int(im.info.get("duration", 0)))
        return meta, im.n_frames, durations
