"""Layer re-initialization robustness (Zhang, Bengio & Singer 2019, "Are all layers created
equal?").

For a trained dense net, one weight layer at a time (its biases included) is put back to its
initial values ("re-initialization", the paper's checkpoint 0) or to fresh draws of the
initial distribution ("re-randomization"), the other layers keeping their trained values, and
the net is scored again. A layer whose reset costs little is "robust": its training mattered
little. The paper also resets to later training checkpoints; here only checkpoint 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wann.baselines.dense import init_std
from wann.baselines.layered import layer_names, layer_slices
from wann.baselines.objectives import Objective


@dataclass
class LayerReinit:
    """One weight layer's scores: trained, reset to its initial values, re-randomized."""

    layer: int
    name: str
    weights: int
    trained: np.ndarray  # per-episode scores
    reinit: np.ndarray
    rerandom: np.ndarray

    @property
    def reinit_drop(self) -> float:
        return float(self.trained.mean() - self.reinit.mean())

    @property
    def rerandom_drop(self) -> float:
        return float(self.trained.mean() - self.rerandom.mean())


def reset_layer(
    trained: np.ndarray, values: np.ndarray, layer_sizes: Sequence[int], layer: int
) -> np.ndarray:
    """A copy of the trained weights with one layer's slice taken from `values`."""
    w = np.asarray(trained, np.float64).copy()
    sl = layer_slices(layer_sizes)[layer]
    w[sl] = np.asarray(values, np.float64)[sl]
    return w


def reinit_candidates(
    layer_sizes: Sequence[int], init: np.ndarray, trained: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Weight vectors [trained, reinit layer 0..L-1, re-randomized layer 0..L-1]."""
    n_layers = len(layer_sizes) - 1
    sd = init_std(layer_sizes)
    fresh = np.concatenate([rng.normal(0.0, sd[i], sl.stop - sl.start)
                            for i, sl in enumerate(layer_slices(layer_sizes))])
    return np.stack([np.asarray(trained, np.float64),
                     *(reset_layer(trained, init, layer_sizes, i) for i in range(n_layers)),
                     *(reset_layer(trained, fresh, layer_sizes, i) for i in range(n_layers))])


def layer_reinit(
    objective: Objective, layer_sizes: Sequence[int], init: np.ndarray,
    trained: np.ndarray, rng: np.random.Generator,
) -> list[LayerReinit]:
    """Score the trained net and every single-layer reset on the objective (RL: its episodes,
    one evaluator call; the network must be the dense net, every weight enabled; or a loss,
    for a classifier)."""
    xs = reinit_candidates(layer_sizes, init, trained, rng)
    r = objective.returns(xs)
    n_layers = len(layer_sizes) - 1
    names = layer_names(layer_sizes)
    sls = layer_slices(layer_sizes)
    return [LayerReinit(i, names[i], sls[i].stop - sls[i].start, r[0], r[1 + i],
                        r[1 + n_layers + i]) for i in range(n_layers)]


def reinit_csv(rows: Sequence[LayerReinit], net: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["net", "layer", "name", "weights", "trained_mean", "reinit_mean", "reinit_std",
                "reinit_drop", "rerandom_mean", "rerandom_std", "rerandom_drop"])
    for r in rows:
        w.writerow([net, r.layer, r.name, r.weights, f"{r.trained.mean():.4f}",
                    f"{r.reinit.mean():.4f}", f"{r.reinit.std():.4f}", f"{r.reinit_drop:.4f}",
                    f"{r.rerandom.mean():.4f}", f"{r.rerandom.std():.4f}",
                    f"{r.rerandom_drop:.4f}"])
    return buf.getvalue()


def reinit_markdown(rows: Sequence[LayerReinit], net: str, task: str, episodes: int) -> str:
    t = rows[0].trained if rows else np.zeros(1)
    lines = [
        f"# {task}: layer re-initialization of the dense {net} net",
        "",
        f"Trained net: {t.mean():.0f} ± {t.std():.0f} over {episodes} test episodes. Each row "
        "resets one weight layer (biases included), the others keep their trained values.",
        "",
        "| layer | weights | re-initialized (initial values) | drop | re-randomized | drop |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r.name} | {r.weights} | {r.reinit.mean():.0f} ± {r.reinit.std():.0f} "
                     f"| {r.reinit_drop:.0f} | {r.rerandom.mean():.0f} ± "
                     f"{r.rerandom.std():.0f} | {r.rerandom_drop:.0f} |")
    return "\n".join(lines) + "\n"


def rows_from_csv(text: str) -> list[LayerReinit]:
    """Rows back from layer_reinit.csv (scores reduced to their means): enough to redraw the
    figure from a run folder."""
    out = []
    for r in csv.DictReader(io.StringIO(text)):
        out.append(LayerReinit(int(r["layer"]), r["name"], int(r["weights"]),
                               np.array([float(r["trained_mean"])]),
                               np.array([float(r["reinit_mean"])]),
                               np.array([float(r["rerandom_mean"])])))
    return out
