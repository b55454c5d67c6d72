"""pyproject.toml lists every package, and envs/ installs as `wann_envs` (never as a top-level
package of the generic name `envs`)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def packages_on_disk(folder: str, name: str) -> set[str]:
    base = ROOT / folder
    return {".".join([name, *p.parent.relative_to(base).parts])
            for p in base.rglob("__init__.py")}


def test_every_package_is_listed_and_envs_installs_as_wann_envs() -> None:
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setup["package-dir"] == {"wann_envs": "envs"}
    expected = packages_on_disk("wann", "wann") | packages_on_disk("envs", "wann_envs")
    assert set(setup["packages"]) == expected
    assert not any(p == "envs" or p.startswith("envs.") for p in setup["packages"])
