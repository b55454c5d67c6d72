"""Argument types shared by the subcommands: values checked when parsed, before any work.

argparse turns the ArgumentTypeError of a type function into one `wann: error:` line naming
the flag, so a bad number never reaches numpy or the operating system as a traceback.
"""

from __future__ import annotations

import argparse
import math

from wann.evaluation import MAX_TIMEOUT_S

#: The largest seed: numpy's SeedSequence takes any non-negative integer, but a seed is also
#: written to config.toml and checkpoints as a 64-bit integer.
from wann.seeds import MAX_SEED  # noqa: E402,F401 - one bound for every seed


def seed(text: str) -> int:
    """A random seed: an integer in [0, 2**63)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a seed must be a whole number, got {text!r}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"a seed must be between 0 and 2**63 - 1, got {value}")
    return value


def positive_int(text: str) -> int:
    """A count that must be at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def finite_float(text: str) -> float:
    """A real number; NaN and infinities are refused."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def timeout(text: str) -> float:
    """Seconds a sub-batch may run: positive, finite and at most MAX_TIMEOUT_S."""
    value = finite_float(text)
    if not 0 < value <= MAX_TIMEOUT_S:
        raise argparse.ArgumentTypeError(
            f"must be a positive number of seconds up to {MAX_TIMEOUT_S:g}, got {text!r}"
        )
    return value


def positive_floats(text: str) -> tuple[float, ...]:
    """One positive finite number or several, comma-separated ("0.5" or "0.5,0.2,0.1")."""
    values = []
    for part in text.split(","):
        value = finite_float(part.strip())
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {part.strip()!r}")
        values.append(value)
    if len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(f"a value is repeated in {text!r}")
    return tuple(values)


def task_name(text: str) -> str:
    """A task: a name, a gymnasium id or module:EnvId; never empty (an empty --task would
    otherwise fall back to the default task without a word)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must name a task, got {text!r}")
    return text
