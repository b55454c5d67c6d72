"""Optimal Brain Damage (and SNIP) on control tasks: derivatives of minus the mean return.

OBD (LeCun, Denker & Solla 1990) deletes the weights of least saliency h_kk w_k^2 / 2
(wann.methods.literature.obd). On RL the loss is minus the mean return over a fixed set of
episodes, the same episode seeds for every perturbed network (common random numbers), and
h_kk is the central second difference (L(w + e e_k) - 2 L(w) + L(w - e e_k)) / e^2. It costs
2 n + 1 networks times the episodes, run as one evaluator call (or in chunks that show
progress).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wann import WannError
from wann.baselines.objectives import Objective
from wann.progress import Progress


@dataclass(frozen=True)
class OBDSettings:
    """The finite-difference Hessian: episodes per network and the step e (in weight units)."""

    episodes: int = 16
    step: float = 0.1

    def __post_init__(self) -> None:
        if self.episodes < 1:
            raise WannError(f"OBD episodes must be at least 1, got {self.episodes}")
        if not self.step > 0:
            raise WannError(f"OBD finite-difference step must be positive, got {self.step}")


#: With a progress display, the 2 n + 1 vectors go to the objective in about this many calls
#: (none smaller than FD_MIN_CALL): on the 4,609-weight dense start the estimate takes minutes.
FD_CALLS = 40
FD_MIN_CALL = 256


def fd_hessian_diagonal(objective: Objective, x: np.ndarray, step: float,
                        progress: Progress | None = None, label: str = "Hessian") -> np.ndarray:
    """Diagonal of the Hessian of the loss (minus the objective) at x by central differences."""
    return fd_derivatives(objective, x, step, progress, label)[1]


def fd_derivatives(objective: Objective, x: np.ndarray, step: float,
                   progress: Progress | None = None, label: str = "derivatives"
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The gradient and the Hessian diagonal of the loss (minus the objective) at x by
    central differences, from the same 2 n + 1 scored vectors.

    The vectors go to the objective in one call, or (with `progress`) in chunks that each
    advance the display; each vector's score is the same either way. Exact for a quadratic
    loss.
    """
    x = np.asarray(x, np.float64)
    n = x.size
    xs = np.tile(x, (2 * n + 1, 1))
    idx = np.arange(n)
    xs[1 + idx, idx] += step
    xs[1 + n + idx, idx] -= step
    if progress is None:
        loss = -np.asarray(objective(xs), np.float64)
    else:
        size = max(FD_MIN_CALL, -(-len(xs) // FD_CALLS))
        progress.start(len(xs), label, plain_every=4 * size)
        parts = []
        for a in range(0, len(xs), size):
            parts.append(np.asarray(objective(xs[a : a + size]), np.float64))
            progress.update(a + len(parts[-1]), "networks scored")
        progress.close()
        loss = -np.concatenate(parts)
    return ((loss[1 : n + 1] - loss[n + 1 :]) / (2.0 * step),
            (loss[1 : n + 1] - 2.0 * loss[0] + loss[n + 1 :]) / step**2)
