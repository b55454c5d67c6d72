"""Files: genome JSON (versioned), the reference release's formats, atomic writes."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from wann import WannError
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


def atomic_write(path: str | Path, data: str | bytes) -> None:
    """Write then rename, so a crash never leaves a half-written file that looks whole."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, mode) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def genome_from_dict(d: dict[str, Any], source: str = "genome") -> Genome:
    """Parse and validate; every malformation becomes one WannError naming the file."""
    try:
        if d.get("format") != GENOME_FORMAT:
            raise ValueError(f"not a {GENOME_FORMAT} file")
        if d.get("version") != GENOME_VERSION:
            raise ValueError(f"unsupported version {d.get('version')!r}")
        nodes, conns = d["nodes"], d["connections"]
        g = Genome(
            n_in=int(d["n_in"]),
            n_out=int(d["n_out"]),
            node_id=np.array(nodes["id"], dtype=np.int64),
            node_kind=np.array([KIND_IDS[k] for k in nodes["kind"]], dtype=np.int8),
            node_act=np.array(nodes["activation"], dtype=np.int8),
            conn_innov=np.array(conns["innovation"], dtype=np.int64),
            conn_src=np.array(conns["source"], dtype=np.int64),
            conn_dst=np.array(conns["destination"], dtype=np.int64),
            conn_enabled=np.array(conns["enabled"], dtype=bool),
            conn_weight=np.array(conns["weight"], dtype=np.float64),
            meta=dict(d.get("meta", {})),
        )
        validate(g)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        what = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise WannError(f"{source}: malformed genome ({what})") from None
    return g


def save_genome(g: Genome, path: str | Path) -> None:
    atomic_write(path, json.dumps(genome_to_dict(g), indent=1) + "\n")


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


def load_tuned_params(path: str | Path) -> np.ndarray:
    """The parameter vector of a reference *.wann.json ([[p_0, ..., p_K-1], score])."""
    try:
        data = json.loads(Path(path).read_text())
        return np.asarray(data[0], dtype=np.float64).reshape(-1)
    except (OSError, ValueError, TypeError, IndexError, KeyError) as exc:
        raise WannError(f"{path}: cannot read tuned weights ({exc})") from None


def load_genome(
    path: str | Path, task_name: str | None = None, n_in: int | None = None,
    n_out: int | None = None, tuned: str | Path | None = None,
) -> Genome:
    """Load our genome JSON or a reference champion (*.out, with an optional *.wann.json)."""
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
