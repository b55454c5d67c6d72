"""Progress of a long command: a live bar with ETA on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

import numpy as np


def _fmt_time(s: float) -> str:
    s = int(round(s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class ProgressBar:
    """Progress of a long command: a live bar with ETA on a terminal, plain lines otherwise.

    Plain lines (as in CI logs) come at most every `min_interval` seconds, and always for the
    last step. The ETA uses the rate since `start`, so a resumed run estimates honestly.
    """

    def __init__(
        self, total: int, label: str = "", stream: TextIO | None = None, start: int = 0,
        min_interval: float = 0.0, width: int = 20,
    ) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = start
        self.min_interval = min_interval
        self.width = width
        self.t0 = time.perf_counter()
        self._last_print = -np.inf
        self._live = False

    def eta(self, done: int) -> float | None:
        """Seconds left at the rate since start, or None before the first step."""
        ran = done - self.start
        if ran <= 0:
            return None
        return (time.perf_counter() - self.t0) / ran * max(self.total - done, 0)

    def update(self, done: int, text: str = "") -> None:
        eta = self.eta(done)
        eta_text = "ETA --:--" if eta is None else f"ETA {_fmt_time(eta)}"
        head = f"{self.label} " if self.label else ""
        line = f"{head}{done:>{len(str(self.total))}}/{self.total} {text} {eta_text}".rstrip()
        if self.tty:
            fill = int(self.width * min(done, self.total) / self.total)
            bar = "#" * fill + "-" * (self.width - fill)
            print(f"\r\033[K[{bar}] {line}", end="", file=self.stream, flush=True)
            self._live = True
            return
        now = time.perf_counter()
        if done >= self.total or now - self._last_print >= self.min_interval:
            print(line, file=self.stream, flush=True)
            self._last_print = now

    def close(self) -> None:
        """End the live line (so later output starts on a fresh line)."""
        if self._live:
            print(file=self.stream, flush=True)
            self._live = False
