"""The package's layering: no module imports one from a layer above its own.

spine < evaluation < families < plotting < methods (comparison) < study < commands: figures are
drawn only by wann.plotting, which reads plain values and run folders, for `wann plot` and for
the comparison's tables and reports alike. Every
import statement in wann/ counts, lazy (inside a function) and TYPE_CHECKING ones included:
a lazy import still makes the lower module depend on the upper one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wann"
LAYERS = ("spine", "evaluation", "families", "plotting", "methods", "study", "commands")

# Module prefixes by layer; the longest prefix that matches decides. A new module must be
# placed here (the test fails on a module that no entry covers).
PLACES = {
    "wann": "spine",
    **{f"wann.{m}": "spine" for m in (
        "activations", "checkpoint", "cmaes", "config", "datasets", "genome", "io", "layout",
        "netcompile", "network", "outdir", "progress", "ranking", "reporters", "resources",
        "run", "scoring", "search", "seeds", "species", "stats", "streams", "sweep", "tasks",
        "tune", "variation", "vecmath", "evaluation.protocol", "population", "breed", "rngcore",
    )},
    "wann.evaluation": "evaluation",
    "wann.families": "families",
    "wann.classify": "families",
    "wann.render": "families",
    "wann.baselines": "methods",
    "wann.methods": "methods",
    "wann.comparison": "methods",
    "wann.study": "study",
    "wann.seedjobs": "study",
    "wann.aggregate": "study",
    "wann.api": "study",
    "wann.plotting": "plotting",
    "wann.commands": "commands",
    "wann.cli": "commands",
}

# Upward imports still present, each (importer, imported): keep this list short and shrinking.
ALLOWED: set[tuple[str, str]] = set()


def layer(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        place = PLACES.get(".".join(parts[:n]))
        if place is not None:
            return LAYERS.index(place)
    raise AssertionError(f"{module} has no layer: place it in PLACES")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    p = ROOT.joinpath(*name.split("."))
    return p.with_suffix(".py").is_file() or (p / "__init__.py").is_file()


def imported(node: ast.Import | ast.ImportFrom, module: str, package: bool) -> set[str]:
    """The wann modules an import statement loads (`from wann import io` loads wann.io)."""
    if isinstance(node, ast.Import):
        names = {a.name for a in node.names}
    else:
        base = node.module or ""
        if node.level:
            here = module.split(".") if package else module.split(".")[:-1]
            base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
        names = {f"{base}.{a.name}" if is_module(f"{base}.{a.name}") else base
                 for a in node.names}
    return {n for n in names if n == "wann" or n.startswith("wann.")}


def upward_imports() -> list[tuple[str, str, int]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        own = layer(module)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in sorted(imported(node, module, path.name == "__init__.py")):
                    if layer(target) > own:
                        found.append((module, target, node.lineno))
    return found


def test_no_module_imports_a_layer_above_its_own() -> None:
    bad = [f"{m} (line {line}) imports {t}: {LAYERS[layer(m)]} < {LAYERS[layer(t)]}"
           for m, t, line in upward_imports() if (m, t) not in ALLOWED]
    assert not bad, "imports against the layering:\n" + "\n".join(bad)


def test_the_allow_list_holds_only_imports_that_exist() -> None:
    left = {(m, t) for m, t, _ in upward_imports()}
    assert ALLOWED <= left, f"no longer imported, drop from ALLOWED: {sorted(ALLOWED - left)}"


@pytest.mark.parametrize("module", ["wann.tasks", "wann.evaluation", "wann.search", "wann.run"])
def test_the_core_names_no_task_family(module: str) -> None:
    path = ROOT.joinpath(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for target in imported(node, module, path.name == "__init__.py"):
                assert not target.startswith(("wann.classify", "wann.families")), (module, target)
