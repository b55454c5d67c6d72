"""Files: genome JSON (versioned), the reference release's formats, atomic writes."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from wann import WannError
from wann.activations import NAMES as ACTIVATION_NAMES
from wann.genome import BIAS, HIDDEN, INPUT, OUTPUT, Genome, validate

GENOME_FORMAT = "wann-genome"
GENOME_VERSION = 1
KIND_NAMES = {BIAS: "bias", INPUT: "input", OUTPUT: "output", HIDDEN: "hidden"}
KIND_IDS = {v: k for k, v in KIND_NAMES.items()}
# The per-task bias the reference's fine-tuning added to every tuned weight.
REFERENCE_TUNE_BIAS = {"swingup": -1.5, "biped": -1.87}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, data: str | bytes, durable: bool = True) -> None:
    """Write then rename, so a crash never leaves a half-written file that looks whole.

    `durable` also flushes the data to the disk before the rename (fsync), so that it
    survives a power loss too. Files rewritten every generation (log, population, best) skip
    it: the checkpoint, always durable, holds what they show, and a flush per file per
    generation cost milliseconds a generation on virtual disks."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, mode) as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_files(folder: str | Path, files: dict[str, str | bytes | None]) -> None:
    """Write several files of one folder, each atomically (`atomic_write`); None skips one."""
    for name, data in files.items():
        if data is not None:
            atomic_write(Path(folder) / name, data)


def genome_to_dict(g: Genome) -> dict[str, Any]:
    return {
        "format": GENOME_FORMAT,
        "version": GENOME_VERSION,
        "n_in": g.n_in,
        "n_out": g.n_out,
        "nodes": {
            "id": g.node_id.tolist(),
            "kind": [KIND_NAMES[int(k)] for k in g.node_kind],
            "activation": g.node_act.astype(int).tolist(),
        },
        "connections": {
            "innovation": g.conn_innov.tolist(),
            "source": g.conn_src.tolist(),
            "destination": g.conn_dst.tolist(),
            "enabled": g.conn_enabled.tolist(),
            "weight": g.conn_weight.tolist(),
        },
        "meta": g.meta,
    }


def _field_list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    if key not in obj:
        raise ValueError(f"missing field {where}.{key}")
    value = obj[key]
    if not isinstance(value, list):
        raise ValueError(f"{where}.{key} must be a list, got {type(value).__name__}")
    return value


def _ints(values: list[Any], name: str) -> np.ndarray:
    """Whole numbers only: 1.7 or "3" or true as an id would otherwise be cast silently."""
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"{name}[{i}] must be an integer, got {v!r}")
        if not 0 <= v < 2**62:
            raise ValueError(f"{name}[{i}] is {v}; ids and innovations are 0 .. 2**62")
    return np.array(values, dtype=np.int64)


def _top_int(d: dict[str, Any], key: str) -> int:
    if key not in d:
        raise ValueError(f"missing field {key}")
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ValueError(f"{key} must be a positive integer, got {v!r}")
    return v


def _section(d: dict[str, Any], key: str) -> dict[str, Any]:
    if key not in d:
        raise ValueError(f"missing field {key}")
    if not isinstance(d[key], dict):
        raise ValueError(f"{key} must be an object, got {type(d[key]).__name__}")
    return d[key]


