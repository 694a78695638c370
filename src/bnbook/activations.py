r"""Sigmoid and softmax as pure array-API functions, shared by the layers and the experiments.

* :func:`sigmoid`: :math:`\sigma(z) = 1 / (1 + e^{-z})`, with slope :math:`\sigma (1 - \sigma) \le 1/4`
  (chapter 2: why deep sigmoid nets saturate).
* :func:`log_softmax` and :func:`softmax` over the class axis of logits ``(N, K)``.

Each is written so that no exponential overflows, whatever the size of its input.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace

Array = Any

__all__ = ["sigmoid", "log_softmax", "softmax"]


def sigmoid(z: Array) -> Array:
    r"""The logistic function :math:`1 / (1 + e^{-z})`, any shape.

    Computed as :math:`\exp(-\log(1 + e^{-z}))` with ``logaddexp``, which neither overflows
    for large negative ``z`` nor loses the tiny values in that tail (a plain
    ``1 / (1 + exp(-z))`` overflows; ``(1 + tanh(z / 2)) / 2`` rounds them to 0).
    """
    xp = array_namespace(z)
    return xp.exp(-xp.logaddexp(0.0, -z))


def log_softmax(logits: Array, axis: int = -1) -> Array:
    r"""``log(softmax(logits))`` along ``axis``: :math:`z_k - \log \sum_j e^{z_j}`.

    The maximum is subtracted first, so every exponent is at most 0 and ``exp`` never overflows.
    """
    xp = array_namespace(logits)
    shifted = logits - xp.max(logits, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def softmax(logits: Array, axis: int = -1) -> Array:
    r"""Probabilities :math:`e^{z_k} / \sum_j e^{z_j}` along ``axis``; each slice sums to 1."""
    xp = array_namespace(logits)
    return xp.exp(log_softmax(logits, axis=axis))
