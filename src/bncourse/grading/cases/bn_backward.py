"""Hidden checks of the ``bn-backward`` assignment (reference: ``bnbook.functional``).

Every upstream gradient ``dy`` is random with a non-zero mean per channel, never all ones: with
``dy = 1`` the true ``dx`` is exactly zero and a backward that forgets terms would pass.
"""
from __future__ import annotations

import numpy as np

from . import Case
from .mistakes import batch_axes, channel_shape


def _bshape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """(1, C) or (1, C, 1, 1): a per-channel array that broadcasts against x."""
    return (1, shape[1]) + (1,) * (len(shape) - 2)


def _x(rng: np.random.Generator, shape: tuple[int, ...], eps: float | None = None) -> np.ndarray:
    """Channels on very different scales and offsets. With ``eps``: one channel whose variance is
    about ``eps`` (where the place of eps in the formulas matters) and sometimes a constant one."""
    c = shape[1]
    scale = 10.0 ** rng.uniform(-1.5, 1.5, size=c)
    shift = rng.uniform(-20, 20, size=c)
    if eps is not None:
        small = int(rng.integers(c))
        scale[small] = np.sqrt(eps) * 10.0 ** rng.uniform(-0.5, 0.5)
        if c > 1 and rng.random() < 0.3:
            scale[(small + 1) % c] = 0.0  # a constant channel: variance exactly 0
    return rng.normal(size=shape) * scale.reshape(_bshape(shape)) + shift.reshape(_bshape(shape))


def _dy(rng: np.random.Generator, shape: tuple[int, ...], scale_range: tuple[float, float] = (-1, 1)) -> np.ndarray:
    """A random upstream gradient with a different scale and a non-zero mean in every channel."""
    c = shape[1]
    scale = 10.0 ** rng.uniform(*scale_range, size=c)
    offset = rng.normal(0.0, 1.0, size=c)
    return (rng.normal(size=shape) + offset.reshape(_bshape(shape))) * scale.reshape(_bshape(shape))


def _gamma(rng: np.random.Generator, c: int) -> np.ndarray:
    return rng.normal(1.0, 0.7, size=c)  # some negative, none all ones


def _eps(rng: np.random.Generator) -> float:
    return float(10.0 ** rng.uniform(-5, -1))


def _shape_2d(rng: np.random.Generator) -> tuple[int, int]:
    return int(rng.integers(3, 33)), int(rng.integers(1, 9))


def _shape_4d(rng: np.random.Generator) -> tuple[int, int, int, int]:
    return (int(rng.integers(1, 6)), int(rng.integers(1, 6)), int(rng.integers(2, 6)), int(rng.integers(2, 6)))


def _bn_reference(dy, x, gamma, eps):
    from bnbook.functional import batch_norm_backward, batch_norm_forward

    _, cache = batch_norm_forward(x, gamma, np.zeros_like(gamma), eps=eps)
    return batch_norm_backward(dy, cache)  # (dx, dgamma, dbeta)


# Part 1: batchnorm_param_grads(dy, x_hat) -> (dgamma, dbeta) for (N, D) inputs.
# x (from which x_hat was made) travels along so the reference can run bnbook's forward on it.
def _param_inputs(rng):
    shape = _shape_2d(rng)
    x = _x(rng, shape)
    mu = x.mean(axis=0)
    x_hat = (x - mu) / np.sqrt(((x - mu) ** 2).mean(axis=0) + 1e-5)
    return _dy(rng, shape), x_hat, x


def _param_call(fn, dy, x_hat, x):
    return fn(dy, x_hat)


def _param_reference(dy, x_hat, x):
    _, dgamma, dbeta = _bn_reference(dy, x, np.ones(x.shape[1]), 1e-5)
    return dgamma, dbeta


