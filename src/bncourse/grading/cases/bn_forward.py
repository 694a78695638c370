"""Hidden checks of the ``bn-forward`` assignment (reference: ``bnbook.functional``)."""
from __future__ import annotations

import numpy as np

from . import Case
from .mistakes import batch_norm


def _params(rng: np.random.Generator, c: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(1.0, 0.5, size=c), rng.normal(0.0, 1.0, size=c)


def _x(rng: np.random.Generator, shape: tuple[int, ...], small: float | None = None) -> np.ndarray:
    """Channels on different scales and offsets; with ``small``, channel 0 has a standard deviation
    of about ``small`` (near sqrt(eps): where leaving eps out, or adding it outside the root, shows)."""
    c = shape[1]
    scale = 10.0 ** rng.uniform(-1, 2, size=c)
    if small is not None:
        scale[0] = small * 10.0 ** rng.uniform(-0.5, 0.5)
    shift = rng.uniform(-20, 20, size=c)
    bshape = (1, c) + (1,) * (len(shape) - 2)
    return rng.normal(size=shape) * scale.reshape(bshape) + shift.reshape(bshape)


# Part 1: batch_stats(x) -> (mean, var) per feature of an (N, D) batch, biased variance.
def _stats_inputs(rng):
    return (_x(rng, (int(rng.integers(2, 33)), int(rng.integers(1, 9)))),)


def _stats_reference(x):
    from bnbook.functional import batch_norm_forward

    _, cache = batch_norm_forward(x, np.ones(x.shape[1]), np.zeros(x.shape[1]), eps=1e-5)
    return cache.stats.mean.reshape(-1), cache.stats.var.reshape(-1)


# Parts 2-4: batchnorm_forward(x, gamma, beta, eps) -> y.
def _forward_reference(x, gamma, beta, eps):
    from bnbook.functional import batch_norm_forward

    y, _ = batch_norm_forward(x, gamma, beta, eps=eps)
    return (y,)


def _forward_2d_inputs(rng):
    n, d = int(rng.integers(2, 33)), int(rng.integers(1, 9))
    return (_x(rng, (n, d), small=np.sqrt(1e-5)), *_params(rng, d), 1e-5)


def _forward_4d_inputs(rng):
    # N >= 2: with one image, per-image statistics are the per-channel ones
    shape = (int(rng.integers(2, 6)), int(rng.integers(1, 6)), int(rng.integers(2, 6)), int(rng.integers(2, 6)))
    return (_x(rng, shape, small=np.sqrt(1e-5)), *_params(rng, shape[1]), 1e-5)


def _epsilon_inputs(rng):
    """Channels with tiny or zero variance and a large eps: forgetting eps, or adding it outside the
    square root, is off by far more than the tolerance."""
    four_d = bool(rng.random() < 0.5)
    shape = ((int(rng.integers(2, 6)), int(rng.integers(2, 5)), 3, 3) if four_d
             else (int(rng.integers(2, 20)), int(rng.integers(2, 6))))
    x = _x(rng, shape) * 1e-3
    x[:, 0] = rng.uniform(-3, 3)  # a constant channel: variance exactly 0
    eps = float(10.0 ** rng.uniform(-3, -1))
    return (x, *_params(rng, shape[1]), eps)


def _fixed_eps(x, gamma, beta, eps=1e-5):
    return batch_norm()(x, gamma, beta, 1e-5)


def _no_eps(x, gamma, beta, eps=1e-5):
    return batch_norm()(x, gamma, beta, 0.0)


UNBIASED = "the variance divides by N - 1 (ddof=1) instead of N"
EPS_OUTSIDE = "eps is added outside the square root (std + eps) instead of inside sqrt(var + eps)"
NO_EPS = "eps is left out of the denominator"
FIXED_EPS = "eps is fixed at 1e-5 instead of the eps argument"
PER_EXAMPLE = "the statistics are taken per example (over axis 1) instead of per feature (over axis 0)"
PER_POSITION = ("the statistics are taken per channel and position (over axis 0 only) instead of per "
                "channel over axes (0, 2, 3)")
PER_IMAGE = "the statistics are taken per image (over axes (2, 3)) instead of over the batch too, axes (0, 2, 3)"
PER_SAMPLE_4D = "the statistics are taken per example over axes (1, 2, 3) (layer norm) instead of per channel"

_EPS_MISTAKES = {EPS_OUTSIDE: batch_norm(eps_outside=True), NO_EPS: _no_eps}

CASES = {
    "stats": Case(make_inputs=_stats_inputs, reference=_stats_reference,
                  outputs=("mean", "var"), rtol=1e-7, atol=1e-9,
                  mistakes={UNBIASED: lambda x: (x.mean(axis=0), x.var(axis=0, ddof=1)),
                            PER_EXAMPLE: lambda x: (x.mean(axis=1), x.var(axis=1))}),
    "forward_2d": Case(make_inputs=_forward_2d_inputs, reference=_forward_reference,
                       outputs=("y",), rtol=1e-6, atol=1e-8,
                       mistakes={UNBIASED: batch_norm(ddof=1), PER_EXAMPLE: batch_norm(lambda x: (1,)),
                                 **_EPS_MISTAKES}),
    "forward_4d": Case(make_inputs=_forward_4d_inputs, reference=_forward_reference,
                       outputs=("y",), rtol=1e-6, atol=1e-8,
                       mistakes={PER_POSITION: batch_norm(lambda x: (0,)),
                                 PER_IMAGE: batch_norm(lambda x: (2, 3)),
                                 PER_SAMPLE_4D: batch_norm(lambda x: (1, 2, 3)),
                                 UNBIASED: batch_norm(ddof=1), **_EPS_MISTAKES}),
    "epsilon": Case(make_inputs=_epsilon_inputs, reference=_forward_reference,
                    outputs=("y",), rtol=1e-6, atol=1e-8,
                    mistakes={**_EPS_MISTAKES, FIXED_EPS: _fixed_eps}),
}
