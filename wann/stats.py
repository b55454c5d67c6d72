"""Statistics over seeds: the mean with a 95% bootstrap confidence interval, and the IQM.

The interval is scipy's percentile bootstrap of the mean over seeds; the IQM (interquartile
mean: the mean of the middle 50% of seeds, scipy.stats.trim_mean with 25% cut off each side)
is the aggregate Agarwal et al. (2021, the `rliable` paper) recommend for few runs. `rliable`
itself is not used: its bootstrap imports `arch`, which fails to import with the pandas 3
that pip resolves for it (a TypeError in arch.univariate.base).

A fixed resampling seed makes every interval reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

CONFIDENCE = 0.95
RESAMPLES = 10_000
BOOTSTRAP_SEED = 0x57A7


@dataclass(frozen=True)
class Aggregate:
    """One cell over seeds: mean, its bootstrap interval [low, high], IQM, and the values."""

    mean: float
    low: float
    high: float
    iqm: float
    n: int
    values: tuple[float, ...]

    def as_dict(self) -> dict:
        d = asdict(self)
        d["values"] = list(self.values)
        return d

    def scaled(self, s: float) -> Aggregate:
        """The same cell in other units (accuracy as a percentage)."""
        if s == 1:
            return self
        return Aggregate(self.mean * s, self.low * s, self.high * s, self.iqm * s, self.n,
                         tuple(v * s for v in self.values))

    def cell(self, digits: int = 0) -> str:
        """'mean [low, high]' (just the mean for one seed)."""
        f = f"{{:.{digits}f}}"
        if self.n < 2:
            return f.format(self.mean)
        return f"{f.format(self.mean)} [{f.format(self.low)}, {f.format(self.high)}]"


def iqm(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """Interquartile mean along `axis` (25% trimmed from each end)."""
    from scipy.stats import trim_mean

    return trim_mean(np.asarray(values, np.float64), 0.25, axis=axis)


def mean_interval(values: np.ndarray, axis: int = 0, confidence: float = CONFIDENCE,
                  resamples: int = RESAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-bootstrap interval of the mean along `axis` (vectorised over the others).

    With fewer than two values, or values all equal, the interval is the mean itself.
    """
    x = np.moveaxis(np.asarray(values, np.float64), axis, 0)
    scalar = x.ndim == 1
    if scalar:
        x = x[:, None]
    mean = x.mean(axis=0)
    if x.shape[0] < 2:
        return (mean[0], mean[0]) if scalar else (mean.copy(), mean.copy())
    from scipy.stats import bootstrap

    spread = np.ptp(x, axis=0) > 0
    low, high = mean.copy(), mean.copy()
    if np.any(spread):
        res = bootstrap((x[:, spread],), np.mean, axis=0, vectorized=True, method="percentile",
                        confidence_level=confidence, n_resamples=resamples,
                        random_state=np.random.default_rng(BOOTSTRAP_SEED))
        low[spread] = res.confidence_interval.low
        high[spread] = res.confidence_interval.high
    return (low[0], high[0]) if scalar else (low, high)


def aggregate(values: Sequence[float]) -> Aggregate:
    """The mean over seeds with its 95% bootstrap interval and the IQM."""
    x = np.asarray(values, np.float64).ravel()
    if x.size == 0:
        raise ValueError("no values to aggregate")
    low, high = mean_interval(x)
    return Aggregate(float(x.mean()), float(low), float(high), float(iqm(x)), int(x.size),
                     tuple(float(v) for v in x))


FOOTNOTE = (
    "Over seeds: mean [95% percentile-bootstrap confidence interval of the mean, 10,000 "
    "resamples]; IQM is the interquartile mean (mean of the middle 50% of seeds)."
)
