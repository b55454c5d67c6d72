"""Progress of a long command, one mechanism for every command (evolve, tune, compare).

On a terminal: a tqdm bar with an ETA of our own (tqdm's would count the start-up).
Otherwise (CI logs, files): plain lines, at most one per `plain_every` steps and always the
last; tqdm's non-terminal output is redrawn with carriage returns, which turns a log into
one long line, so the plain lines are written here.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from typing import Any, TextIO

#: The ETA uses the rate of the last RECENT steps: a search slows as its networks grow, and
#: the rate since the start would promise too early an end. The first step after `start` is
#: never part of it: it pays the start-up (compiling the kernels, about 15 s on a cold cache,
#: a minute with --fast-math; starting workers), which the steps after it do not.
RECENT = 10


def _fmt_time(s: float) -> str:
    s = int(round(s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class Progress:
    """Lines that stay (`line`) and one counted task at a time (`start`, `update`, `close`)."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._bar: Any = None
        self.total = 1
        self.label = ""
        self.initial = 0
        self.plain_every = 1
        self.t0 = time.perf_counter()

    def line(self, text: str) -> None:
        """A line that stays, 'wann: text' (above a live bar on a terminal)."""
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.write(f"wann: {text}", file=self.stream)
        else:
            print(f"wann: {text}", file=self.stream, flush=True)

    def start(self, total: int, label: str = "", initial: int = 0, plain_every: int = 1) -> None:
        """Begin counting to `total` from `initial` (a resumed run: the ETA uses the rate since
        here); without a terminal, a plain line every `plain_every` steps."""
        self.close()
        self.total, self.label, self.initial = max(int(total), 1), label, int(initial)
        self.plain_every = max(int(plain_every), 1)
        self.t0 = time.perf_counter()
        self._recent: deque[tuple[float, int]] = deque(maxlen=RECENT + 1)
        if self.tty and not self.quiet:
            from tqdm import tqdm

            self._bar = tqdm(
                total=self.total, initial=self.initial, desc=label, file=self.stream,
                bar_format="{desc} {n_fmt}/{total_fmt} [{bar:20}]{postfix}",
                ascii=" #", leave=True, dynamic_ncols=False, mininterval=0.0,
            )

    def eta(self, done: int) -> float | None:
        """Seconds left at the rate of the last RECENT steps (since the end of the first step
        before that), or None until a step past the first is done."""
        if not self._recent:
            return None
        now = time.perf_counter()
        t_then, done_then = self._recent[0]
        if done - done_then <= 0:
            return None
        return (now - t_then) / (done - done_then) * max(self.total - done, 0)

    def update(self, done: int, text: str = "", step: str | None = None) -> None:
        """Step to `done` of the total, with a short status text; `step` names the step just
        done where its own numbering differs from the count (a run's generation 0 is the
        first of its total: 'gen 0 (1/8)')."""
        if self.quiet:
            return
        eta = self.eta(done)
        self._recent.append((time.perf_counter(), done))
        eta_text = "ETA --:--" if eta is None else f"ETA {_fmt_time(eta)}"
        if self._bar is not None:
            if step is not None:
                self._bar.set_description_str(f"{self.label} {step}".strip(), refresh=False)
            self._bar.set_postfix_str(f"{text} {eta_text}".strip(), refresh=False)
            self._bar.update(done - self._bar.n)
            return
        if done % self.plain_every and done < self.total:
            return
        head = f"{self.label} " if self.label else ""
        count = f"{done:>{len(str(self.total))}}/{self.total}"
        if step is not None:
            head, count = f"{head}{step} ", f"({count})"
        line = f"{head}{count} {text} {eta_text}"
        print(line.rstrip(), file=self.stream, flush=True)

    def close(self) -> None:
        """End the bar, so later output starts on a line of its own."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
