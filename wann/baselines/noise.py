"""Robustness to noise (Ahmad & Hawkins 2016; Ahmad & Scheinkman 2019): every network of a
comparison, WANN included, scored with Gaussian noise of several standard deviations added to
each observation, on the same noisy episodes for every row.

Networks run with their own (tuned) weights through `wann.evaluation.noisy.NoisyEvaluator`,
the serial gymnasium path: the noise of episode seed s at step t is the same draw for every
row and level (scaled by the level). The noise is absolute, in the observation's own units,
and the same for every component. kWTA nets, which need their own forward pass, run through
their own evaluator with the same wrapper.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wann.baselines.common import Net
from wann.baselines.kwta import KWTAEvaluator
from wann.evaluation.noisy import NoisyEvaluator, check_noise_level
from wann.network import compile_genome, pack_batches
from wann.tasks import Task

DEFAULT_LEVELS: tuple[float, ...] = (0.0, 0.1, 0.2, 0.5, 1.0)


@dataclass
class NoiseCurve:
    """One network's returns [level, episode] at each noise level."""

    model: str
    levels: np.ndarray
    returns: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        return self.returns.mean(axis=1)


def check_levels(levels: Sequence[float]) -> list[float]:
    """Distinct noise levels in increasing order; each must be at least 0."""
    return sorted({check_noise_level(s) for s in levels})


def noise_curves(
    task: Task, nets: Sequence[Net], levels: Sequence[float], seeds: np.ndarray,
    kwta: Sequence[tuple[Net, Sequence[int], int]] = (),
) -> list[NoiseCurve]:
    """Returns of every net (own weights) at every level on the same episode seeds; `kwta`
    holds (net, layer sizes, k) of k-winners-take-all nets."""
    levels = check_levels(levels)
    seeds = np.asarray(seeds, np.int64)
    out: list[NoiseCurve] = []
    if nets:
        batch = pack_batches([compile_genome(n.genome, use_weights=True) for n in nets])
        per_level = []
        for s in levels:
            ev = NoisyEvaluator(task, s)
            try:
                r, _ = ev.evaluate(batch, np.ones(1), seeds)
            finally:
                ev.close()
            per_level.append(r[:, 0, :])
        stacked = np.stack(per_level, axis=1)  # [net, level, episode]
        out += [NoiseCurve(n.name, np.array(levels), stacked[i]) for i, n in enumerate(nets)]
    for net, layer_sizes, k in kwta:
        rows = []
        for s in levels:
            ev = KWTAEvaluator(task, net.genome, layer_sizes, k, s)
            try:
                r, _ = ev.evaluate(compile_genome(net.genome, use_weights=True), np.ones(1), seeds)
            finally:
                ev.close()
            rows.append(r[0, 0])
        out.append(NoiseCurve(net.name, np.array(levels), np.array(rows)))
    return out


def noise_csv(curves: Sequence[NoiseCurve]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["model", "noise_sd", "mean", "std", "median", "episodes"])
    for c in curves:
        for lv, r in zip(c.levels, c.returns):
            w.writerow([c.model, f"{lv:.6g}", f"{r.mean():.4f}", f"{r.std():.4f}",
                        f"{np.median(r):.4f}", r.size])
    return buf.getvalue()


def noise_markdown(curves: Sequence[NoiseCurve], task: str, seed: int) -> str:
    if not curves:
        return f"# {task}: robustness to observation noise\n\nNo network.\n"
    levels = curves[0].levels
    n = curves[0].returns.shape[1]
    head = ["model", *(f"sd {lv:g}" for lv in levels)]
    lines = [
        f"# {task}: robustness to observation noise",
        "",
        f"Mean ± std of the return over {n} episode{'' if n == 1 else 's'} (seed {seed}) with "
        "N(0, sd²) added to every observation component; the same episodes and the same "
        "noise draws for every row. Own (tuned) weights.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for c in curves:
        cells = [f"{r.mean():.0f} ± {r.std():.0f}" for r in c.returns]
        lines.append("| " + " | ".join([c.model, *cells]) + " |")
    return "\n".join(lines) + "\n"


def curves_from_csv(text: str) -> list[NoiseCurve]:
    """Mean curves back from noise.csv (each level's returns reduced to its mean): enough to
    redraw the figure from a run folder."""
    rows = list(csv.DictReader(io.StringIO(text)))
    out: dict[str, tuple[list[float], list[float]]] = {}
    for r in rows:
        lv, m = out.setdefault(r["model"], ([], []))
        lv.append(float(r["noise_sd"]))
        m.append(float(r["mean"]))
    return [NoiseCurve(k, np.array(lv), np.array(m)[:, None]) for k, (lv, m) in out.items()]