def _parse_nodes(nodes: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ids = _ints(_field_list(nodes, "id", "nodes"), "nodes.id")
    kinds = _field_list(nodes, "kind", "nodes")
    acts = _field_list(nodes, "activation", "nodes")
    if not len(ids) == len(kinds) == len(acts):
        raise ValueError(f"nodes.id, nodes.kind and nodes.activation differ in length "
                         f"({len(ids)}, {len(kinds)}, {len(acts)})")
    for i, k in enumerate(kinds):
        if not isinstance(k, str) or k not in KIND_IDS:
            raise ValueError(f"nodes.kind[{i}] is {k!r}; a node kind is one of "
                             + ", ".join(repr(n) for n in KIND_IDS))
    for i, a in enumerate(acts):
        if isinstance(a, bool) or not isinstance(a, int) or a not in ACTIVATION_NAMES:
            raise ValueError(f"nodes.activation[{i}] is {a!r}; an activation id is an integer "
                             f"{min(ACTIVATION_NAMES)}..{max(ACTIVATION_NAMES)}")
    dup = _first_duplicate(ids)
    if dup is not None:
        raise ValueError(f"nodes.id holds {dup} twice")
    kind_arr = np.array([KIND_IDS[k] for k in kinds], dtype=np.int8)
    return ids, kind_arr, np.array(acts, dtype=np.int8)


def _parse_connections(conns: dict[str, Any], node_ids: np.ndarray) -> tuple[np.ndarray, ...]:
    innov = _ints(_field_list(conns, "innovation", "connections"), "connections.innovation")
    src = _ints(_field_list(conns, "source", "connections"), "connections.source")
    dst = _ints(_field_list(conns, "destination", "connections"), "connections.destination")
    enabled = _field_list(conns, "enabled", "connections")
    weight = _field_list(conns, "weight", "connections")
    lengths = (len(innov), len(src), len(dst), len(enabled), len(weight))
    if len(set(lengths)) != 1:
        raise ValueError("connections.innovation, source, destination, enabled and weight "
                         f"differ in length {lengths}")
    for i, e in enumerate(enabled):
        if not isinstance(e, bool):
            raise ValueError(f"connections.enabled[{i}] must be true or false, got {e!r}")
    for i, w in enumerate(weight):
        if isinstance(w, bool) or not isinstance(w, (int, float)):
            raise ValueError(f"connections.weight[{i}] must be a number, got {w!r}")
        if not math.isfinite(w):
            raise ValueError(f"connections.weight[{i}] is {w}; weights must be finite")
    known = set(node_ids.tolist())
    for name, ends in (("source", src), ("destination", dst)):
        for i, n in enumerate(ends.tolist()):
            if n not in known:
                raise ValueError(f"connections.{name}[{i}] is node {n}, which nodes.id does not hold")
    dup = _first_duplicate(innov)
    if dup is not None:
        raise ValueError(f"connections.innovation holds {dup} twice")
    return innov, src, dst, np.array(enabled, dtype=bool), np.array(weight, dtype=np.float64)


def _first_duplicate(values: np.ndarray) -> int | None:
    uniq, counts = np.unique(values, return_counts=True)
    return int(uniq[counts > 1][0]) if np.any(counts > 1) else None


def genome_from_dict(d: dict[str, Any], source: str = "genome") -> Genome:
    """Parse and validate field by field; every malformation becomes one WannError naming it.

    Nothing is cast silently: an activation of 1.7, `"enabled": "no"` or a NaN weight would
    otherwise load as a different network than the file describes.
    """
    try:
        if not isinstance(d, dict):
            raise ValueError(f"expected a JSON object, got {type(d).__name__}")
        if d.get("format") != GENOME_FORMAT:
            raise ValueError(f"not a {GENOME_FORMAT} file (format is {d.get('format')!r})")
        if d.get("version") != GENOME_VERSION:
            raise ValueError(f"unsupported version {d.get('version')!r}")
        n_in, n_out = _top_int(d, "n_in"), _top_int(d, "n_out")
        node_id, node_kind, node_act = _parse_nodes(_section(d, "nodes"))
        innov, src, dst, enabled, weight = _parse_connections(_section(d, "connections"), node_id)
        meta = d.get("meta", {})
        if not isinstance(meta, dict):
            raise ValueError(f"meta must be an object, got {type(meta).__name__}")
        g = Genome(n_in, n_out, node_id, node_kind, node_act, innov, src, dst, enabled, weight,
                   dict(meta))
        validate(g)
    except ValueError as exc:
        raise WannError(f"{source}: malformed genome ({exc})") from None
    return g


def save_genome(g: Genome, path: str | Path, durable: bool = True) -> None:
    """Write a genome as our JSON, atomically (write, then rename), which `load_genome` reads.

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> import wann
        >>> task = wann.get_task("cartpole")
        >>> genome = wann.Search(wann.preset("quick"), task.n_in, task.n_out, task.hidden_acts).ask()[0]
        >>> path = Path(tempfile.mkdtemp()) / "champion.json"
        >>> wann.save_genome(genome, path)
        >>> wann.load_genome(path).n_enabled == genome.n_enabled
        True
    """
    atomic_write(path, json.dumps(genome_to_dict(g), indent=1) + "\n", durable)


def load_reference_matrix(
    path: str | Path, n_in: int, n_out: int, tuned: str | Path | None = None, bias: float = 0.0
) -> Genome:
    """A champion from the reference's N x (N+1) matrix (*.out), optionally with tuned weights.

    Rows: bias, inputs, hidden (topological order), outputs; the last column holds activations.
    Connections are numbered in row-major order of the matrix (NaN as 0, nonzero entries);
    with `tuned` (a *.wann.json), connection k gets weight p_k + bias.
    """
    p = Path(path)
    try:
        m = np.loadtxt(p, delimiter=",", ndmin=2)
    except (OSError, ValueError) as exc:
        raise WannError(f"{p}: cannot read a reference matrix ({exc})") from None
    n = m.shape[0]
    if m.shape != (n, n + 1) or n < 1 + n_in + n_out:
        raise WannError(f"{p}: expected an N x (N+1) matrix for {n_in} inputs and {n_out} outputs")
    _check_reference_matrix(m, p)
    w = np.nan_to_num(m[:, :n], nan=0.0)
    acts = m[:, n]
    n_hidden = n - 1 - n_in - n_out
    # Our ids: bias 0, inputs 1..n_in, outputs next, hidden after; rows are re-mapped.
    row_to_id = np.empty(n, dtype=np.int64)
    row_to_id[: 1 + n_in] = np.arange(1 + n_in)
    row_to_id[1 + n_in : 1 + n_in + n_hidden] = 1 + n_in + n_out + np.arange(n_hidden)
    row_to_id[n - n_out :] = 1 + n_in + np.arange(n_out)
    order = np.argsort(row_to_id)
    kind = np.array([BIAS] + [INPUT] * n_in + [OUTPUT] * n_out + [HIDDEN] * n_hidden, np.int8)
    src_row, dst_row = np.nonzero(w)  # row-major order
    weight = w[src_row, dst_row]
    if tuned is not None:
        params = load_tuned_params(tuned)
        if params.size != src_row.size:
            raise WannError(
                f"{tuned}: {params.size} weights for a champion with {src_row.size} connections"
            )
        weight = params + bias
    g = Genome(
        n_in,
        n_out,
        np.arange(n, dtype=np.int64),
        kind,
        acts[order].astype(np.int8),
        np.arange(src_row.size, dtype=np.int64),
        row_to_id[src_row],
        row_to_id[dst_row],
        np.ones(src_row.size, dtype=bool),
        weight.astype(np.float64),
        {"source": str(p), "weights": "tuned" if tuned is not None else "shared"},
    )
    try:
        validate(g)
    except ValueError as exc:
        raise WannError(f"{p}: not a valid champion ({exc})") from None
    return g


def _check_reference_matrix(m: np.ndarray, p: Path) -> None:
    """Refuse values the reference format cannot mean; NaN in the weights is its "no connection".

    An infinite weight or a fractional activation id would otherwise load as some other network.
    """
    n = m.shape[0]
    inf_r, inf_c = np.nonzero(np.isinf(m[:, :n]))
    if inf_r.size:
        raise WannError(f"{p}: weight at row {inf_r[0] + 1}, column {inf_c[0] + 1} is "
                        f"{m[inf_r[0], inf_c[0]]}; weights must be finite (NaN means no connection)")
    acts = m[:, n]
    bad = ~np.isin(acts, np.array(sorted(ACTIVATION_NAMES), dtype=np.float64))
    if np.any(bad):
        r = int(np.argmax(bad))
        raise WannError(f"{p}: activation (last column) of row {r + 1} is {acts[r]:g}; an activation "
                        f"id is an integer {min(ACTIVATION_NAMES)}..{max(ACTIVATION_NAMES)}")


def load_tuned_params(path: str | Path) -> np.ndarray:
    """The parameter vector of a reference *.wann.json ([[p_0, ..., p_K-1], score])."""
    try:
        data = json.loads(Path(path).read_text())
        if not isinstance(data, list) or not data or not isinstance(data[0], list):
            raise ValueError("expected [[p_0, ..., p_K-1], score]")
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in data[0]):
            raise ValueError("the weights must all be numbers")
        params = np.asarray(data[0], dtype=np.float64).reshape(-1)
    except (OSError, ValueError, TypeError) as exc:
        raise WannError(f"{path}: cannot read tuned weights ({exc})") from None
    bad = np.flatnonzero(~np.isfinite(params))
    if bad.size:
        raise WannError(f"{path}: tuned weight {bad[0]} is {params[bad[0]]}; weights must be finite")
    return params


