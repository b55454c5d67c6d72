"""scikit-learn's 8x8 digits (1,797 images) with a fixed, seeded, stratified split.

The split is made here, not by scikit-learn's splitter, so that (test_fraction, split_seed)
alone fix it for every scikit-learn version; those two values are what a run records.
"""

from __future__ import annotations

import hashlib

import numpy as np

from wann import WannError, streams
from wann.datasets import Dataset


def stratified_split(
    y: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted train and test indices; each class gives round(test_fraction x its count) to test."""
    if not 0.0 < test_fraction < 1.0:
        raise WannError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    rng = streams.generator(seed, streams.DIGITS_SPLIT)
    test: list[np.ndarray] = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        n_test = int(np.floor(idx.size * test_fraction + 0.5))
        test.append(rng.permutation(idx)[:n_test])
    test_idx = np.sort(np.concatenate(test))
    train_idx = np.setdiff1d(np.arange(y.size), test_idx)
    return train_idx, test_idx


def index_digest(idx: np.ndarray) -> str:
    """A short checksum of a split's indices, so a run can tell its split was reproduced."""
    return hashlib.sha256(np.asarray(idx, np.int64).tobytes()).hexdigest()[:16]


def load_digits(test_fraction: float = 0.25, split_seed: int = 0) -> Dataset:
    """64 inputs scaled to [0, 1] (pixel / 16, as the reference), 10 classes."""
    try:
        from sklearn.datasets import load_digits as sk_load
    except ImportError as exc:  # pragma: no cover - scikit-learn is a dependency
        raise WannError("the digits data set needs scikit-learn: pip install scikit-learn") from exc
    d = sk_load()
    x = np.asarray(d.images, np.float64).reshape(-1, 64) / 16.0
    y = np.asarray(d.target, np.int64)
    train, test = stratified_split(y, float(test_fraction), int(split_seed))
    split = {
        "dataset": "digits",
        "test_fraction": float(test_fraction),
        "split_seed": int(split_seed),
        "n_train": int(train.size),
        "n_test": int(test.size),
        "test_digest": index_digest(test),
    }
    return Dataset("digits", x[train], y[train], x[test], y[test], 10, split)
