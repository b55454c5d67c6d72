"""Data sets kept in memory once built, keyed by the bytes of their files.

Building the 16x16 MNIST set (bilinear resize and deskew of 70,000 images) takes seconds; a
process that loads it again (a study's seeds, `wann compare` after its search, a test suite)
gets a copy of the kept arrays instead. The key is a SHA-256 of the files' contents, not their
names or times, so a changed file is never served from memory.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path

from wann.datasets import Dataset

#: How many built data sets a process keeps (the 16x16 MNIST set is about 140 MB).
KEEP = 2
_kept: OrderedDict[tuple, Dataset] = OrderedDict()


def files_digest(paths: Iterable[Path]) -> str:
    """SHA-256 over the files' bytes, in the order given."""
    h = hashlib.sha256()
    for p in paths:
        with Path(p).open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        h.update(b"\0")
    return h.hexdigest()


def copy(data: Dataset) -> Dataset:
    """The data set with arrays of its own: a caller may change them without touching the
    kept ones."""
    return dataclasses.replace(
        data, x_train=data.x_train.copy(), y_train=data.y_train.copy(),
        x_test=data.x_test.copy(), y_test=data.y_test.copy(), split=dict(data.split),
    )


def remembered(key: tuple, build: Callable[[], Dataset]) -> Dataset:
    """A copy of the data set kept under `key`, built (and kept) the first time."""
    hit = _kept.get(key)
    if hit is None:
        hit = build()
        _kept[key] = hit
        while len(_kept) > KEEP:
            _kept.popitem(last=False)
    else:
        _kept.move_to_end(key)
    return copy(hit)


def forget() -> None:
    """Drop every kept data set."""
    _kept.clear()
