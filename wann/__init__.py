"""wann: search for weight agnostic neural networks (Gaier & Ha, 2019)."""

import os
import re

# Single-threaded BLAS (read when numpy loads, so set before it is imported): OpenBLAS threads
# spin against numba's, which made CMA-ES's 71 x 71 eigendecomposition take 70 ms instead of
# 1 ms and the rollout kernels 3x slower on 2 cores. Nothing here needs a threaded BLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"

_PARAM = re.compile(r"\{([a-z_]+)\}")


class WannError(Exception):
    """An error caused by the user's input; the command line prints it as one line and exits 2.

    A message names the library's parameters as `{name}`: Python shows `name`, the command
    line shows its flag (`cli_message`), so library code never names a flag itself.

    Examples:
        >>> import wann
        >>> err = wann.WannError("{pop_size} must be at least 1")
        >>> str(err)
        'pop_size must be at least 1'
        >>> err.cli_message()
        '--pop-size must be at least 1'
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.template = message

    def __str__(self) -> str:
        return _PARAM.sub(lambda m: m.group(1), self.template)

    def cli_message(self, flags: dict[str, str] | None = None) -> str:
        """The message with each `{name}` as its flag (default --name, underscores as dashes)."""
        flags = flags or {}
        return _PARAM.sub(
            lambda m: flags.get(m.group(1), "--" + m.group(1).replace("_", "-")), self.template
        )


class Terminated(KeyboardInterrupt):
    """SIGTERM (kill, a batch scheduler's time limit): handled like Ctrl-C, so a run saves a
    checkpoint before it exits (the command line exits 143)."""


class InfrastructureError(RuntimeError):
    """The machinery failed, not the input (every worker lost): the command line exits 3.

    Examples:
        >>> import wann
        >>> issubclass(wann.InfrastructureError, wann.WannError)
        False
        >>> try:
        ...     raise wann.InfrastructureError("every Dask worker is lost")
        ... except RuntimeError as exc:
        ...     print(f"exit 3: {exc}")
        exit 3: every Dask worker is lost
    """


_PENDING: list[KeyboardInterrupt] = []


def stop_requested(stop: KeyboardInterrupt) -> KeyboardInterrupt:
    """Record a Ctrl-C or SIGTERM as its signal handler raises it. Python raises it wherever
    the main thread is, and a library callback that swallows exceptions (a garbage-collector
    hook prints "Exception ignored" and goes on) would lose it: `raise_pending_stop` raises it
    again between generations."""
    _PENDING[:] = [stop]
    return stop


def raise_pending_stop() -> None:
    """Raise a recorded Ctrl-C or SIGTERM that never reached the run (see `stop_requested`)."""
    if _PENDING:
        raise _PENDING.pop()


def clear_pending_stop() -> None:
    """The stop reached its handler: nothing is pending any more."""
    _PENDING.clear()


def as_interrupt(exc: BaseException) -> BaseException:
    """`exc`, or the KeyboardInterrupt that caused it. Ctrl-C raised inside a library's
    callback can reach us wrapped in another exception (numba loading a cached function
    turns it into a SystemError), and must still stop the run as Ctrl-C, not as an error."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return e
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return exc


# The Python API, imported on first use so that `wann --help` stays fast.
_API = {
    "evolve": "wann.api", "evaluate": "wann.api", "score": "wann.api", "RunResult": "wann.api",
    "Search": "wann.search", "SearchState": "wann.search", "Hyperparameters": "wann.config",
    "preset": "wann.config", "load_genome": "wann.io", "save_genome": "wann.io",
    "get_task": "wann.families", "family_of": "wann.families", "task_from_factory": "wann.tasks",
    "Task": "wann.tasks",
    "Reporter": "wann.reporters",
    "Run": "wann.run", "make_evaluator": "wann.evaluation", "baselines": "wann.baselines",
    "compare": "wann.study", "ComparePlan": "wann.study", "run_study": "wann.study",
    "methods": "wann.methods",
}
__all__ = ["WannError", "InfrastructureError", "__version__", *_API]


def __getattr__(name: str) -> object:
    if name not in _API:
        raise AttributeError(f"module 'wann' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(_API[name])
    return module if name in ("baselines", "methods") else getattr(module, name)
