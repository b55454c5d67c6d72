"""Checkpoints: everything a run needs to continue exactly where it stopped.

A checkpoint holds the search state (population, innovation registry, bit generator state),
the log rows so far, the seed, the task name and the settings. The file is a one-line ASCII
header (format name, version, length and SHA-256 of the body) followed by gzip-compressed JSON:
a safe format (loading one runs no code, unlike pickle), and a truncated or corrupted file is
recognised before anything is built from it. Files are written with `atomic_write`, so a crash
never leaves a half-written checkpoint that looks whole.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from wann import WannError
from wann.config import Hyperparameters, from_dict
from wann.io import atomic_write, genome_from_dict, genome_to_dict
from wann.layout import CHECKPOINT as FILENAME
from wann.population import CONN_FIELDS, DTYPES, NODE_FIELDS, Population
from wann.search import SearchState

FORMAT = "wann-checkpoint"
# Version 2 writes the population as its packed arrays (each compressed, in base64) where
# version 1 listed every genome as JSON: an MNIST population of 960 carries 2.5 million genes,
# which took 1.5 s a checkpoint as JSON lists. Version 3 packs the innovation registry's table
# the same way (a long search's registry grows to hundreds of thousands of rows: 5 MB of JSON
# a checkpoint at 600 generations of MNIST), and compresses the body at level 1, since most
# of it is already compressed. All three are read; the JSON around is the same.
VERSION = 3
READS = (1, 2, 3)
MAX_HEADER = 4096


@dataclass
class Checkpoint:
    """A run as it stood after `generation` completed generations."""

    task: str
    seed: int
    hp: Hyperparameters
    search: SearchState
    rows: list[dict]

    @property
    def generation(self) -> int:
        return int(self.search.generation)


def path_in(run_dir: str | Path) -> Path:
    """Where a run folder keeps its checkpoint."""
    return Path(run_dir) / FILENAME


def _plain(o: Any) -> Any:
    """JSON fallback for numpy scalars and arrays (values are kept exactly)."""
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, tuple):
        return list(o)
    raise TypeError(f"cannot store {type(o).__name__} in a checkpoint")


def _array(v: np.ndarray, dtype: type, delta: bool = False) -> dict[str, Any]:
    """One array as its (little-endian) dtype and bytes, which `encode` compresses (zlib) and
    writes in base64. 64-bit integers that fit in 32 bits are stored in 32 (half the bytes to
    compress). `delta` stores the differences of neighbours instead: a population's sorted
    innovation numbers and node ids compress to a twentieth that way, and three times faster."""
    v = np.ascontiguousarray(v, dtype).ravel()
    if delta:
        v = np.diff(v, prepend=np.zeros(min(v.size, 1), v.dtype))
    if v.dtype == np.int64 and (v.size == 0 or (v.min() >= -(2**31) and v.max() < 2**31)):
        v = v.astype("<i4")
    v = v.astype(v.dtype.newbyteorder("<"), copy=False)
    return {"dtype": v.dtype.str, "data": v.tobytes(), **({"delta": True} if delta else {})}


def _compress_arrays(payload: dict[str, Any]) -> None:
    """Compress every `_array` of the payload in place, side by side (zlib lets go of the
    interpreter while it compresses); the bytes are the same as one after the other."""
    found: list[dict[str, Any]] = []

    def walk(o: Any) -> None:  # arrays sit in dicts only (never in lists such as the rows)
        if isinstance(o, dict):
            if isinstance(o.get("data"), bytes):
                found.append(o)
            else:
                for v in o.values():
                    walk(v)
    walk(payload)
    with ThreadPoolExecutor(max(1, min(len(found), os.cpu_count() or 1))) as pool:
        packed = list(pool.map(lambda d: zlib.compress(d["data"], 1), found))
    for d, z in zip(found, packed):
        d["data"] = base64.b64encode(z).decode("ascii")


_DELTA = {"node_id", "conn_innov", "conn_src"}  # the arrays `_packed` stores as differences


def _packed(pop: Population) -> dict[str, Any]:
    """A population as its arrays (`_array`)."""
    fields_ = {"node_off": pop.node_off, "conn_off": pop.conn_off,
               **{f: getattr(pop, f) for f in (*NODE_FIELDS, *CONN_FIELDS)}}
    return {"n_in": pop.n_in, "n_out": pop.n_out,
            "arrays": {k: _array(v, DTYPES.get(k, np.int64), k in _DELTA)
                       for k, v in fields_.items()}}


STORED = {"<i4", "<i8", "|i1", "|b1", "<f8"}  # the dtypes `_array` writes


def _unarray(v: dict[str, str], dtype: type, what: str) -> np.ndarray:
    """`_array`'s array, as `dtype`."""
    if v["dtype"] not in STORED:
        raise ValueError(f"its packed {what} has dtype {v['dtype']!r}")
    raw = zlib.decompress(base64.b64decode(v["data"], validate=True))
    a = np.frombuffer(raw, np.dtype(v["dtype"]))
    if v.get("delta", False) is not False:
        if v["delta"] is not True:
            raise ValueError(f"its packed {what} has delta {v['delta']!r}")
        a = np.cumsum(a, dtype=np.int64)
    return a.astype(dtype)


