"""The CUDA backend: a whole generation in one kernel launch on an NVIDIA GPU (numba-cuda).

The packed `NetBatch` is copied to the device once per generation, one thread runs each
(net, weight, repetition) rollout (see `cuda_kernels`), and the returns come back as the usual
[net, weight, repetition] array; ranking and everything after stay on the host. Initial
states come from the gymnasium env's own `reset(seed=...)`, as on the compiled backend.

Exactness: the GPU's math library rounds sin, cos, exp and tanh differently from the host's
in the last bit, so results are not bit-identical to the CPU backends (swing-up is chaotic and
long rollouts drift apart). They are deterministic on one GPU: every thread writes only its own
slot, with no atomics or reductions on the device.
"""

from __future__ import annotations

import importlib.util
import os
import time
import warnings
from collections.abc import Callable

import numpy as np

from wann import WannError
from wann.evaluation.compiled import initial_states
from wann.evaluation.faults import NoFaults
from wann.network import NetBatch, kernel_args
from wann.tasks import Task

# numba-cuda warns of low occupancy for small launches (a re-test, a tiny population): expected.
warnings.filterwarnings("ignore", message=r".*will likely result in GPU under-utilization")

WARP = 32
# Up to this many threads, each net gets whole warps (its rollouts padded to a multiple of 32):
# a generation this small leaves the GPU mostly idle, so idle lanes cost nothing, while warps
# that mix nets run their forward passes one after the other. Larger generations pack nets
# back to back, since there padding would cost whole extra waves of blocks.
PAD_UP_TO_THREADS = 16_384
# Host staging uses a thread pool from this many entries, in chunks of STAGE_CHUNK.
STAGE_THREADS_FROM = 1 << 20
STAGE_CHUNK = 1 << 18


def require_cuda(task: Task) -> None:
    """Raise WannError unless the task has a twin, numba-cuda is installed and a GPU answers.

    Called before anything is written, so `--backend cuda` fails with one clear line.
    """
    from wann_envs.twins import twin_for

    if twin_for(task.env_id) is None:
        raise WannError(
            f"task {task.name!r} has no compiled twin, which the cuda backend needs: "
            "use --backend pool or serial"
        )
    require_gpu()


def require_gpu() -> None:
    """Raise WannError unless numba-cuda is installed and imports and a GPU answers (or numba's
    CUDA simulator is on)."""
    if importlib.util.find_spec("numba_cuda") is None:
        raise WannError("the cuda backend needs numba-cuda: pip install 'wann[cuda]'")
    try:
        from numba import cuda
    except Exception as exc:  # noqa: BLE001 - e.g. numba-cuda 0.30 under numpy 2.5
        raise WannError(f"numba-cuda is installed but does not import: {exc}") from exc
    try:
        ok = cuda.is_available()
    except Exception as exc:  # noqa: BLE001 - any driver failure means "no usable GPU"
        raise WannError(f"the cuda backend found no usable GPU: {exc}") from exc
    if not ok:
        raise WannError(
            "the cuda backend found no usable CUDA GPU or driver (numba.cuda.is_available() "
            "is False); use --backend compiled"
        )


