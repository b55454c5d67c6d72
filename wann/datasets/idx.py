"""Reading and writing IDX files, the format MNIST ships in (plain or gzip-compressed).

Header: two zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions, then
each dimension as a big-endian int32; the data follows in row-major order.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from wann import WannError

UBYTE = 0x08


def read_idx(path: str | Path) -> np.ndarray:
    """The array in an IDX file of unsigned bytes; a clear WannError when it is malformed."""
    p = Path(path)
    if not p.is_file():
        raise WannError(f"IDX file {str(p)!r} does not exist")
    try:
        raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
    except (OSError, EOFError) as exc:
        raise WannError(f"IDX file {str(p)!r} is not a readable gzip file: {exc}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise WannError(f"IDX file {str(p)!r} has no IDX header (is it the right file?)")
    if raw[2] != UBYTE:
        raise WannError(f"IDX file {str(p)!r} holds type 0x{raw[2]:02x}; only unsigned bytes are read")
    ndim = raw[3]
    head = 4 + 4 * ndim
    if ndim == 0 or len(raw) < head:
        raise WannError(f"IDX file {str(p)!r} is truncated in its header")
    shape = struct.unpack(f">{ndim}i", raw[4:head])
    if min(shape) < 0:
        raise WannError(f"IDX file {str(p)!r} has a negative size in its header: shape {tuple(shape)}")
    need = int(np.prod(shape, dtype=np.int64))
    if len(raw) - head < need:
        raise WannError(
            f"IDX file {str(p)!r} is truncated: {len(raw) - head} data bytes, {need} expected "
            f"for shape {tuple(shape)}"
        )
    if len(raw) - head > need:  # the header's item count disagrees with the data
        raise WannError(
            f"IDX file {str(p)!r} holds {len(raw) - head} data bytes, more than the {need} of "
            f"the shape {tuple(shape)} in its header"
        )
    return np.frombuffer(raw, dtype=np.uint8, count=need, offset=head).reshape(shape).copy()


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write unsigned bytes as an IDX file (gzip-compressed when the name ends in .gz)."""
    a = np.ascontiguousarray(array, dtype=np.uint8)
    data = bytes([0, 0, UBYTE, a.ndim]) + struct.pack(f">{a.ndim}i", *a.shape) + a.tobytes()
    p = Path(path)
    p.write_bytes(gzip.compress(data, mtime=0) if p.suffix == ".gz" else data)
