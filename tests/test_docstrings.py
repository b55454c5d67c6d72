"""Every public name in `wann`'s namespace (`wann.__all__`) has a docstring whose examples run:
each function, class and module carries an `Examples` section that runs here as a doctest,
so a new export without a runnable example fails this test."""

from __future__ import annotations

import doctest
import inspect

import pytest

import wann

DOCUMENTED = [n for n in wann.__all__
              if inspect.isfunction(getattr(wann, n)) or inspect.isclass(getattr(wann, n))
              or inspect.ismodule(getattr(wann, n))]


def test_every_export_but_the_version_string_is_documented() -> None:
    assert set(wann.__all__) - set(DOCUMENTED) == {"__version__"}


@pytest.mark.parametrize("name", DOCUMENTED)
def test_docstring_example_runs(name: str, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    monkeypatch.setenv("MPLBACKEND", "Agg")
    obj = getattr(wann, name)
    assert (inspect.getdoc(obj) or "").strip(), f"wann.{name} has no docstring"
    tests = [t for t in doctest.DocTestFinder(recurse=False).find(obj, f"wann.{name}", globs={})
             if t.examples]
    assert tests, f"wann.{name}'s docstring has no example (an `Examples:` section with >>> lines)"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"wann.{name}: {result.failed} of {result.attempted} examples failed"
