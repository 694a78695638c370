"""bnbook on CuPy against PyTorch CUDA: float64 parity, and forward + backward time ratios.

For batch, layer and group norm, on one GPU:

* parity: bnbook's ``(y, dx, dgamma, dbeta)`` on CuPy arrays against PyTorch's autograd on
  CUDA tensors, in float64, as the largest relative error ``max|a - b| / max|b|`` (the
  course promises float64 precision, about 1e-15);
* speed: forward + backward of bnbook on CuPy over the same in PyTorch CUDA, in float32,
  on the shapes of ``benchmarks/kernels.py`` and one larger. Each repeat times the two back
  to back (synchronizing the device after each) and the ratio printed is the median of
  those paired ratios, with quartiles, as in ``kernels.py``.

There is no target: bnbook stays one readable array-API code, a sequence of whole-array
operations (one kernel launch each), where PyTorch runs fused CUDA kernels. The ratios are
measured so they can be kept from getting worse. Run, where CuPy and a GPU are present:

    PYTHONPATH=src python benchmarks/gpu.py [--repeats 21]

It needs numpy, array-api-compat, cupy and torch (with CUDA); without them it says so and
exits.
"""

from __future__ import annotations

import argparse
import statistics
import sys

import numpy as np

from bnbook import functional as F
from kernels import GROUPS, SHAPES, interleaved_times, paired_ratio  # benchmarks/kernels.py

TIMED_SHAPES = [*SHAPES, (128, 256, 28, 28)]
PARITY_SHAPES = [(32, 64, 8, 8), (64, 512)]
NORMS = ("batch", "layer", "group")


def bnbook_pass(norm: str):
    """``f(x, gamma, beta, dy) -> (y, dx, dgamma, dbeta)`` with bnbook, for any array library."""
    forward, backward = {
        "batch": (F.batch_norm_forward, F.batch_norm_backward),
        "layer": (F.layer_norm_forward, F.layer_norm_backward),
        "group": (lambda x, g, b: F.group_norm_forward(x, GROUPS, g, b), F.group_norm_backward),
    }[norm]

    def run(x, gamma, beta, dy):
        y, cache = forward(x, gamma, beta)
        return (y, *backward(dy, cache))

    return run


def torch_pass(torch, norm: str):
    """The same with PyTorch's functional ops and autograd: ``f(x, gamma, beta, dy) -> (y, dx, dgamma, dbeta)``."""
    forward = {
        "batch": lambda x, g, b: torch.nn.functional.batch_norm(x, None, None, g, b, training=True),
        "layer": lambda x, g, b: torch.nn.functional.layer_norm(x, tuple(x.shape[1:]), g, b),
        "group": lambda x, g, b: torch.nn.functional.group_norm(x, GROUPS, g, b),
    }[norm]

    def run(x, gamma, beta, dy):
        x.grad = gamma.grad = beta.grad = None
        y = forward(x, gamma, beta)
        y.backward(dy)
        return y, x.grad, gamma.grad, beta.grad

    return run


def inputs(shape, norm: str, dtype, seed: int = 0):
    """Host arrays ``x, gamma, beta, dy`` with a mean and scale away from 0 and 1."""
    rng = np.random.default_rng(seed)
    param_shape = shape[1:] if norm == "layer" else (shape[1],)
    return (rng.normal(3.0, 2.0, size=shape).astype(dtype), rng.normal(1.0, 0.3, size=param_shape).astype(dtype),
            rng.normal(size=param_shape).astype(dtype), rng.normal(size=shape).astype(dtype))


def on_devices(cp, torch, host):
    """The host arrays as CuPy arrays and as CUDA tensors (x, gamma, beta require gradients)."""
    ours = [cp.asarray(a) for a in host]
    theirs = [torch.tensor(a, device="cuda", requires_grad=i < 3) for i, a in enumerate(host)]
    return ours, theirs


def parity(cp, torch) -> None:
    print("float64 parity, bnbook on CuPy vs PyTorch CUDA: max |a - b| / max |b| over y, dx, dgamma, dbeta")
    for norm in NORMS:
        for shape in PARITY_SHAPES:
            ours, theirs = on_devices(cp, torch, inputs(shape, norm, np.float64))
            got = bnbook_pass(norm)(*ours)
            expected = torch_pass(torch, norm)(*theirs)
            errors = [float(cp.max(cp.abs(g - cp.asarray(e.detach()))) / cp.max(cp.abs(cp.asarray(e.detach()))))
                      for g, e in zip(got, expected)]
            kinds = {type(g).__module__.split(".")[0] for g in got}
            print(f"  {norm:6} {str(shape):18} {max(errors):.1e}   (results are {', '.join(sorted(kinds))} arrays)")


def speed(cp, torch, repeats: int) -> None:
    print(f"\nfloat32 forward + backward, median of {repeats} paired repeats")
    header = f"{'norm':6} {'shape':18} {'bnbook ms':>10} {'torch ms':>9} {'bnbook/torch (quartiles)':>25}"
    print(header)
    print("-" * len(header))
    for shape in TIMED_SHAPES:
        for norm in NORMS:
            ours, theirs = on_devices(cp, torch, inputs(shape, norm, np.float32))
            ours_pass, torch_fn = bnbook_pass(norm), torch_pass(torch, norm)

            def run_ours():
                ours_pass(*ours)
                cp.cuda.Device().synchronize()

            def run_torch():
                torch_fn(*theirs)
                torch.cuda.synchronize()

            times = interleaved_times([run_ours, run_torch], repeats)
            t_ours, t_torch = (1e3 * statistics.median(t) for t in times)
            ratio, q1, q3 = paired_ratio(times[0], times[1])
            print(f"{norm:6} {str(shape):18} {t_ours:10.3f} {t_torch:9.3f} {f'{ratio:.2f} ({q1:.2f}-{q3:.2f})':>25}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()
    try:
        import cupy as cp
        import torch

        cp.cuda.runtime.getDeviceCount()
        if not torch.cuda.is_available():
            raise RuntimeError("torch has no CUDA device")
    except Exception as err:  # noqa: BLE001 - no CuPy, no torch, no driver: nothing to measure here
        print(f"benchmarks/gpu.py needs CuPy, PyTorch with CUDA and a GPU: {err}")
        return 0
    props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
    print(f"GPU: {props['name'].decode()}; CuPy {cp.__version__}, PyTorch {torch.__version__}, NumPy {np.__version__}\n")
    parity(cp, torch)
    speed(cp, torch, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
