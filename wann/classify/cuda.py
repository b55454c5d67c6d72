"""The CUDA classification evaluator: a generation's nets over the minibatch and the shared
weights in one kernel launch (numba-cuda; kernel in `cuda_kernels`).

The training images go to the device once, when the evaluator is made; each generation sends
the packed nets, the shared weights and the minibatch's row numbers, and gets back one loss sum
per (net, weight, repetition, chunk), which the host adds up in chunk order as the CPU does.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from wann.classify import ClassifyTask
from wann.classify.evaluator import check_fits, minibatch_rows
from wann.classify.kernels import CHUNK, reduce_chunks
from wann.evaluation.cuda import require_gpu
from wann.evaluation.protocol import NoFaults
from wann.network import NetBatch, kernel_args


class ClassifyCudaEvaluator(NoFaults):
    """Scores a packed generation on minibatches in one launch on the GPU."""

    def __init__(self, task: ClassifyTask, block: int = 128) -> None:
        require_gpu()
        from numba import cuda

        from wann.classify import cuda_kernels

        self.task = task
        self.block = block  # threads per block
        self.kernels = cuda_kernels
        self.x = cuda.to_device(np.ascontiguousarray(task.x_train, np.float64))
        self.y = cuda.to_device(np.ascontiguousarray(task.y_train, np.int64))
        self.last_steps = 0  # samples forwarded by the last evaluate call
        self.last_kernel_seconds = 0.0  # launch to finish of the last kernel (no copies)

    def evaluate(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        return self._launch(batch, weights, seeds, timed=True)()

    def submit(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray
    ) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
        """Launch and return at once; calling the result waits and gives what `evaluate`
        would. The run loop reports the previous generation, and breeds the next one past a
        re-test, while the GPU works. Each launch has device arrays of its own."""
        return self._launch(batch, weights, seeds)

    def _launch(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray, timed: bool = False
    ) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
        """Copy the generation to the device and launch its kernel (asynchronously); return
        the function that collects the losses."""
        from numba import cuda

        t = self.task
        check_fits(t, batch)
        weights = np.ascontiguousarray(weights, dtype=np.float64)
        idx = minibatch_rows(t, seeds).astype(np.int32)
        n_chunks = -(-t.minibatch // CHUNK)
        shape = (batch.n_nets, weights.size, idx.shape[0], n_chunks)
        returns = np.empty(shape[:3])
        bad = np.zeros(shape[:3], dtype=np.bool_)
        jobs = int(np.prod(shape))
        if jobs == 0:
            self.last_steps = 0
            return lambda: (returns, bad)
        node_off, act, in_start, in_end, edge_src, edge_w, out_pos = kernel_args(batch)
        # A search's edge weights are all 1: the kernel compiled for that case reads none.
        unit = edge_w.size == 0 or bool(edge_w.min() == 1.0 and edge_w.max() == 1.0)
        ints = [cuda.to_device(np.ascontiguousarray(a, np.int32))
                for a in (node_off, act, in_start, in_end, edge_src, out_pos)]
        edge_dev = cuda.to_device(np.ones(1) if unit else np.ascontiguousarray(edge_w, np.float64))
        part = cuda.device_array(shape, np.float64)
        part_bad = cuda.device_array(shape, np.uint8)
        # Node values in a per-thread local array, sized when compiling: powers of two from 64,
        # so a search compiles a few kernels at most.
        local_nodes = max(64, 1 << (max(batch.max_nodes, 1) - 1).bit_length())
        kernel = self.kernels.losses_kernel(batch.n_out, local_nodes, unit)
        t0 = time.perf_counter()
        kernel[-(-jobs // self.block), self.block](
            *ints[:5], edge_dev, ints[5], batch.n_in, cuda.to_device(weights), self.x, self.y,
            cuda.to_device(idx), part, part_bad,
        )
        if timed:
            cuda.synchronize()
            self.last_kernel_seconds = time.perf_counter() - t0

        def collect() -> tuple[np.ndarray, np.ndarray]:
            sums, flags = part.copy_to_host(), part_bad.copy_to_host()  # waits for the kernel
            reduce_chunks(sums, flags.astype(np.bool_), t.minibatch, float(t.worst_return),
                          returns, bad)
            self.last_steps = int(returns.size * t.minibatch)
            return returns, bad

        return collect

    def close(self) -> None:
        """Drop the device copies of the data (the GPU memory is freed with them)."""
        self.x = self.y = None
