"""How :mod:`bnbook.functional` runs its two full-size operations fast on NumPy.

A reader of the math can skip this module: :func:`sum_over` is ``xp.sum(a * weight,
axis=axes, keepdims=True)`` and :func:`times_gamma_inv_std` is ``a * gamma * inv_std``.
Both are arranged so that NumPy does them in one pass over ``a`` without a temporary the
size of ``a`` (BLAS matrix-vector products for the sums), which is where much of the
speed of the kernels comes from (``benchmarks/kernels.py``). They are still plain
array-API code, so CuPy and ``array_api_strict`` run them unchanged.
"""

from __future__ import annotations

import math
from typing import Any

from array_api_compat import array_namespace, device

Array = Any

__all__ = ["sum_over", "times_gamma_inv_std"]


def sum_over(a: Array, axes: tuple[int, ...], weight: Array | None = None) -> Array:
    """``sum(a * weight)`` (or ``sum(a)``) over ``axes``, keepdims shape, without an ``a * weight`` temporary.

    ``weight`` has the number of dimensions of ``a`` and broadcasts against it. Two layouts
    are matrix-vector products, which BLAS does reading ``a`` once at memory speed (about
    twice as fast as ``xp.sum``) and writing nothing the size of ``a``; this is where much
    of the speed of the kernels comes from (``benchmarks/kernels.py``):

    * the summed axes end the array (batch norm's spatial axes, layer norm's features):
      they are one contiguous block in memory, reshaped into a single last axis, and each
      row is summed by ``vecdot(row, weight_row)``, or ``row @ ones`` for a plain sum;
    * the summed axes start the array and ``weight`` is constant along the others (layer
      norm's dgamma and dbeta, summed over the batch): ``a`` is a matrix
      ``(block, rest)`` and the sum is ``weight @ a`` (``ones @ a`` for a plain sum).

    Anything else, only small arrays in the kernels, is ``xp.sum(a * weight)``.
    """
    xp = array_namespace(a)
    if not axes:
        return a if weight is None else a * weight
    ndim, shape = a.ndim, tuple(a.shape)
    kept_shape = tuple(1 if ax in axes else n for ax, n in enumerate(shape))
    n_trailing = 0
    while ndim - 1 - n_trailing in axes:
        n_trailing += 1
    n_leading = 0
    while n_leading in axes:
        n_leading += 1
    split = ndim - n_trailing  # a[..., split:] is the trailing block

    if n_trailing and (weight is None or tuple(weight.shape[split:]) == shape[split:]):
        block = math.prod(shape[split:])
        a2 = xp.reshape(a, (*shape[:split], block))
        if weight is None:
            partial = a2 @ xp.ones(block, dtype=a.dtype, device=device(a))
        else:
            partial = xp.vecdot(a2, xp.reshape(weight, (*weight.shape[:split], block)), axis=-1)
        partial = xp.reshape(partial, (*partial.shape, *(1,) * n_trailing))
        rest = tuple(ax for ax in axes if ax < split)
        return xp.sum(partial, axis=rest, keepdims=True) if rest else partial

    weight_per_row = weight is None or (
        tuple(weight.shape[:n_leading]) == shape[:n_leading] and all(n == 1 for n in weight.shape[n_leading:])
    )
    if n_leading == len(axes) and weight_per_row:
        block = math.prod(shape[:n_leading])
        a2 = xp.reshape(a, (block, math.prod(shape[n_leading:])))
        if weight is None:
            w = xp.ones(block, dtype=a.dtype, device=device(a))
        else:
            w = xp.reshape(weight, (block,))
        return xp.reshape(w @ a2, kept_shape)

    return xp.sum(a if weight is None else a * weight, axis=axes, keepdims=True)


def times_gamma_inv_std(a: Array, gamma: Array, inv_std: Array) -> Array:
    """``a * gamma * inv_std`` as one new array, without a temporary of the size of ``a``.

    For batch, instance and group norm, gamma and inv_std are both constant along some
    axis, so ``gamma * inv_std`` is small and the product takes one pass over ``a``. For
    layer norm it would be as large as ``a``: multiply by each in turn, the second in place.
    """
    product_size = math.prod(max(g, s) for g, s in zip(gamma.shape, inv_std.shape))
    if product_size < math.prod(a.shape):
        return a * (gamma * inv_std)
    out = a * inv_std
    out *= gamma
    return out
