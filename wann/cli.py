"""The `wann` command: one entry point, subcommands discovered in wann.commands.

User errors (WannError) print one line on stderr and exit 2; an infrastructure fault
(InfrastructureError: every worker lost) exits 3; Ctrl-C exits 130 and SIGTERM 143, after the
subcommand has saved what it can. No traceback reaches the user for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import signal
import sys
import threading
import warnings
from collections.abc import Callable

from wann import (
    InfrastructureError,
    Terminated,
    WannError,
    __version__,
    as_interrupt,
    clear_pending_stop,
    stop_requested,
)

EPILOG = """examples:
  wann evolve --task swingup --generations 20
  wann evolve --preset laptop_swing --out results/runs/laptop
  wann eval results/runs/laptop/champion.json --task swingup --episodes 100
"""


def _on_sigterm(signum: int, frame: object) -> None:
    raise stop_requested(Terminated())


def _on_sigint(signum: int, frame: object) -> None:
    raise stop_requested(KeyboardInterrupt())


def _quiet_lost_stop(previous: Callable) -> Callable:
    """An unraisable-exception hook that says nothing of a Ctrl-C or SIGTERM a library
    callback swallowed (it is recorded and stops the run at its next step), and passes
    anything else on."""

    def hook(unraisable: object) -> None:
        if not isinstance(getattr(unraisable, "exc_value", None), KeyboardInterrupt):
            previous(unraisable)

    return hook


def _one_line_warning(message: Warning | str, category: type[Warning], filename: str,
                      lineno: int, file: object = None, line: str | None = None) -> None:
    """A Python warning as the command's other messages: one 'wann: warning:' line."""
    print(f"wann: warning: {message}", file=sys.stderr)


class _OneLineFormatter(logging.Formatter):
    """'wann: message' for progress notes (INFO), 'wann: WARNING: message' above."""

    def __init__(self) -> None:
        super().__init__("wann: %(levelname)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if record.levelno == logging.INFO and not record.exc_info:
            return f"wann: {record.getMessage()}"
        return super().format(record)


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as 'wann: error: ...' on one line, exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise WannError(f"{self.prog}: {message}")


def commands() -> list:
    import wann.commands as pkg

    mods = [importlib.import_module(f"wann.commands.{m.name}") for m in pkgutil.iter_modules(pkg.__path__)]
    return sorted((m for m in mods if hasattr(m, "register")), key=lambda m: (m.ORDER, m.NAME))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="wann",
        description="Search for weight agnostic neural networks, evaluate, tune and compare them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"wann {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for mod in commands():
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    def parsed() -> int:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.verbose:
            logging.getLogger().setLevel(logging.DEBUG)
        if args.command is None:
            parser.print_help()
            return 2
        return int(args.func(args) or 0)

    return _guarded(parsed)


def run_parsed(args: argparse.Namespace) -> int:
    """Run already parsed arguments as `main` runs them (one error line and an exit code):
    what a child process of a several-seed command runs."""
    return _guarded(lambda: int(args.func(args) or 0))


def _guarded(body: Callable[[], int]) -> int:
    """Logging, warnings and SIGTERM set up; every failure one line and its exit code."""
    # wann's own messages at INFO; libraries' (numba-cuda, matplotlib) only from WARNING up
    if not logging.getLogger().handlers:  # as logging.basicConfig: never over the caller's
        handler = logging.StreamHandler()
        handler.setFormatter(_OneLineFormatter())
        logging.getLogger().addHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("wann").setLevel(logging.INFO)
    os.environ.setdefault("MPLBACKEND", "Agg")
    warnings.filterwarnings("ignore", module="gymnasium")
    previous_show = warnings.showwarning
    warnings.showwarning = _one_line_warning
    previous = previous_int = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when ignored
            previous_int = signal.signal(signal.SIGINT, _on_sigint)
    clear_pending_stop()
    previous_unraisable = sys.unraisablehook
    sys.unraisablehook = _quiet_lost_stop(previous_unraisable)
    try:
        try:
            return body()
        except Exception as exc:
            stop = as_interrupt(exc)  # Ctrl-C that a library wrapped in another exception
            if stop is exc:
                raise
            raise stop from None
    except WannError as exc:
        print(f"wann: error: {exc.cli_message()}", file=sys.stderr)
        return 2
    except InfrastructureError as exc:
        print(f"wann: infrastructure failure (not your input): {exc}; "
              "a checkpointed run continues with --resume", file=sys.stderr)
        return 3
    except Terminated:
        print("wann: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("wann: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    finally:
        clear_pending_stop()
        sys.unraisablehook = previous_unraisable
        warnings.showwarning = previous_show
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if previous_int is not None:
            signal.signal(signal.SIGINT, previous_int)


if __name__ == "__main__":
    sys.exit(main())
