"""wann: search for weight agnostic neural networks (Gaier & Ha, 2019)."""

import os

# Single-threaded BLAS (read when numpy loads, so set before it is imported): OpenBLAS threads
# spin against numba's, which made CMA-ES's 71 x 71 eigendecomposition take 70 ms instead of
# 1 ms and the rollout kernels 3x slower on 2 cores. Nothing here needs a threaded BLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"


class WannError(Exception):
    """An error caused by the user's input; the command line prints it as one line and exits 2."""
