"""Typed hyperparameters, presets from the reference's task files, and config-file loading.

Defaults equal the reference's default_wann.json. A config file may be the project's TOML
(keys are the field names below) or a reference JSON (keys such as popSize, prob_addNode).
"""

from __future__ import annotations

import json
import math
import os
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from wann import WannError

STANDARD_WEIGHTS = (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Hyperparameters:
    """Search settings. Probabilities of the four mutations must add up to 1.

    Examples:
        >>> import wann
        >>> hp = wann.Hyperparameters(pop_size=64, generations=100)
        >>> hp.replace(generations=10).generations, hp.pop_size
        (10, 64)
    """

    task: str = "swingup"
    pop_size: int = 128
    generations: int = 1024
    n_reps: int = 4
    weights: tuple[float, ...] = STANDARD_WEIGHTS
    prob_moo: float = 0.8
    prob_add_conn: float = 0.20
    prob_add_node: float = 0.25
    prob_enable: float = 0.05
    prob_mut_act: float = 0.50
    prob_init_enable: float = 0.5
    cull_ratio: float = 0.2
    elite_ratio: float = 0.2
    tourn_size: int = 8
    speciate: bool = False
    spec_target: int = 4
    spec_thresh: float = 2.0
    spec_compat_mod: float = 0.25
    spec_gene_coef: float = 1.0
    best_reps: int = 20
    checkpoint_every: int = 8
    fast_math: bool = False  # compiled backend: fast math and vector transcendentals
    hidden_activations: tuple[int, ...] = ()  # activation ids for hidden nodes; () = the task's
    # Classification tasks only (digits, mnist): the fitness minibatch (0 = the reference's
    # 1,000, at most the training set), the digits split, and a digest of the data a run saw
    # ("" = not yet known), checked when the run is resumed.
    minibatch: int = 0
    test_fraction: float = 0.25
    split_seed: int = 0
    data_digest: str = ""

    @property
    def mutation_probs(self) -> tuple[float, float, float, float]:
        return (self.prob_add_conn, self.prob_add_node, self.prob_enable, self.prob_mut_act)

    def replace(self, **changes: Any) -> Hyperparameters:
        return from_dict({**asdict(self), **changes})


# Reference JSON keys -> our field names (None: accepted and ignored, with no effect here).
REFERENCE_KEYS: dict[str, str | None] = {
    "task": "task",
    "maxGen": "generations",
    "popSize": "pop_size",
    "alg_nReps": "n_reps",
    "alg_probMoo": "prob_moo",
    "prob_addConn": "prob_add_conn",
    "prob_addNode": "prob_add_node",
    "prob_enable": "prob_enable",
    "prob_mutAct": "prob_mut_act",
    "prob_initEnable": "prob_init_enable",
    "select_cullRatio": "cull_ratio",
    "select_eliteRatio": "elite_ratio",
    "select_tournSize": "tourn_size",
    "spec_target": "spec_target",
    "spec_thresh": "spec_thresh",
    "spec_compatMod": "spec_compat_mod",
    "spec_geneCoef": "spec_gene_coef",
    "save_mod": None,  # how often the reference saved its champion: our runs save every generation
    "bestReps": "best_reps",
    # Handled specially below.
    "alg_wDist": None,
    "alg_nVals": None,
    "alg_speciate": None,
    "prob_crossover": None,
    "alg_act": None,
    "alg_nMean": None,
}

# Settings that no longer exist; configs and checkpoints that hold them still load.
REMOVED = ("save_mod",)

PRESET_FILES = ("laptop_swing", "swingup", "biped", "mnist256", "vaeRacer", "default_wann")


def _check_type(key: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise WannError(f"config key {key!r} must be true or false, got {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise WannError(f"config key {key!r} must be an integer, got {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise WannError(f"config key {key!r} must be a number, got {value!r}")
        return float(value)
    if key == "hidden_activations":
        if not isinstance(value, list | tuple) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 11 for v in value
        ):
            raise WannError(f"config key {key!r} must be a list of activation ids 1..11, got {value!r}")
        return tuple(int(v) for v in value)
    if isinstance(default, tuple):
        if not isinstance(value, list | tuple) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value
        ):
            raise WannError(f"config key {key!r} must be a list of numbers, got {value!r}")
        return tuple(float(v) for v in value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise WannError(f"config key {key!r} must be a string, got {value!r}")
        return value
    return value


def validate(hp: Hyperparameters) -> Hyperparameters:
    """Raise WannError naming the first bad setting."""
    positive = ("pop_size", "generations", "n_reps", "tourn_size", "best_reps")
    for key in positive:
        if getattr(hp, key) < 1:
            raise WannError(f"config key {key!r} must be at least 1, got {getattr(hp, key)}")
    if hp.checkpoint_every < 0:
        raise WannError("config key 'checkpoint_every' must be 0 (off) or positive")
    for key in ("prob_moo", "prob_add_conn", "prob_add_node", "prob_enable", "prob_mut_act",
                "prob_init_enable", "cull_ratio", "elite_ratio"):
        v = getattr(hp, key)
        if not (0.0 <= v <= 1.0) or math.isnan(v):
            raise WannError(f"config key {key!r} must lie in [0, 1], got {v}")
    total = sum(hp.mutation_probs)
    if abs(total - 1.0) > 1e-6:
        raise WannError(
            "mutation probabilities prob_add_conn + prob_add_node + prob_enable + prob_mut_act "
            f"must add up to 1, got {total:g}"
        )
    if hp.cull_ratio + hp.elite_ratio >= 1.0:
        raise WannError("config keys 'cull_ratio' + 'elite_ratio' must stay below 1")
    if hp.minibatch < 0:
        raise WannError(f"config key 'minibatch' must be 0 (the default) or positive, got {hp.minibatch}")
    if not 0.0 < hp.test_fraction < 1.0:
        raise WannError(f"config key 'test_fraction' must lie in (0, 1), got {hp.test_fraction}")
    if hp.split_seed < 0:
        raise WannError(f"config key 'split_seed' must be 0 or positive, got {hp.split_seed}")
    if not hp.weights or any(not math.isfinite(w) for w in hp.weights):
        raise WannError("config key 'weights' must be a non-empty list of finite numbers")
    repeated = sorted({w for w in hp.weights if hp.weights.count(w) > 1})
    if repeated:
        raise WannError(
            f"config key 'weights' repeats {', '.join(f'{w:g}' for w in repeated)}: a repeated "
            "shared weight would count twice in every mean; give each weight once"
        )
    if hp.tourn_size > hp.pop_size:
        raise WannError(
            f"the population ({hp.pop_size}, config key 'pop_size') is smaller than one "
            f"tournament ({hp.tourn_size}, 'tourn_size'): raise pop_size or lower tourn_size"
        )
    return hp


def from_dict(values: dict[str, Any], source: str = "config") -> Hyperparameters:
    """Hyperparameters from our own keys; unknown keys and wrong types are errors."""
    defaults = Hyperparameters()
    known = {f.name for f in fields(Hyperparameters)}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in REMOVED:
            continue
        if key not in known:
            raise WannError(f"{source}: unknown key {key!r}")
        out[key] = _check_type(key, value, getattr(defaults, key))
    return validate(Hyperparameters(**out))


def from_reference(values: dict[str, Any], source: str = "config") -> dict[str, Any]:
    """Translate reference JSON keys to ours (a dict for from_dict)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in REFERENCE_KEYS:
            raise WannError(f"{source}: unknown key {key!r}")
        target = REFERENCE_KEYS[key]
        if target is not None:
            out[target] = value
        elif key == "alg_speciate":
            if value not in ("none", "neat"):
                raise WannError(f"{source}: key 'alg_speciate' must be 'none' or 'neat'")
            out["speciate"] = value == "neat"
        elif key == "prob_crossover" and value not in (0, 0.0):
            raise WannError(f"{source}: key 'prob_crossover' must be 0 (crossover is not used)")
        elif key == "alg_wDist" and value != "standard":
            raise WannError(f"{source}: key 'alg_wDist' supports only 'standard'")
    return out


def load_file(path: str | Path, base: Hyperparameters | None = None) -> Hyperparameters:
    """Read a TOML (ours) or JSON (ours or the reference's) config file over `base`."""
    p = Path(path)
    if not p.is_file():
        raise WannError(f"config file {str(p)!r} does not exist")
    try:
        text = p.read_text()
        if p.suffix == ".json":
            raw = json.loads(text)
        else:
            raw = tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WannError(f"config file {str(p)!r} is malformed: {exc}") from None
    if not isinstance(raw, dict):
        raise WannError(f"config file {str(p)!r} must hold a table of settings")
    own = {f.name for f in fields(Hyperparameters)}
    theirs = sorted(k for k in raw if k in REFERENCE_KEYS and k not in own)
    ours = sorted(k for k in raw if k in own and k not in REFERENCE_KEYS)
    if theirs and ours:
        raise WannError(
            f"config file {str(p)!r} mixes the reference's keys ({', '.join(theirs[:3])}"
            f"{', ...' if len(theirs) > 3 else ''}) with ours ({', '.join(ours[:3])}"
            f"{', ...' if len(ours) > 3 else ''}); use one set (ours are listed in wann/config.py)"
        )
    if theirs:
        raw = from_reference(raw, source=str(p))
    merged = {**asdict(base or Hyperparameters()), **raw}
    return from_dict(merged, source=str(p))


def reference_dir() -> Path:
    """Where the reference release's data lies: $WANN_REFERENCE, else ../shared/reference
    beside the checkout."""
    env = os.environ.get("WANN_REFERENCE")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent
    return here.parent / "shared" / "reference"


# The reference's task files, as built-in presets (their values copied here so the package
# needs no reference data at run time): each on top of default_wann.json.
PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "laptop_swing": {
        "task": "swingup", "generations": 1024, "n_reps": 3, "pop_size": 64,
        "elite_ratio": 0.05, "tourn_size": 4, "best_reps": 16,
    },
    "swingup": {
        "task": "swingup", "generations": 1024, "n_reps": 3, "pop_size": 192,
        "elite_ratio": 0.2, "tourn_size": 8,
    },
    "biped": {
        "task": "biped", "n_reps": 4, "generations": 2048, "pop_size": 480,
        "prob_init_enable": 0.25, "tourn_size": 16,
    },
    "mnist256": {
        "task": "mnist256", "n_reps": 1, "generations": 4096, "pop_size": 960,
        "prob_init_enable": 0.05, "tourn_size": 32,
    },
    "digits": {
        "task": "digits", "n_reps": 1, "generations": 512, "pop_size": 128,
        "prob_init_enable": 0.1, "tourn_size": 8,
    },
    "quick": {"task": "swingup", "generations": 8, "pop_size": 32, "n_reps": 2, "tourn_size": 4},
}


def preset(name: str) -> Hyperparameters:
    """A named set of settings: `quick` (a bare `wann evolve`), `laptop_swing`, `swingup`,
    `biped` and `default` (the reference's files), `digits`, `mnist256`, ...

    Examples:
        >>> import wann
        >>> hp = wann.preset("laptop_swing")
        >>> hp.pop_size, hp.generations, hp.weights
        (64, 1024, (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0))
    """
    if name not in PRESETS:
        raise WannError(f"unknown preset {name!r}: use one of {', '.join(sorted(PRESETS))}")
    return from_dict(PRESETS[name], source=f"preset {name}")


# Settings that only classification tasks read; config.toml shows them only for those tasks.
DATA_KEYS = ("minibatch", "test_fraction", "split_seed", "data_digest")
CLASSIFICATION_TASKS = ("digits", "mnist", "mnist256", "mnist28")


def to_toml(hp: Hyperparameters) -> str:
    """The resolved settings as TOML (loadable again with load_file)."""
    lines = []
    for key, value in asdict(hp).items():
        if key in DATA_KEYS and hp.task not in CLASSIFICATION_TASKS:
            continue
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, str):
            lines.append(f"{key} = {json.dumps(value)}")
        elif key == "hidden_activations":
            lines.append(f"{key} = [{', '.join(str(int(v)) for v in value)}]")
        elif isinstance(value, tuple | list):
            lines.append(f"{key} = [{', '.join(repr(float(v)) for v in value)}]")
        else:
            lines.append(f"{key} = {value!r}")
    return "\n".join(lines) + "\n"


def edited_settings(path: str | Path, hp: Hyperparameters,
                    ignore: tuple[str, ...] = ("generations",)) -> list[str]:
    """How the settings file at `path` (a run folder's config.toml) differs from the settings
    `hp` the run holds: one "key (file X, run Y)" per differing key, or why the file cannot be
    read; [] when it matches or is absent. `ignore`: keys a resume may change by itself (its
    length, set by --generations)."""
    p = Path(path)
    if not p.is_file():
        return []
    try:
        written = load_file(p)
    except WannError as exc:
        return [f"the file is not readable as settings ({exc})"]
    mine, theirs = asdict(hp), asdict(written)
    return [f"{k} (file {_shown(theirs[k])}, run {_shown(mine[k])})" for k in mine
            if k not in ignore and theirs[k] != mine[k]]


def _shown(value: Any) -> str:
    if isinstance(value, tuple | list):
        return "[" + ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value) + "]"
    return json.dumps(value) if isinstance(value, str) else f"{value!r}"
