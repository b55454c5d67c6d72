"""C `pow` that numba cannot rewrite, for twins that must square exactly like numpy does.

gymnasium squares with ``x**2`` on numpy float64 scalars (and ``math.pow``), which calls C
``pow``; glibc's pow is not correctly rounded, so ``pow(x, 2.0)`` and ``x * x`` differ in the
last bit for about 1 value in 1000. LLVM rewrites ``pow(x, 2.0)`` to ``x * x``, so the twins
call libm's pow through a symbol LLVM does not know. The symbol is registered on import,
before any cached twin code that calls it is loaded.

Compiled for a CUDA GPU (numba-cuda), the same call becomes libdevice's ``__nv_pow``: the
device has no glibc, and the GPU backend promises agreement to rounding, not bit equality.
"""

from __future__ import annotations

import ctypes
import ctypes.util

import llvmlite.binding as llvm
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_POW_SYMBOL = "wann_twins_libm_pow"
_DEVICE_POW = "__nv_pow"  # libdevice, linked into every numba-cuda kernel


def _pow_address() -> int:
    """Address of the C pow that Python's math.pow and numpy's scalar ** use."""
    try:
        fn = ctypes.CDLL(None).pow
    except (OSError, AttributeError):
        fn = ctypes.CDLL(ctypes.util.find_library("m")).pow
    return ctypes.cast(fn, ctypes.c_void_p).value


llvm.add_symbol(_POW_SYMBOL, _pow_address())


def _is_cuda(context: object) -> bool:
    """Whether a lowering context targets a CUDA device (numba-cuda's target context)."""
    return type(context).__module__.startswith("numba.cuda")


@intrinsic
def libm_pow(typingctx, x, y):
    """C pow(x, y) behind a name LLVM does not recognise, so pow(x, 2.0) is not made x * x."""
    sig = types.float64(types.float64, types.float64)

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.DoubleType(), [ir.DoubleType(), ir.DoubleType()])
        name = _DEVICE_POW if _is_cuda(context) else _POW_SYMBOL
        fn = cgutils.get_or_insert_function(builder.module, fnty, name)
        return builder.call(fn, args)

    return sig, codegen
