r"""Batch norm at test time (chapter 6): running statistics, the eval-mode transform, folding.

In training, batch norm normalizes with the statistics of the batch and keeps running
estimates of them; at test time it normalizes with those estimates, so each example's
output no longer depends on the others and a batch of one is fine:

.. math::

    y = \gamma \frac{x - \mu_{run}}{\sqrt{\sigma^2_{run} + \epsilon}} + \beta
      = s\,x + t, \qquad s = \frac{\gamma}{\sqrt{\sigma^2_{run} + \epsilon}}, \quad
      t = \beta - \mu_{run}\, s ,

a fixed affine map per channel (:func:`eval_affine`). Everything else here follows from
that map: the eval-mode forward and backward, and folding it into the layer before.

Conventions (PyTorch's, pinned by tests against ``torch.nn.BatchNorm2d``):

* ``running = (1 - momentum) * running + momentum * batch``: momentum is the weight of the
  *new* batch (Keras' ``momentum`` is one minus this); ``momentum=None`` is the cumulative
  average, every batch so far with the same weight;
* the running variance averages the *unbiased* batch variance (times ``m / (m - 1)``),
  while the training output normalizes with the biased one.

Everything is written against the Python array API, like :mod:`bnbook.functional`.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace

from bnbook._args import as_param, broadcast_shape, check_eps, check_input

Array = Any

__all__ = [
    "unbiased_variance",
    "running_average",
    "update_running_stats",
    "eval_affine",
    "batch_norm_inference",
    "batch_norm_inference_backward",
    "fold_batch_norm",
]


# --------------------------------------------------------------------------------------
# Running statistics
# --------------------------------------------------------------------------------------


def unbiased_variance(var: Array, m: int) -> Array:
    """Bessel's correction: the biased variance of ``m`` values times ``m / (m - 1)``."""
    if m < 2:
        raise ValueError(f"m: expected at least 2 values for an unbiased variance, got {m!r}.")
    return var * (m / (m - 1))


def running_average(running: Array | float, batch: Array | float, momentum: float | None,
                    num_batches: int = 1) -> Array | float:
    r"""One step of a running estimate: :math:`r \leftarrow (1 - w)\, r + w\, b`.

    Parameters
    ----------
    running, batch : arrays of one shape, or floats
    momentum : float in (0, 1], or None
        The weight ``w`` of the new value. None: the cumulative average, ``w = 1 / num_batches``.
    num_batches : int
        How many batches the estimate holds after this one (only used when momentum is None).

    Returns
    -------
    The new estimate (a new array: ``running`` is not changed).
    """
    w = 1.0 / num_batches if momentum is None else momentum
    return (1 - w) * running + w * batch


def update_running_stats(running_mean: Array, running_var: Array, batch_mean: Array, batch_var: Array,
                         momentum: float | None = 0.1, num_batches: int = 1) -> tuple[Array, Array]:
    """Batch norm's running mean and variance after one more training batch.

    Parameters
    ----------
    running_mean, running_var : array, shape (C,)
    batch_mean : array, shape (C,)
    batch_var : array, shape (C,)
        The *unbiased* variance of the batch (see :func:`unbiased_variance`).
    momentum, num_batches : see :func:`running_average`

    Returns
    -------
    (running_mean, running_var) : new arrays, shape (C,)
    """
    return (running_average(running_mean, batch_mean, momentum, num_batches),
            running_average(running_var, batch_var, momentum, num_batches))


# --------------------------------------------------------------------------------------
# The eval-mode transform
# --------------------------------------------------------------------------------------


def eval_affine(running_mean: Array, running_var: Array, gamma: Array, beta: Array,
                eps: float = 1e-5) -> tuple[Array, Array]:
    r"""Batch norm in eval mode as ``y = scale * x + shift`` per channel.

    ``scale`` :math:`= \gamma / \sqrt{\sigma^2_{run} + \epsilon}`,
    ``shift`` :math:`= \beta - \mu_{run}\,` ``scale``; all arrays of shape (C,).
    """
    check_eps(eps)
    xp = array_namespace(running_var)
    scale = gamma / xp.sqrt(running_var + eps)
    return scale, beta - running_mean * scale


def _channel_params(x: Array, func: str, **params: Array) -> tuple[Array, list[Array]]:
    """``x`` (checked) and each ``(C,)`` parameter as an array of x's library and dtype."""
    x = check_input(x, func, min_ndim=2)
    return x, [as_param(value, name, x, (x.shape[1],)) for name, value in params.items()]