def rollout_slot(per_net: int, align: int, n_nets: int = 1) -> int:
    """Threads given to each net: its rollouts rounded up to a multiple of `align`.

    align=1 packs nets back to back; align=32 gives every warp a single net; align=0 chooses
    32 for generations of up to PAD_UP_TO_THREADS padded threads, else 1.
    """
    if align < 0:
        raise ValueError(f"align must be 0 (automatic) or positive, got {align}")
    if align == 0:
        padded = rollout_slot(per_net, WARP)
        return padded if n_nets * padded <= PAD_UP_TO_THREADS else per_net
    return -(-per_net // align) * align


class CudaEvaluator(NoFaults):
    """Evaluates a packed generation in one launch of the CUDA kernel."""

    def __init__(
        self, task: Task, align: int = 0, block: int = 128, local: bool = True
    ) -> None:
        from wann_envs.twins import twin_for
        from wann_envs.twins.dispatch import TWIN_IDS

        require_cuda(task)
        from wann.evaluation import cuda_kernels

        self.task = task
        self.twin = twin_for(task.env_id)
        self.tid = TWIN_IDS.index(task.env_id)
        self.align = align
        self.block = block  # threads per block
        # Node values in per-thread local arrays (faster on an H100: 0.52-0.72 of the
        # yardstick against 0.44-0.66 for the global scratch), or in the global scratch.
        self.local = local
        self.kernels = cuda_kernels
        self.env = task.make_env()  # only for the initial states of episodes
        self.last_steps = 0  # environment steps taken by the last evaluate call
        self.last_kernel_seconds = 0.0  # launch to finish of the last kernel (no copies)
        self._buffers: dict = {}
        self._bounds = None
        self._pool = None  # threads that stage large generations (see _stage)

    def _kept(self, name: str, size: int, dtype: type, make):  # noqa: ANN001, ANN202
        """The first `size` entries of a kept 1-d buffer that grows (doubling, never shrinking)
        as needed: after the first generations no call allocates."""
        buf = self._buffers.get(name)
        if buf is None or buf.size < size:
            buf = make(max(size, 1, 0 if buf is None else 2 * buf.size), dtype)
            self._buffers[name] = buf
        return buf[:size]

    def _buffer(self, name: str, shape: tuple[int, ...], dtype: type):  # noqa: ANN202
        """A device array of `shape` over a kept buffer."""
        from numba import cuda

        return self._kept("device " + name, int(np.prod(shape)), dtype,
                          cuda.device_array).reshape(shape)

    def _pinned(self, name: str, size: int, dtype: type) -> np.ndarray:
        """A page-locked host array over a kept buffer: copies to and from the device run at
        full bus speed from it, without a staging copy."""
        from numba import cuda

        return self._kept("host " + name, size, dtype, cuda.pinned_array)

    def _stage(self, parts: list[np.ndarray], out: np.ndarray) -> None:
        """Concatenate `parts` into `out` (casting to its type). Large generations (19,200
        nets: millions of entries) are copied in chunks by a thread pool, since numpy's
        copies release the GIL: one thread took 3 ms of a 60 ms call on a GPU machine's
        host."""
        total = sum(a.size for a in parts)
        if total < STAGE_THREADS_FROM:
            np.concatenate(parts, out=out, casting="unsafe")
            return
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(min(8, os.cpu_count() or 1))
        jobs, at = [], 0
        for a in parts:
            for lo in range(0, a.size, STAGE_CHUNK):
                hi = min(a.size, lo + STAGE_CHUNK)
                jobs.append(self._pool.submit(np.copyto, out[at + lo:at + hi], a[lo:hi],
                                              casting="unsafe"))
            at += a.size
        for j in jobs:
            j.result()

    def evaluate(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        return self._launch(batch, weights, seeds, "", timed=True)()

    def submit(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray
    ) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
        """Launch the rollouts and return at once; calling the result waits for them and gives
        what `evaluate` would. The host works meanwhile (the search breeds the next
        generation while the GPU re-tests the best): a small launch takes as long as its
        longest rollout, 1,000 steps one after another, whatever the GPU's size. Its device
        buffers are its own, so an `evaluate` may come before the result is collected."""
        return self._launch(batch, weights, seeds, "submitted ")

    def _launch(
        self, batch: NetBatch, weights: np.ndarray, seeds: np.ndarray, tag: str,
        timed: bool = False,
    ) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
        """Copy the generation to the device and launch its kernel (asynchronously); return
        the function that collects the results."""
        from numba import cuda

        t = self.task
        weights = np.asarray(weights, dtype=np.float64)
        states = initial_states(self.env, self.twin, np.asarray(seeds))
        shape = (batch.n_nets, weights.size, len(seeds))
        jobs = int(np.prod(shape))
        if jobs == 0:
            self.last_steps = 0
            return lambda: (np.empty(shape), np.zeros(shape, dtype=np.bool_))
        slot = rollout_slot(shape[1] * shape[2], self.align, batch.n_nets)
        threads = batch.n_nets * slot
        if self._bounds is None:
            self._bounds = (
                cuda.to_device(np.asarray(t.low, np.float64).reshape(-1)),
                cuda.to_device(np.asarray(t.high, np.float64).reshape(-1)),
            )
        low, high = self._bounds
        # The whole generation in two host-to-device copies: every integer array in one int32
        # buffer (64-bit integer arithmetic is slow on a GPU), every float array in another.
        node_off, act, in_start, in_end, edge_src, edge_w, out_pos = kernel_args(batch)
        ints = [node_off, act, in_start, in_end, edge_src, out_pos.reshape(-1)]
        e = edge_w.size
        # A search's edge weights are all 1 (the shared weight scales node sums): they are then
        # neither sent nor read, by a kernel compiled for that case.
        unit = e == 0 or (edge_w.min() == 1.0 and edge_w.max() == 1.0)
        floats = ([] if unit else [edge_w]) + [weights, states.reshape(-1)]
        n_i, n_f = sum(a.size for a in ints), sum(a.size for a in floats)
        dev_i = self._buffer(tag + "ints", (n_i,), np.int32)
        dev_f = self._buffer(tag + "floats", (n_f,), np.float64)
        host_i = self._pinned(tag + "ints", n_i, np.int32)
        host_f = self._pinned(tag + "floats", n_f, np.float64)
        self._stage(ints, host_i)  # every index fits in 32 bits
        self._stage(floats, host_f)
        dev_i.copy_to_device(host_i)
        dev_f.copy_to_device(host_f)
        views, at = [], 0
        for a in ints:
            views.append(dev_i[at:at + a.size])
            at += a.size
        views[-1] = views[-1].reshape(out_pos.shape)
        if unit:
            e = 0
        w_dev = dev_f[e:e + weights.size]
        edge_dev = w_dev if unit else dev_f[:e]  # the unit kernel reads no edge weight
        s_dev = dev_f[e + weights.size:].reshape(states.shape)
        result = self._buffer(tag + "result", (3, jobs), np.float64)
        if self.local:
            # Local arrays need their size when compiling: powers of two from 64, so a search
            # compiles once or twice (a compile takes about 3 s; a swing-up search's nets stay
            # under 64 nodes), and unused slots cost no time.
            local_nodes = max(64, 1 << (max(batch.max_nodes, 1) - 1).bit_length())
            scratch = result  # unused by that kernel
        else:
            local_nodes = 0
            scratch = self._buffer(tag + "scratch", (max(batch.max_nodes, 1), threads), np.float64)
        kernel = self.kernels.generation_kernel(self.tid, batch.n_in, batch.n_out, t.discrete,
                                                local_nodes, unit)
        blocks = -(-threads // self.block)
        t0 = time.perf_counter()
        kernel[blocks, self.block](
            *views[:5], edge_dev, views[5], w_dev, s_dev, t.max_steps, low, high,
            float(t.worst_return), slot, scratch, result,
        )
        if timed:
            cuda.synchronize()
            self.last_kernel_seconds = time.perf_counter() - t0

        host_r = self._pinned(tag + "result", 3 * jobs, np.float64).reshape(3, jobs)

        def collect() -> tuple[np.ndarray, np.ndarray]:
            result.copy_to_host(host_r)  # waits for the kernel
            self.last_steps = int(host_r[2].sum())
            return host_r[0].reshape(shape).copy(), (host_r[1] != 0.0).reshape(shape)

        return collect

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
        self.env.close()