def _unpacked(d: dict[str, Any]) -> Population:
    """`_packed`'s population, its offsets checked against its arrays."""
    a = {k: _unarray(d["arrays"][k], DTYPES.get(k, np.int64), f"population's {k}")
         for k in ("node_off", "conn_off", *NODE_FIELDS, *CONN_FIELDS)}
    for off, names in (("node_off", NODE_FIELDS), ("conn_off", CONN_FIELDS)):
        o = a[off]
        if o.size < 2 or o[0] != 0 or np.any(np.diff(o) < 0) or any(
                a[n].size != o[-1] for n in names):
            raise ValueError(f"its packed population's {off} does not match its arrays")
    if a["node_off"].size != a["conn_off"].size:
        raise ValueError("its packed population's offsets disagree")
    return Population(int(d["n_in"]), int(d["n_out"]), a.pop("node_off"), a.pop("conn_off"),
                      **a)


def _population(gs: Any) -> Any:
    if isinstance(gs, Population) and gs.uniform_sizes():
        return {"packed": _packed(gs)}
    return [genome_to_dict(g) for g in gs]


def _read_population(d: Any, source: str) -> Any:
    if isinstance(d, dict):
        return _unpacked(d["packed"])
    return Population.from_genomes([genome_from_dict(g, source) for g in d])


def _registry(st: dict[str, Any]) -> dict[str, Any]:
    """The registry's state with its table of connections packed (`_array`): column by
    column, as differences (the innovation column, 0, 1, 2, ..., then compresses to nothing)."""
    return {**st, "conn": _array(np.asarray(st["conn"]).T, np.int64, delta=True)}


def _read_registry(d: dict[str, Any]) -> dict[str, Any]:
    """`_registry`'s state (or a version 1-2 one, whose table is a JSON list)."""
    if isinstance(d["conn"], dict):
        return {**d, "conn": _unarray(d["conn"], np.int64, "registry").reshape(3, -1).T}
    return d


# How SearchState's fields that are not plain JSON are written and read; the rest are plain.
_ENCODE = {
    "hp": asdict,
    "registry": _registry,
    "population": _population,
    "best_ever": lambda g: None if g is None else genome_to_dict(g),
    "species_reps": lambda gs: [genome_to_dict(g) for g in gs],
}


def _decoders(source: str) -> dict[str, Any]:
    return {
        "hp": lambda d: from_dict(d, source=source),
        "hidden_acts": tuple,
        "population": lambda d: _read_population(d, source),
        "registry": _read_registry,
        "best_ever": lambda d: None if d is None else genome_from_dict(d, source),
        "species_reps": lambda ds: [genome_from_dict(d, source) for d in ds],
    }