# Parts 2 and 4: batchnorm_backward[_compact](dy, x, gamma, eps) -> (dx, dgamma, dbeta).
def _backward_2d_inputs(rng):
    shape = _shape_2d(rng)
    eps = _eps(rng)
    return _dy(rng, shape), _x(rng, shape, eps), _gamma(rng, shape[1]), eps


def _backward_4d_inputs(rng):
    shape = _shape_4d(rng)
    eps = _eps(rng)
    return _dy(rng, shape), _x(rng, shape, eps), _gamma(rng, shape[1]), eps


def _backward_call(fn, dy, x, gamma, eps):
    return fn(dy, x, gamma, eps=eps)


# Part 3: numerical_gradient(f, x, h) on f(x) = sum(dy * batch_norm(x)), whose gradient is dx.
# f is built here, in the student's kernel, from the arrays (functions do not cross the wire).
def _bn_forward_numpy(x, gamma, beta, eps):
    """Plain NumPy forward, per channel over every axis except 1 (not bnbook: this runs in the kernel)."""
    axes = (0,) + tuple(range(2, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    return gamma.reshape(_bshape(x.shape)) * (x - mu) / np.sqrt(var + eps) + beta.reshape(_bshape(x.shape))


def _numgrad_inputs(rng):
    """(N, D) or (N, C, H, W) with at least 4 values per channel, each channel with a standard deviation
    between 0.5 and 2 and a random dy of order 1..3: there, with h = 1e-5, centred differences agree with
    the analytic dx to a few 1e-9 while one-sided differences are off by ~1e-6 (tolerance in CASES)."""
    while True:
        if rng.random() < 0.5:
            shape = (int(rng.integers(4, 11)), int(rng.integers(1, 6)))
        else:
            shape = tuple(int(rng.integers(lo, 4)) for lo in (1, 1, 2, 2))
        if np.prod(shape) // shape[1] >= 4:
            break
    axes = (0,) + tuple(range(2, len(shape)))
    z = rng.normal(size=shape)
    z = (z - z.mean(axis=axes, keepdims=True)) / z.std(axis=axes, keepdims=True)  # no tiny variance by chance
    scale = 10.0 ** rng.uniform(-0.3, 0.3, size=shape[1])
    x = z * scale.reshape(_bshape(shape)) + rng.uniform(-3, 3, size=shape[1]).reshape(_bshape(shape))
    return x, _dy(rng, shape, (0.0, 0.5)), _gamma(rng, shape[1]), rng.normal(size=shape[1]), 1e-5


def _numgrad_call(fn, x, dy, gamma, beta, eps):
    def f(z):
        return float(np.sum(dy * _bn_forward_numpy(z, gamma, beta, eps)))

    x_work = x.copy()
    grad = fn(f, x_work, h=1e-5)
    moved = float(np.max(np.abs(x_work - x)))
    if moved > 1e-9:
        raise AssertionError(f"numerical_gradient changed x (by up to {moved:.2g}): "
                             "put every entry back after you perturb it")
    return (grad,)


def _numgrad_reference(x, dy, gamma, beta, eps):
    dx, _, _ = _bn_reference(dy, x, gamma, eps)
    return (dx,)


# The usual mistakes, in the student's signatures.
EPS_OUTSIDE = "eps is added outside the square root (std + eps) instead of inside sqrt(var + eps)"
SWAPPED = "dgamma and dbeta are swapped: dbeta = sum(dy), dgamma = sum(dy * x_hat)"
MEAN_NOT_SUM = "dgamma and dbeta average over the batch (mean) instead of summing"
DIRECT_ONLY = ("dx keeps only the direct path gamma * dy / sqrt(var + eps) and forgets the paths "
               "through the mean and the variance")
NO_MEAN_PATH = "dx forgets the path through the mean (the - sum(dy) / m term)"
NO_VAR_PATH = "dx forgets the path through the variance (the - x_hat * sum(dy * x_hat) / m term)"


def _backward(axes_of=batch_axes, m_of=None, eps_outside=False, mean_not_sum=False,
              mean_path=True, var_path=True):
    """dx, dgamma, dbeta from the compact formula, with one of the usual slips switched on."""
    def batchnorm_backward(dy, x, gamma, eps=1e-5):
        axes = axes_of(x)
        m = x.size // x.shape[1] if m_of is None else m_of(x)
        mu = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)
        inv_std = 1.0 / (np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps))
        x_hat = (x - mu) * inv_std
        dbeta = dy.sum(axis=axes, keepdims=True)
        dgamma = (dy * x_hat).sum(axis=axes, keepdims=True)
        inner = m * dy - (dbeta if mean_path else 0.0) - (x_hat * dgamma if var_path else 0.0)
        dx = np.reshape(gamma, channel_shape(x)) * inv_std / m * inner
        per = 1.0 / m if mean_not_sum else 1.0
        return dx, (dgamma * per).reshape(-1), (dbeta * per).reshape(-1)
    return batchnorm_backward


