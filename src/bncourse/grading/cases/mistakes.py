"""Building blocks of the usual wrong answers (plain NumPy: they also run in a student's kernel).

A case module composes its ``mistakes`` from these: the same normalization as the course's, with one
thing changed (the axes, the variance's divisor, the place of ``eps``)."""
from __future__ import annotations

import numpy as np


def channel_shape(x: np.ndarray) -> tuple[int, ...]:
    """(1, C) or (1, C, 1, 1): a per-channel array that broadcasts against x."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def normalize(x, axes, eps, *, ddof: int = 0, eps_outside: bool = False, keepdims: bool = True):
    """(x - mean) / sqrt(var + eps) over ``axes``, with one of the usual slips switched on."""
    axes = tuple(axes)
    mu = x.mean(axis=axes, keepdims=keepdims)
    var = x.var(axis=axes, ddof=ddof, keepdims=keepdims)
    if eps_outside:
        return (x - mu) / (np.sqrt(var) + eps)
    return (x - mu) / np.sqrt(var + eps)


def batch_axes(x) -> tuple[int, ...]:
    """The course's batch-norm axes: every axis except the channel axis 1."""
    return (0,) + tuple(range(2, x.ndim))


def affine_per_channel(x_hat, gamma, beta):
    shape = channel_shape(x_hat)
    return np.reshape(gamma, shape) * x_hat + np.reshape(beta, shape)


def batch_norm(axes_of=batch_axes, **slip):
    """A ``batchnorm_forward(x, gamma, beta, eps)`` that normalizes over ``axes_of(x)`` with ``slip``."""
    def batchnorm_forward(x, gamma, beta, eps=1e-5):
        return affine_per_channel(normalize(x, axes_of(x), eps, **slip), gamma, beta)
    return batchnorm_forward