def load_genome(
    path: str | Path, task_name: str | None = None, n_in: int | None = None,
    n_out: int | None = None, tuned: str | Path | None = None,
) -> Genome:
    """Load our genome JSON or a reference champion (*.out, with an optional *.wann.json).

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> import wann
        >>> task = wann.get_task("swingup")
        >>> genome = wann.Search(wann.preset("quick"), task.n_in, task.n_out, task.hidden_acts).ask()[0]
        >>> path = Path(tempfile.mkdtemp()) / "genome.json"
        >>> wann.save_genome(genome, path)
        >>> loaded = wann.load_genome(path)
        >>> loaded.n_in, loaded.n_out, loaded.n_enabled == genome.n_enabled
        (5, 1, True)
    """
    p = Path(path)
    if not p.is_file():
        raise WannError(f"genome file {str(p)!r} does not exist")
    if p.suffix == ".out":
        if n_in is None or n_out is None:
            raise WannError(f"{p}: a reference matrix needs a task to know its inputs and outputs")
        bias = REFERENCE_TUNE_BIAS.get(task_name or "", 0.0)
        return load_reference_matrix(p, n_in, n_out, tuned, bias)
    if tuned is not None:
        raise WannError("{tuned} goes with a reference champion (*.out)")
    try:
        data = json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WannError(f"{p}: malformed genome (not JSON: {exc})") from None
    if not isinstance(data, dict):
        raise WannError(f"{p}: malformed genome (not a JSON object)")
    return genome_from_dict(data, str(p))
