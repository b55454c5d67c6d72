"""Vector transcendentals for the fast-math kernel: glibc's libmvec, four lanes per call.

numba's own route to vector math (Intel SVML) needs an SVML-patched LLVM, which the llvmlite
wheels here are not, and this LLVM has no `-vector-library` option either; so the fast kernel
calls libmvec's AVX2 functions (`_ZGVdN4v_sin` etc., the ones gcc emits under `-ffast-math`)
itself, through symbols registered on import. They are accurate to about 4 ulp and differ from
scalar libm in the last bits, so the fast kernel's returns differ from the exact kernel's.

Arrays passed to the `*_lanes` functions must hold a multiple of 4 elements past `n` rounded up
(the kernels pad their lane arrays to a multiple of 4).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math

import llvmlite.binding as llvm
import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from wann import WannError
from wann.activations import COS, GAUSSIAN, SIGMOID, SIN, TANH
from wann.activations import apply_lanes as apply_lanes_exact

WIDTH = 4  # doubles per vector call (AVX2)
# the fast kernel's fast math, without the no-NaN / no-infinity assumptions (failing nets fail)
FAST_FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}
_FUNCS = ("sin", "cos", "exp", "tanh")


def _register() -> str | None:
    """Register wann_vec4_<f> for libmvec's _ZGVdN4v_<f>; the reason when that is impossible."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("mvec") or "libmvec.so.1")
        addrs = {f: ctypes.cast(getattr(lib, f"_ZGVdN4v_{f}"), ctypes.c_void_p).value for f in _FUNCS}
    except (OSError, AttributeError) as e:
        return f"glibc's libmvec (glibc >= 2.35, x86-64) is not available: {e}"
    if not llvm.get_host_cpu_features().get("avx2", False):
        return "this CPU has no AVX2, which libmvec's 4-lane functions need"
    for f, a in addrs.items():
        llvm.add_symbol(f"wann_vec4_{f}", a)
    return None


UNAVAILABLE = _register()


def require() -> None:
    """Raise WannError when the fast-math kernel cannot run here."""
    if UNAVAILABLE is not None:
        raise WannError(f"--fast-math needs vector math: {UNAVAILABLE}")


def _vec4(name: str):  # noqa: ANN202 - returns a numba intrinsic
    @intrinsic
    def vec4(typingctx, src, dst, i):  # noqa: ANN001, ARG001
        """dst[i:i+4] = f(src[i:i+4]) with one libmvec call."""
        sig = types.void(src, dst, types.intp)

        def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
            s, d, idx = args
            sa = context.make_array(signature.args[0])(context, builder, s)
            da = context.make_array(signature.args[1])(context, builder, d)
            v4 = ir.VectorType(ir.DoubleType(), WIDTH)
            x = builder.load(builder.bitcast(builder.gep(sa.data, [idx]), v4.as_pointer()), align=8)
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(v4, [v4]), f"wann_vec4_{name}"
            )
            out = builder.bitcast(builder.gep(da.data, [idx]), v4.as_pointer())
            builder.store(builder.call(fn, [x]), out, align=8)
            return context.get_dummy_value()

        return sig, codegen

    return vec4


_sin4, _cos4, _exp4, _tanh4 = (_vec4(f) for f in _FUNCS)


@numba.njit(cache=True, inline="always")
def sin_lanes(src: np.ndarray, dst: np.ndarray, n: int) -> None:
    """dst[:n] = sin(src[:n]), four lanes per call."""
    for c in range(0, n, WIDTH):
        _sin4(src, dst, c)


@numba.njit(cache=True, inline="always")
def cos_lanes(src: np.ndarray, dst: np.ndarray, n: int) -> None:
    """dst[:n] = cos(src[:n]), four lanes per call."""
    for c in range(0, n, WIDTH):
        _cos4(src, dst, c)


@numba.njit(cache=True, inline="always")
def apply_lanes(a: int, u: np.ndarray, out: np.ndarray, n: int, tmp: np.ndarray) -> None:
    """out[:n] = f_a(u[:n]) with vector transcendentals; `tmp` is scratch of u's size."""
    if a == SIN:
        for L in range(n):
            tmp[L] = math.pi * u[L]
        sin_lanes(tmp, out, n)
    elif a == COS:
        for L in range(n):
            tmp[L] = math.pi * u[L]
        cos_lanes(tmp, out, n)
    elif a == GAUSSIAN:
        for L in range(n):
            tmp[L] = -(u[L] * u[L]) / 2.0
        for c in range(0, n, WIDTH):
            _exp4(tmp, out, c)
    elif a == TANH:
        for c in range(0, n, WIDTH):
            _tanh4(u, out, c)
    elif a == SIGMOID:
        for L in range(n):
            tmp[L] = u[L] / 2.0
        for c in range(0, n, WIDTH):
            _tanh4(tmp, out, c)
        for L in range(n):
            out[L] = (out[L] + 1.0) / 2.0
    else:
        apply_lanes_exact(a, u, out, n)
