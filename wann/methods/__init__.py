"""Comparison methods: one registry (`register`, `select`) of `Method` objects, each running on
the task families it has an implementation for. Importing this package fills the registry
with every built-in method (wann.methods.catalog); a new method is one `register` call.

Examples:
    >>> import wann
    >>> [m.name for m in wann.methods.select(["lottery_reinit"], "classification")]
    ['dense', 'lottery', 'lottery_reinit']
    >>> wann.methods.select(["learned_supermask"], "control")
    Traceback (most recent call last):
    wann.WannError: method 'learned_supermask' does not run on control tasks
"""

from wann.baselines.masks import pct, top_masks
from wann.methods import catalog as _catalog  # noqa: F401 - fills the registry
from wann.methods.registry import (
    Context,
    Method,
    Report,
    method_names,
    register,
    registered,
    select,
)

__all__ = ["Context", "Method", "Report", "method_names", "pct", "register", "registered",
           "select", "top_masks"]
