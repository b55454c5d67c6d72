"""The activation table, with the ids of the reference WANN release.

One numba function applies an id, so the forward pass stays a single compiled loop.
"""

from __future__ import annotations

import math

import numba
import numpy as np

LINEAR, STEP, SIN, GAUSSIAN, TANH, SIGMOID, INVERSE, ABS, RELU, COS, SQUARED = range(1, 12)

NAMES: dict[int, str] = {
    LINEAR: "linear",
    STEP: "step",
    SIN: "sin",
    GAUSSIAN: "gaussian",
    TANH: "tanh",
    SIGMOID: "sigmoid",
    INVERSE: "inverse",
    ABS: "abs",
    RELU: "relu",
    COS: "cos",
    SQUARED: "squared",
}
ALL_IDS: tuple[int, ...] = tuple(NAMES)
CONTROL_POOL: tuple[int, ...] = tuple(range(1, 11))
CLASSIFICATION_POOL: tuple[int, ...] = (1, 3, 4, 5, 6, 7, 8, 9, 10)


@numba.njit(cache=True, inline="always")
def apply(act: int, x: float) -> float:
    """f_act(x) for one of the 11 reference activations (unknown ids act as linear)."""
    if act == LINEAR:
        return x
    if act == STEP:
        return 1.0 if x > 0.0 else 0.0
    if act == SIN:
        return math.sin(math.pi * x)
    if act == GAUSSIAN:
        return math.exp(-(x * x) / 2.0)
    if act == TANH:
        return math.tanh(x)
    if act == SIGMOID:
        return (math.tanh(x / 2.0) + 1.0) / 2.0
    if act == INVERSE:
        return -x
    if act == ABS:
        return abs(x)
    if act == RELU:
        return x if x > 0.0 else 0.0
    if act == COS:
        return math.cos(math.pi * x)
    if act == SQUARED:
        return x * x
    return x


@numba.njit(cache=True, inline="always")
def apply_lanes(a: int, u: np.ndarray, out: np.ndarray, n: int) -> None:
    """out[:n] = f_a(u[:n]): one branch on the id for all lanes, each lane computed by `apply`."""
    if a == LINEAR:
        for L in range(n):
            out[L] = apply(LINEAR, u[L])
    elif a == SIN:
        for L in range(n):
            out[L] = apply(SIN, u[L])
    elif a == COS:
        for L in range(n):
            out[L] = apply(COS, u[L])
    elif a == TANH:
        for L in range(n):
            out[L] = apply(TANH, u[L])
    elif a == GAUSSIAN:
        for L in range(n):
            out[L] = apply(GAUSSIAN, u[L])
    elif a == SIGMOID:
        for L in range(n):
            out[L] = apply(SIGMOID, u[L])
    elif a == STEP:
        for L in range(n):
            out[L] = apply(STEP, u[L])
    elif a == INVERSE:
        for L in range(n):
            out[L] = apply(INVERSE, u[L])
    elif a == ABS:
        for L in range(n):
            out[L] = apply(ABS, u[L])
    elif a == RELU:
        for L in range(n):
            out[L] = apply(RELU, u[L])
    elif a == SQUARED:
        for L in range(n):
            out[L] = apply(SQUARED, u[L])
    else:
        for L in range(n):
            out[L] = apply(a, u[L])
