"""Speed of the normalization kernels: bnbook vs PyTorch CPU vs a naive NumPy version.

Times forward + backward of batch, layer and group norm in float32 on the shapes of the
issue, all in one run (the machines are noisy: only ratios within a run mean anything),
and prints

* each time in milliseconds (median of several repeats),
* the ratio bnbook / torch and naive / torch. The targets say "no worse than when the
  kernels were settled" (BN <= 1.8, LN and GN <= 3): the shared implementation stays one
  readable array-API code, with no second, fused implementation for speed.
  Each repeat times the contenders back to back and the ratio is the median of those
  paired ratios, printed with its quartiles: on a shared machine the load moves a single
  time by 20 % or more within a run, far more than it moves a ratio of neighbours,
* the effective bandwidth of bnbook (bytes of x, y, dy, dx / time) next to a measured
  memory-copy bandwidth, which bounds what any kernel can do.

torch runs with one thread, like NumPy's element-wise code. Run:

    .venv/bin/python benchmarks/kernels.py [--repeats 31]

Where the time goes. ``bnbook.functional`` is written once on the array API, so every
step is one whole-array operation (``x - mu``, ``y += beta``, a BLAS dot product for
each sum): each reads the whole array, and all but the sums write one. Counted in the
code, forward + backward takes 11 such passes for batch norm, 16 for layer norm and 11
for group norm. On 4-D inputs, most of the batch and group norm passes broadcast a
factor along each short spatial row (a 14 x 14 map is a row of 196 values), which NumPy
runs at about half the speed of an operation between two arrays of the same shape.
torch's CPU kernels are compiled loops that do several of those steps per pass over
the data. The number of passes, not memory bandwidth, sets the ratios: a version of
layer norm that works in cache-sized blocks, so its temporaries never leave the cache,
measured no faster (2.3x to 2.8x torch, against 1.8x to 2.8x for the whole-array
version, same run).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from bnbook import functional as F

SHAPES = [(64, 64, 32, 32), (128, 256, 14, 14), (256, 1024)]
TARGETS = {"batch": 1.8, "layer": 3.0, "group": 3.0}  # measured BN 1.2-1.8, LN 1.8-3.0, GN 0.7-2.6
GROUPS = 32


def median_ms(fn, repeats: int) -> float:
    """Median wall time of ``fn()`` in milliseconds, after one warm-up call."""
    return 1e3 * statistics.median(interleaved_times([fn], repeats)[0])


def interleaved_times(fns, repeats: int) -> list[list[float]]:
    """Seconds per call of each function, timed in turn within every repeat.

    Interleaving puts every contender under the same background load, which on a shared
    machine moves far more than the kernels differ; times at the same index are pairs.
    """
    for fn in fns:
        fn()  # warm up: first-touch page faults, caches
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, bucket in zip(fns, times):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return times


def paired_ratio(times: list[float], baseline: list[float]) -> tuple[float, float, float]:
    """Median and quartiles of ``times[i] / baseline[i]`` over the repeats."""
    ratios = [t / b for t, b in zip(times, baseline)]
    q1, median, q3 = statistics.quantiles(ratios, n=4)
    return median, q1, q3


def naive_batch_norm(x, gamma, beta, dy, eps=1e-5):
    """The textbook version (one line per equation, as in many tutorials): the baseline."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = [1] * x.ndim
    shape[1] = -1
    m = x.size // x.shape[1]
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    x_hat = (x - mu) / np.sqrt(var + eps)
    y = gamma.reshape(shape) * x_hat + beta.reshape(shape)
    dbeta = dy.sum(axis=axes)
    dgamma = (dy * x_hat).sum(axis=axes)
    dx_hat = dy * gamma.reshape(shape)
    dvar = (dx_hat * (x - mu) * -0.5 * (var + eps) ** -1.5).sum(axis=axes, keepdims=True)
    dmu = (-dx_hat / np.sqrt(var + eps)).sum(axis=axes, keepdims=True) + dvar * (-2 * (x - mu)).mean(
        axis=axes, keepdims=True)
    dx = dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / m + dmu / m
    return y, dx, dgamma, dbeta


def naive_normalize(x, axes, eps=1e-5):
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    return (x - mu) / np.sqrt(var + eps), var


def naive_layer_norm(x, gamma, beta, dy, eps=1e-5):
    axes = tuple(range(1, x.ndim))
    x_hat, var = naive_normalize(x, axes, eps)
    y = gamma * x_hat + beta
    dx_hat = dy * gamma
    dx = (dx_hat - dx_hat.mean(axis=axes, keepdims=True)
          - x_hat * (dx_hat * x_hat).mean(axis=axes, keepdims=True)) / np.sqrt(var + eps)
    return y, dx, (dy * x_hat).sum(axis=0), dy.sum(axis=0)