def batch_norm_inference(x: Array, running_mean: Array, running_var: Array, gamma: Array, beta: Array,
                         eps: float = 1e-5) -> Array:
    r"""Batch normalization in eval mode: fixed statistics, one example at a time is fine.

    :math:`y = \gamma (x - \mu_{run}) / \sqrt{\sigma^2_{run} + \epsilon} + \beta`, computed
    as the affine map of :func:`eval_affine`. Same result as ``torch.nn.functional.batch_norm(x,
    running_mean, running_var, gamma, beta, training=False, eps=eps)``.

    Parameters
    ----------
    x : array, shape (N, C) or (N, C, *spatial); N may be 1
    running_mean, running_var, gamma, beta : array, shape (C,)

    Returns
    -------
    y : array, shape of x
    """
    x, (mean, var, gamma, beta) = _channel_params(x, "batch_norm_inference", running_mean=running_mean,
                                                  running_var=running_var, gamma=gamma, beta=beta)
    xp = array_namespace(x)
    scale, shift = eval_affine(mean, var, gamma, beta, eps)
    c = broadcast_shape(x.shape, (0, *range(2, x.ndim)))  # (1, C, 1, ...)
    return x * xp.reshape(scale, c) + xp.reshape(shift, c)


def batch_norm_inference_backward(dy: Array, x: Array, running_mean: Array, running_var: Array,
                                  gamma: Array, eps: float = 1e-5) -> tuple[Array, Array, Array]:
    r"""Gradients of :func:`batch_norm_inference`: ``(dx, dgamma, dbeta)``.

    The statistics are constants now, so nothing flows through them:

    .. math::

        \frac{\partial L}{\partial x} = s\, dy, \quad
        \frac{\partial L}{\partial \gamma} = \sum dy\, \hat x, \quad
        \frac{\partial L}{\partial \beta} = \sum dy, \qquad
        \hat x = \frac{x - \mu_{run}}{\sqrt{\sigma^2_{run} + \epsilon}},

    with the sums over the batch and spatial axes of each channel.

    Parameters
    ----------
    dy, x : array, shape (N, C) or (N, C, *spatial)
    running_mean, running_var, gamma : array, shape (C,)

    Returns
    -------
    dx : array, shape of x
    dgamma, dbeta : array, shape (C,)
    """
    x, (mean, var, gamma) = _channel_params(x, "batch_norm_inference_backward", running_mean=running_mean,
                                            running_var=running_var, gamma=gamma)
    xp = array_namespace(x)
    if tuple(dy.shape) != tuple(x.shape):
        raise ValueError(f"dy: expected the shape of x {tuple(x.shape)}, got {tuple(dy.shape)}.")
    axes = (0, *range(2, x.ndim))
    c = broadcast_shape(x.shape, axes)
    inv_std = 1.0 / xp.sqrt(var + eps)
    x_hat = (x - xp.reshape(mean, c)) * xp.reshape(inv_std, c)
    dgamma = xp.sum(dy * x_hat, axis=axes)
    dbeta = xp.sum(dy, axis=axes)
    return dy * xp.reshape(gamma * inv_std, c), dgamma, dbeta


# --------------------------------------------------------------------------------------
# Folding into the layer before
# --------------------------------------------------------------------------------------


def fold_batch_norm(weight: Array, bias: Array | None, running_mean: Array, running_var: Array,
                    gamma: Array, beta: Array, eps: float = 1e-5, channel_axis: int = -1) -> tuple[Array, Array]:
    r"""Merge an eval-mode batch norm into the linear or convolutional layer before it.

    With ``z = W x + b`` and eval-mode BN ``y = s z + t`` per output channel (:func:`eval_affine`),

    .. math::

        y = (s W)\, x + (s\, b + t),

    so the folded layer has weights ``W * s`` (each output channel scaled) and bias
    ``b * s + t``, and the deployed network pays nothing for BN (chapter 6, eq. ``ch06-fold``).

    Parameters
    ----------
    weight : array
        The layer's weights with the output channels along ``channel_axis``: -1 for a
        ``Linear`` weight of shape (in, C), 0 for a ``Conv2d`` weight (C, in, k, k).
    bias : array of shape (C,), or None for a layer without bias
    running_mean, running_var, gamma, beta : array, shape (C,)
    eps : float > 0
    channel_axis : int

    Returns
    -------
    weight_folded : array, shape of weight
    bias_folded : array, shape (C,)
    """
    xp = array_namespace(weight)
    c = weight.shape[channel_axis]
    params = dict(running_mean=running_mean, running_var=running_var, gamma=gamma, beta=beta)
    mean, var, gamma, beta = (as_param(value, name, weight, (c,), "weight") for name, value in params.items())
    scale, shift = eval_affine(mean, var, gamma, beta, eps)
    per_channel = [1] * weight.ndim
    per_channel[channel_axis] = c
    weight_folded = weight * xp.reshape(scale, tuple(per_channel))
    if bias is None:
        return weight_folded, shift
    return weight_folded, as_param(bias, "bias", weight, (c,), "weight") * scale + shift