def encode_state(st: SearchState) -> dict[str, Any]:
    """The search state as JSON-ready data, in SearchState's field order."""
    return {
        f.name: _ENCODE.get(f.name, lambda v: v)(getattr(st, f.name)) for f in fields(SearchState)
    }


def decode_state(d: dict[str, Any], source: str = "checkpoint") -> SearchState:
    """SearchState from `encode_state`'s data (a missing field raises KeyError, unless it has
    a default: a field added since the checkpoint was written)."""
    dec = _decoders(source)
    return SearchState(**{
        f.name: dec.get(f.name, lambda v: v)(d[f.name]) for f in fields(SearchState)
        if f.name in d or f.default is MISSING
    })


def encode(ckpt: Checkpoint) -> bytes:
    """The checkpoint file's bytes: header line, then the gzip-compressed JSON body."""
    payload = {
        "task": ckpt.task,
        "seed": int(ckpt.seed),
        "hp": asdict(ckpt.hp),
        "search": encode_state(ckpt.search),
        "rows": ckpt.rows,
    }
    _compress_arrays(payload)
    text = json.dumps(payload, default=_plain, separators=(",", ":"))
    # mtime=0: the same checkpoint always gives the same bytes. Level 1: the packed arrays
    # are compressed already (level 6 spent 0.3 s on them for 15% of the bytes).
    body = gzip.compress(text.encode(), compresslevel=1, mtime=0)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "generation": ckpt.generation,
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    return json.dumps(header).encode() + b"\n" + body


def _header(data: bytes, source: str) -> tuple[dict, bytes]:
    line, sep, body = data[:MAX_HEADER].partition(b"\n")
    try:
        header = json.loads(line.decode("ascii")) if sep else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise WannError(f"{source}: not a wann checkpoint (or its header is corrupted)")
    if header.get("version") not in READS:
        raise WannError(
            f"{source}: checkpoint format version {header.get('version')!r} is not supported "
            f"(this wann reads versions {', '.join(map(str, READS))})"
        )
    body = data[len(line) + 1 :]
    if header.get("bytes") != len(body) or header.get("sha256") != hashlib.sha256(body).hexdigest():
        raise WannError(f"{source}: checkpoint is corrupted or truncated (checksum mismatch)")
    return header, body


def decode(data: bytes, source: str = "checkpoint") -> Checkpoint:
    """Parse and check a checkpoint file's bytes; any defect becomes one WannError."""
    _, body = _header(data, source)
    try:
        payload = json.loads(gzip.decompress(body))
        st = decode_state(payload["search"], source)
        ckpt = Checkpoint(
            task=str(payload["task"]),
            seed=int(payload["seed"]),
            hp=from_dict(payload["hp"], source=source),
            search=st,
            rows=list(payload["rows"]),
        )
        if len(ckpt.rows) != ckpt.generation or len(st.population) != ckpt.hp.pop_size:
            raise ValueError("its log rows or population do not match its generation")
    except WannError:
        raise
    except (OSError, EOFError, zlib.error, KeyError, TypeError, ValueError) as exc:
        what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise WannError(f"{source}: checkpoint is unreadable ({what})") from None
    return ckpt


def save(path: str | Path, ckpt: Checkpoint) -> None:
    """Write atomically: the old checkpoint stays whole until the new one is complete."""
    atomic_write(path, encode(ckpt))


def load(path: str | Path) -> Checkpoint:
    p = Path(path)
    if not p.is_file():
        raise WannError(f"no checkpoint at {str(p)!r}")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise WannError(f"cannot read checkpoint {str(p)!r}: {exc.strerror}") from None
    return decode(data, str(p))


def clean_stale(run_dir: str | Path) -> None:
    """Remove temporary files a killed write may have left beside the checkpoint."""
    for tmp in Path(run_dir).glob(f".{FILENAME}.*.tmp"):
        tmp.unlink(missing_ok=True)
