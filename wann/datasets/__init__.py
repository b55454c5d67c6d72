"""Classification data sets: scikit-learn's 8x8 digits, the paper's 16x16 MNIST and MNIST's own
28x28 images (the pruning literature's input).

A `Dataset` holds float64 inputs in [0, 1] and int64 labels, split into train and test, plus
`split`: plain values (names, sizes, seeds, checksums) that a run's config can store to
record exactly which data it saw.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from wann import WannError

DATASETS = ("digits", "mnist", "mnist28")


@dataclass(frozen=True)
class Dataset:
    """Train and test arrays of one data set; x rows are flattened images in [0, 1]."""

    name: str
    x_train: np.ndarray = field(repr=False)
    y_train: np.ndarray = field(repr=False)
    x_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)
    n_classes: int = 10
    split: dict = field(default_factory=dict)

    @property
    def n_in(self) -> int:
        return int(self.x_train.shape[1])


def load_dataset(name: str, data_dir: str | Path | None = None, **options: object) -> Dataset:
    """A data set by name: 'digits' (options: test_fraction, split_seed), 'mnist' (16x16,
    deskewed) or 'mnist28' (the 28x28 images); MNIST's files from data_dir, else $WANN_DATA,
    else the download cache. The 16x16 set is built once per process and its files' contents
    (wann.datasets.memo)."""
    if name == "digits":
        from wann.datasets.digits import load_digits

        return load_digits(**options)  # type: ignore[arg-type]
    where = data_dir if data_dir is not None else os.environ.get("WANN_DATA") or None
    if name == "mnist":
        from wann.datasets import memo
        from wann.datasets.mnist import FILES, MD5, load_mnist, locate, mirrors_from_env

        mirrors = options.get("mirrors") or mirrors_from_env()
        files = locate(where, mirrors, options.get("checksums") or MD5)  # type: ignore[arg-type]
        key = ("mnist", memo.files_digest(files[f] for f in FILES), repr(sorted(options.items())))
        return memo.remembered(key, lambda: load_mnist(where, **options))  # type: ignore[arg-type]
    if name == "mnist28":
        from wann.datasets.mnist28 import load_mnist28

        return load_mnist28(where, **options)  # type: ignore[arg-type]
    raise WannError(f"unknown data set {name!r}: use one of {', '.join(DATASETS)}")
