"""The CUDA classification kernel: one thread per (net, shared weight, repetition, chunk).

Each thread sums the cross-entropy of one chunk of CHUNK minibatch samples with the very
function the CPU kernel calls for that chunk (`make_chunk_loss`, here over the forward pass
and the loss compiled for the device from their CPU source). The per-chunk sums come back to
the host, where `reduce_chunks` adds them in chunk order as on the CPU: the only difference
from the CPU backends is the GPU's math library (exp, log, tanh, ... round differently in the
last bit), and every thread writes only its own slot, so a GPU gives the same numbers run
after run.

Threads are ordered net-major, then weight, repetition and chunk: a warp runs one net (the
same branches) over neighbouring chunks. One kernel is compiled per (outputs, local array
size, edge weights all 1 or not), as for the control tasks.
"""

from __future__ import annotations

import functools

from numba import cuda, float64

from wann.classify.kernels import CHUNK, log_softmax_loss, make_chunk_loss
from wann.network import forward

# Device functions from the CPU functions' own source (the simulator, which CI runs, passes
# simulated device arrays that @njit code cannot take, so the CPU versions are not reused).
forward_device = cuda.jit(device=True)(forward.py_func)
loss_device = cuda.jit(device=True)(log_softmax_loss.py_func)
chunk_loss_device = cuda.jit(device=True)(make_chunk_loss(forward_device, loss_device))


@functools.cache
def losses_kernel(n_out: int, local_nodes: int, unit: bool):  # noqa: ANN201 - a CUDA kernel
    """The kernel for nets of `n_out` outputs and at most `local_nodes` nodes; with `unit`
    every edge weight is taken as 1 and `edge_w` is not read (a search's generations)."""

    def kernel(
        node_off, act, in_start, in_end, edge_src, edge_w, out_pos, n_in, weights, x, y, idx,
        part, part_bad,
    ):  # pragma: no cover - compiled for the device (the simulator runs it as Python)
        """part[k, w, r, c]: the loss sum of chunk c of repetition r's minibatch for net k at
        weight w; part_bad: 1 where it stopped at an output that was NaN or infinite."""
        t = cuda.grid(1)
        n_nets, n_w, n_rep, n_chunks = part.shape
        if t >= n_nets * n_w * n_rep * n_chunks:
            return
        c = t % n_chunks
        r = (t // n_chunks) % n_rep
        wi = (t // (n_chunks * n_rep)) % n_w
        k = t // (n_chunks * n_rep * n_w)
        lo = c * CHUNK
        hi = min(lo + CHUNK, idx.shape[1])
        values = cuda.local.array(local_nodes, float64)
        out = cuda.local.array(n_out, float64)
        s, failed = chunk_loss_device(node_off, act, in_start, in_end, edge_src, edge_w, out_pos,
                                      k, n_in, weights[wi], x, y, idx[r], lo, hi, values, out,
                                      unit)
        part[k, wi, r, c] = s
        part_bad[k, wi, r, c] = 1 if failed else 0

    return cuda.jit(kernel)