def naive_group_norm(x, gamma, beta, dy, eps=1e-5):
    n, c = x.shape[:2]
    g = x.reshape(n, GROUPS, -1)
    x_hat, var = naive_normalize(g, (2,), eps)
    x_hat = x_hat.reshape(x.shape)
    shape = [1, c] + [1] * (x.ndim - 2)
    axes = (0,) + tuple(range(2, x.ndim))
    y = gamma.reshape(shape) * x_hat + beta.reshape(shape)
    dx_hat = (dy * gamma.reshape(shape)).reshape(n, GROUPS, -1)
    xh = x_hat.reshape(n, GROUPS, -1)
    dx = (dx_hat - dx_hat.mean(axis=2, keepdims=True) - xh * (dx_hat * xh).mean(axis=2, keepdims=True)) / np.sqrt(
        var + eps)
    return y, dx.reshape(x.shape), (dy * x_hat).sum(axis=axes), dy.sum(axis=axes)


def cases(torch):
    """(norm, shape, bnbook_fn, naive_fn, torch_fn) with inputs bound."""
    rng = np.random.default_rng(0)
    out = []
    for shape in SHAPES:
        x = rng.normal(size=shape).astype(np.float32)
        dy = rng.normal(size=shape).astype(np.float32)
        c = shape[1]
        for norm in ("batch", "layer", "group"):
            pshape = shape[1:] if norm == "layer" else (c,)
            gamma = np.ones(pshape, np.float32)
            beta = np.zeros(pshape, np.float32)
            if norm == "batch":
                ours = lambda x=x, g=gamma, b=beta, dy=dy: F.batch_norm_backward(dy, F.batch_norm_forward(x, g, b)[1])
                naive = lambda x=x, g=gamma, b=beta, dy=dy: naive_batch_norm(x, g, b, dy)
                tfn = lambda xt, gt, bt: torch.nn.functional.batch_norm(xt, None, None, gt, bt, training=True)
            elif norm == "layer":
                ours = lambda x=x, g=gamma, b=beta, dy=dy: F.layer_norm_backward(dy, F.layer_norm_forward(x, g, b)[1])
                naive = lambda x=x, g=gamma, b=beta, dy=dy: naive_layer_norm(x, g, b, dy)
                tfn = lambda xt, gt, bt, s=shape: torch.nn.functional.layer_norm(xt, s[1:], gt, bt)
            else:
                ours = lambda x=x, g=gamma, b=beta, dy=dy: F.group_norm_backward(
                    dy, F.group_norm_forward(x, GROUPS, g, b)[1])
                naive = lambda x=x, g=gamma, b=beta, dy=dy: naive_group_norm(x, g, b, dy)
                tfn = lambda xt, gt, bt: torch.nn.functional.group_norm(xt, GROUPS, gt, bt)
            ref = None
            if torch is not None:
                xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
                dyt = torch.tensor(dy)

                def ref(xt=xt, gt=gt, bt=bt, dyt=dyt, tfn=tfn):
                    xt.grad = gt.grad = bt.grad = None
                    tfn(xt, gt, bt).backward(dyt)

            out.append((norm, shape, ours, naive, ref, x.nbytes))
    return out


def copy_bandwidth_gbs(nbytes: int = 256 * 2**20, repeats: int = 10) -> float:
    """GB/s of np.copyto over a buffer much larger than the caches (read + write counted)."""
    src = np.ones(nbytes // 4, np.float32)
    dst = np.empty_like(src)
    ms = median_ms(lambda: np.copyto(dst, src), repeats)
    return 2 * nbytes / (ms * 1e-3) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=31)
    args = parser.parse_args()
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
        print("torch is not installed: only bnbook vs naive NumPy is measured")

    # One thread everywhere: NumPy's element-wise code is single-threaded, and the BLAS
    # dot products bnbook uses must not get a second core that torch does not get.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    bandwidth = copy_bandwidth_gbs()
    print(f"memory copy bandwidth: {bandwidth:.1f} GB/s (read + write)\n")
    header = f"{'norm':6} {'shape':18} {'bnbook ms':>10} {'naive ms':>9} {'torch ms':>9} " \
             f"{'ours/torch (quartiles)':>23} {'naive/torch':>12} {'target':>7} {'GB/s':>6}"
    print(header)
    print("-" * len(header))
    misses = 0
    for norm, shape, ours, naive, ref, nbytes in cases(torch):
        if ref is None:
            t_ours, t_naive = (1e3 * statistics.median(t) for t in interleaved_times([ours, naive], args.repeats))
            print(f"{norm:6} {str(shape):18} {t_ours:10.2f} {t_naive:9.2f}")
            continue
        times = interleaved_times([ours, naive, ref], args.repeats)
        t_ours, t_naive, t_torch = (1e3 * statistics.median(t) for t in times)
        ratio, q1, q3 = paired_ratio(times[0], times[2])
        naive_ratio = paired_ratio(times[1], times[2])[0]
        # x, dy read; y, dx written at least once each: a lower bound on the traffic.
        gbs = 4 * nbytes / (t_ours * 1e-3) / 1e9
        ok = ratio <= TARGETS[norm]
        misses += not ok
        spread = f"{ratio:.2f} ({q1:.2f}-{q3:.2f})"
        print(f"{norm:6} {str(shape):18} {t_ours:10.2f} {t_naive:9.2f} {t_torch:9.2f} {spread:>23} "
              f"{naive_ratio:12.2f} {TARGETS[norm]:7.2f} {gbs:6.1f}{'' if ok else '  (over target)'}")
    if torch is not None:
        print(f"\n{misses} of {len(SHAPES) * 3} cases over their target")


if __name__ == "__main__":
    main()
