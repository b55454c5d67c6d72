import json

import pytest

from wann import WannError
from wann.config import Hyperparameters, load_file, preset, to_toml


def test_defaults_equal_reference(ref) -> None:
    d = json.loads((ref / "hyperparameters" / "default_wann.json").read_text())
    hp = Hyperparameters()
    assert hp.pop_size == d["popSize"] and hp.generations == d["maxGen"]
    assert hp.n_reps == d["alg_nReps"] and hp.prob_moo == d["alg_probMoo"]
    assert hp.mutation_probs == (d["prob_addConn"], d["prob_addNode"], d["prob_enable"], d["prob_mutAct"])
    assert hp.prob_init_enable == d["prob_initEnable"]
    assert (hp.cull_ratio, hp.elite_ratio, hp.tourn_size) == (
        d["select_cullRatio"], d["select_eliteRatio"], d["select_tournSize"])
    assert hp.weights == (-2, -1, -0.5, 0.5, 1, 2) and not hp.speciate


@pytest.mark.parametrize("name", ["laptop_swing", "swingup", "biped", "mnist256"])
def test_presets_equal_reference_files(ref, name) -> None:
    assert preset(name) == load_file(ref / "hyperparameters" / f"{name}.json")


def test_toml_round_trip(tmp_path) -> None:
    hp = preset("laptop_swing").replace(weights=(-1.0, 1.0), speciate=True,
                                        hidden_activations=(1, 3, 5))
    p = tmp_path / "c.toml"
    p.write_text(to_toml(hp))
    assert load_file(p) == hp


@pytest.mark.parametrize("text,needle", [
    ("pop_sizee = 3\n", "unknown key 'pop_sizee'"),
    ("pop_size = 'big'\n", "'pop_size' must be an integer"),
    ("pop_size = -4\n", "'pop_size' must be at least 1"),
    ("prob_add_node = 0.9\n", "must add up to 1"),
    ("prob_moo = 1.5\n", "'prob_moo' must lie in [0, 1]"),
    ("hidden_activations = [1, 12]\n", "activation ids 1..11"),
    ("this is = = not toml\n", "malformed"),
    ("weights = [1.0, -2.0, 1.0]\n", "'weights' repeats 1: a repeated shared weight"),
])
def test_bad_config_names_the_key(tmp_path, text, needle) -> None:
    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(WannError, match=None) as e:
        load_file(p)
    assert needle in str(e.value)


def test_reference_json_keys(tmp_path) -> None:
    p = tmp_path / "c.json"
    p.write_text(json.dumps({"popSize": 12, "prob_addNode": 0.3, "prob_mutAct": 0.45}))
    hp = load_file(p)
    assert hp.pop_size == 12 and hp.prob_add_node == 0.3
    p.write_text(json.dumps({"popSize": 12, "select_tournament": 3}))
    with pytest.raises(WannError, match="unknown key 'select_tournament'"):
        load_file(p)