def _backward_mistakes():
    return {DIRECT_ONLY: _backward(mean_path=False, var_path=False), NO_MEAN_PATH: _backward(mean_path=False),
            NO_VAR_PATH: _backward(var_path=False), EPS_OUTSIDE: _backward(eps_outside=True),
            MEAN_NOT_SUM: _backward(mean_not_sum=True)}


def _numgrad(centred=True, divide_by_h=False):
    def numerical_gradient(f, x, h=1e-5):
        grad = np.zeros_like(x, dtype=float)
        for k in np.ndindex(x.shape):
            old = x[k]
            x[k] = old + h
            f_plus = f(x)
            x[k] = old - h if centred else old
            f_minus = f(x)
            x[k] = old
            grad[k] = (f_plus - f_minus) / (h if divide_by_h or not centred else 2 * h)
        return grad
    return numerical_gradient


_BACKWARD = dict(call=_backward_call, reference=_bn_reference, outputs=("dx", "dgamma", "dbeta"),
                 rtol=1e-6, atol=1e-8, draws=5, mistakes=_backward_mistakes())

CASES = {
    "param_grads": Case(make_inputs=_param_inputs, reference=_param_reference, call=_param_call,
                        outputs=("dgamma", "dbeta"), rtol=1e-7, atol=1e-9,
                        mistakes={SWAPPED: lambda dy, x_hat: (dy.sum(axis=0), (dy * x_hat).sum(axis=0)),
                                  MEAN_NOT_SUM: lambda dy, x_hat: ((dy * x_hat).mean(axis=0), dy.mean(axis=0)),
                                  "the sums run over the features (axis=1) instead of the batch (axis=0)":
                                      lambda dy, x_hat: ((dy * x_hat).sum(axis=1), dy.sum(axis=1))}),
    "backward_2d": Case(make_inputs=_backward_2d_inputs, **_BACKWARD),
    "numerical_gradient": Case(make_inputs=_numgrad_inputs, reference=_numgrad_reference, call=_numgrad_call,
                               outputs=("gradient",), rtol=1e-6, atol=3e-8, draws=5,
                               mistakes={"one-sided differences (f(x + h) - f(x)) / h instead of centred ones "
                                         "(f(x + h) - f(x - h)) / (2 h)": _numgrad(centred=False),
                                         "the centred difference is divided by h instead of 2 h":
                                             _numgrad(divide_by_h=True)}),
    "compact_2d": Case(make_inputs=_backward_2d_inputs, **_BACKWARD),
    "compact_4d": Case(make_inputs=_backward_4d_inputs,
                       **{**_BACKWARD, "mistakes": {
                           "the statistics are taken per channel and position (over axis 0 only) instead of "
                           "per channel over axes (0, 2, 3)":
                               _backward(axes_of=lambda x: (0,), m_of=lambda x: x.shape[0]),
                           "m counts the batch only (N) instead of every value of a channel (N * H * W)":
                               _backward(m_of=lambda x: x.shape[0]),
                           **_backward_mistakes()}}),
}
