"""The run folder's layout is one module: reporters write it, `wann plot` reads it without the loop."""

from __future__ import annotations

import subprocess
import sys

from wann import layout


def test_plotting_does_not_import_the_loop() -> None:
    code = ("import sys, wann.plotting.data, wann.plotting.output, wann.commands.plot; "
            "print(sorted(m for m in sys.modules if m in "
            "('wann.run', 'wann.search', 'wann.reporters')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_log_columns_hold_the_timing_and_text_columns() -> None:
    assert set(layout.TIMING_COLUMNS) <= set(layout.LOG_COLUMNS)
    assert set(layout.TEXT_COLUMNS) <= set(layout.LOG_COLUMNS)
    assert layout.LOG_COLUMNS[0] == "generation"
