"""MNIST as distributed: 28x28 images, pixels / 255, no resize or deskew.

The input of the pruning literature's LeNet-300-100 (784-300-100-10): Han et al. and Frankle &
Carbin train on these images, not on the weight agnostic paper's 16x16 deskewed ones. The
files are found as for `mnist` (--data, $WANN_DATA, else the download cache).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from wann import WannError
from wann.datasets import Dataset
from wann.datasets.idx import read_idx
from wann.datasets.mnist import FILES, MD5, _check, locate, mirrors_from_env

SIDE = 28


def flat_pixels(images: np.ndarray, what: str) -> np.ndarray:
    """uint8 [n, 28, 28] -> float64 [n, 784] in [0, 1] (pixel / 255)."""
    if images.shape[1:] != (SIDE, SIDE):
        raise WannError(f"MNIST {what} images are {'x'.join(map(str, images.shape[1:]))}, "
                        f"not {SIDE}x{SIDE}")
    return np.asarray(images, np.float64).reshape(len(images), SIDE * SIDE) / 255.0


def load_mnist28(
    data_dir: str | Path | None = None,
    mirrors: Sequence[str] | None = None,
    checksums: dict[str, str] = MD5,
) -> Dataset:
    """The 60,000 / 10,000 split with 784 inputs in [0, 1]."""
    files = locate(data_dir, mirrors_from_env() if mirrors is None else mirrors, checksums)
    tr_x, tr_y, te_x, te_y = (read_idx(files[name]) for name in FILES)
    _check(tr_x, tr_y, "training")
    _check(te_x, te_y, "test")
    split = {
        "dataset": "mnist28",
        "size": SIDE,
        "n_train": int(tr_y.size),
        "n_test": int(te_y.size),
        "files": {n: p.name for n, p in files.items()},
    }
    return Dataset("mnist28", flat_pixels(tr_x, "training"), tr_y.astype(np.int64),
                   flat_pixels(te_x, "test"), te_y.astype(np.int64), 10, split)
