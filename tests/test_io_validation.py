"""Malformed genomes, reference matrices and tuned weights are refused at load time.

Each case names the offending field in one `wann: error:` line (exit 2) instead of loading a
different network than the file describes (1.7 cast to 1, "no" counted as enabled, NaN scored
as -1000).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest

from wann import WannError
from wann.cli import main
from wann.io import genome_from_dict, load_genome, load_reference_matrix, load_tuned_params

# Swing-up shaped: bias 0, inputs 1..5, output 6, hidden 7 and 8.
BASE: dict = {
    "format": "wann-genome",
    "version": 1,
    "n_in": 5,
    "n_out": 1,
    "nodes": {
        "id": [0, 1, 2, 3, 4, 5, 6, 7, 8],
        "kind": ["bias", "input", "input", "input", "input", "input", "output", "hidden", "hidden"],
        "activation": [1, 1, 1, 1, 1, 1, 1, 5, 10],
    },
    "connections": {
        "innovation": [0, 1, 2, 3, 4],
        "source": [1, 7, 8, 2, 0],
        "destination": [7, 8, 6, 6, 7],
        "enabled": [True, True, True, False, True],
        "weight": [1.0, -0.5, 2.0, 1.0, 0.25],
    },
    "meta": {"task": "swingup"},
}


def _with(path: str, value: object) -> dict:
    """BASE with one field (dotted path, optional [index]) replaced."""
    d = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    obj = d
    for p in parents:
        obj = obj[p]
    if "[" in last:
        key, idx = last[:-1].split("[")
        obj[key][int(idx)] = value
    else:
        obj[last] = value
    return d


def _refused(argv: list[str], capsys: pytest.CaptureFixture, *needles: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("wann: error:") and "\n" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


def test_the_well_formed_genome_loads(tmp_path: Path) -> None:
    p = tmp_path / "g.json"
    p.write_text(json.dumps(BASE))
    g = load_genome(p)
    assert g.n_hidden == 2 and g.n_enabled == 4
    assert g.node_act.tolist() == BASE["nodes"]["activation"]


CASES = [
    ("connections.weight[1]", float("nan"), "connections.weight[1]", "finite"),
    ("connections.weight[2]", float("inf"), "connections.weight[2]", "finite"),
    ("connections.weight[0]", -float("inf"), "connections.weight[0]", "finite"),
    ("connections.weight[0]", "1.0", "connections.weight[0]", "number"),
    ("connections.weight[0]", True, "connections.weight[0]", "number"),
    ("nodes.activation[7]", 1.7, "nodes.activation[7]", "1..11"),
    ("nodes.activation[8]", 12, "nodes.activation[8]", "1..11"),
    ("nodes.activation[0]", 0, "nodes.activation[0]", "1..11"),
    ("nodes.activation[7]", True, "nodes.activation[7]", "1..11"),
    ("nodes.activation[7]", "tanh", "nodes.activation[7]", "1..11"),
    ("connections.enabled[3]", "no", "connections.enabled[3]", "true or false"),
    ("connections.enabled[0]", 0, "connections.enabled[0]", "true or false"),
    ("nodes.kind[7]", "hiden", "nodes.kind[7]", "'hidden'"),
    ("nodes.kind[2]", 1, "nodes.kind[2]", "node kind"),
    ("nodes.id[8]", "8", "nodes.id[8]", "integer"),
    ("nodes.id[8]", 8.0, "nodes.id[8]", "integer"),
    ("nodes.id[8]", 7, "nodes.id", "7 twice"),
    ("connections.innovation[4]", 1, "connections.innovation", "1 twice"),
    ("connections.innovation[4]", 4.5, "connections.innovation[4]", "integer"),
    ("connections.source[1]", 42, "connections.source[1]", "node 42"),
    ("connections.destination[0]", 99, "connections.destination[0]", "node 99"),
    ("connections.source[0]", 1.0, "connections.source[0]", "integer"),
    ("connections.source[0]", 10**30, "connections.source[0]", "2**62"),
    ("nodes.id[8]", -8, "nodes.id[8]", "2**62"),
    ("connections.weight", [1.0, 2.0], "differ in length", "connections"),
    ("nodes.kind", ["bias"], "differ in length", "nodes"),
    ("nodes.activation", "1,1,1", "nodes.activation", "list"),
    ("connections", [], "connections", "object"),
    ("n_in", "5", "n_in", "positive integer"),
    ("n_out", 0, "n_out", "positive integer"),
    ("meta", "swingup", "meta", "object"),
]


@pytest.mark.parametrize(("field", "value", "names", "says"), CASES,
                         ids=[f"{c[0]}={c[1]!r}" for c in CASES])
def test_malformed_field_is_named(field: str, value: object, names: str, says: str,
                                  tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    p = tmp_path / "g.json"
    p.write_text(json.dumps(_with(field, value)))
    _refused(["eval", str(p), "--task", "swingup", "--episodes", "1"], capsys,
             "malformed genome", names, says)


def test_large_literal_that_parses_to_inf_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "g.json"
    p.write_text(json.dumps(BASE).replace("0.25", "1e400"))
    with pytest.raises(WannError, match=r"connections\.weight\[4\] is inf"):
        load_genome(p)


def test_missing_field_is_named_not_a_bare_key() -> None:
    d = copy.deepcopy(BASE)
    del d["connections"]["enabled"]
    with pytest.raises(WannError, match=r"missing field connections\.enabled"):
        genome_from_dict(d)


def test_unknown_node_kind_does_not_say_missing_key() -> None:
    with pytest.raises(WannError) as info:
        genome_from_dict(_with("nodes.kind[8]", "recurrent"))
    assert "missing key" not in str(info.value) and "nodes.kind[8]" in str(info.value)


def test_a_checkpoint_entry_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(WannError, match="checkpoint.json: malformed genome .expected a JSON object"):
        genome_from_dict([1, 2, 3], "checkpoint.json")  # type: ignore[arg-type]


def test_cycle_is_refused() -> None:
    d = copy.deepcopy(BASE)
    c = d["connections"]
    for key, value in (("innovation", 5), ("source", 8), ("destination", 7), ("enabled", False),
                       ("weight", 1.0)):
        c[key].append(value)
    with pytest.raises(WannError, match="cycle"):
        genome_from_dict(d, "g.json")


def test_render_refuses_a_nan_weight_genome_before_recording(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture) -> None:
    p = tmp_path / "g.json"
    p.write_text(json.dumps(_with("connections.weight[0]", float("nan"))))
    out = tmp_path / "x.gif"
    _refused(["render", str(p), "--weight", "1", "-o", str(out)], capsys,
             "connections.weight[0]")
    assert not out.exists()


@pytest.mark.parametrize("weights", [["--weights", "1", "nan"], ["--weights", "inf"],
                                     ["--weights=-inf"]])
def test_eval_weights_must_be_finite(weights: list[str], tmp_path: Path,
                                     capsys: pytest.CaptureFixture) -> None:
    p = tmp_path / "g.json"
    p.write_text(json.dumps(BASE))
    _refused(["eval", str(p), *weights, "--episodes", "1"], capsys,
             "--weights must be finite")


# The reference's N x (N+1) format: rows bias, 5 inputs, 1 hidden, 1 output; last column the
# activation ids; NaN in the weights means "no connection".
def _matrix() -> np.ndarray:
    m = np.zeros((8, 9))
    m[:, 8] = 1
    m[6, 8] = 5
    m[1, 6] = 1.0  # input 1 -> hidden
    m[6, 7] = 1.0  # hidden -> output
    m[2, 7] = 1.0  # input 2 -> output
    m[3, 7] = np.nan  # no connection
    return m


def _write_matrix(path: Path, m: np.ndarray) -> Path:
    np.savetxt(path, m, delimiter=",", fmt="%.2e")
    return path


def test_reference_matrix_well_formed_loads(tmp_path: Path) -> None:
    g = load_reference_matrix(_write_matrix(tmp_path / "c.out", _matrix()), 5, 1)
    assert g.n_enabled == 3 and g.n_hidden == 1


@pytest.mark.parametrize(("row", "col", "value", "says"), [
    (1, 6, np.inf, "row 2, column 7 is inf"),
    (2, 7, -np.inf, "row 3, column 8 is -inf"),
    (6, 8, 1.7, "row 7 is 1.7"),
    (6, 8, np.nan, "row 7 is nan"),
    (0, 8, 0, "row 1 is 0"),
    (7, 8, 12, "row 8 is 12"),
    (7, 8, np.inf, "row 8 is inf"),
])
def test_reference_matrix_bad_value_refused(row: int, col: int, value: float, says: str,
                                            tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    m = _matrix()
    m[row, col] = value
    p = _write_matrix(tmp_path / "c.out", m)
    m_text = p.read_text()
    if value == 1.7:  # %.2e keeps 1.70e+00
        assert "1.70e+00" in m_text
    _refused(["eval", str(p), "--task", "swingup", "--episodes", "1"], capsys, says)


@pytest.mark.parametrize(("params", "says"), [
    ([1.0, float("nan"), 0.5], "tuned weight 1 is nan"),
    ([float("inf"), 1.0, 0.5], "tuned weight 0 is inf"),
    ([1.0, 1.0, "x"], "must all be numbers"),
    ([1.0, 1.0, None], "must all be numbers"),
])
def test_tuned_weights_must_be_finite_numbers(params: list, says: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture) -> None:
    out = _write_matrix(tmp_path / "c.out", _matrix())
    tuned = tmp_path / "t.wann.json"
    tuned.write_text(json.dumps([params, 500.0]))
    _refused(["eval", str(out), "--task", "swingup", "--tuned", str(tuned), "--episodes", "1"],
             capsys, says)


def test_tuned_weights_well_formed_load(tmp_path: Path) -> None:
    tuned = tmp_path / "t.wann.json"
    tuned.write_text(json.dumps([[1.0, -2.0, 0.5], 500.0]))
    assert load_tuned_params(tuned).tolist() == [1.0, -2.0, 0.5]
    g = load_reference_matrix(_write_matrix(tmp_path / "c.out", _matrix()), 5, 1, tuned)
    assert sorted(g.conn_weight.tolist()) == [-2.0, 0.5, 1.0]
