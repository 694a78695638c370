r"""The normalizations as pure functions: forward and analytic backward.

Batch, layer, instance and group normalization are one operation,

.. math::

    \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta,

where the mean :math:`\mu` and the biased variance :math:`\sigma^2` are taken over a
different set of axes for each method (chapter 9 of the book draws the four cubes):

==============  ======================================  =====================
method          statistics over                         gamma / beta shape
==============  ======================================  =====================
batch norm      batch and spatial axes, per channel     ``(C,)``
layer norm      all non-batch axes, per sample          ``x.shape[1:]``
instance norm   spatial axes, per sample and channel    ``(C,)``
group norm      a group of channels and spatial axes    ``(C,)``
==============  ======================================  =====================

So the four public pairs (``batch_norm_forward`` / ``batch_norm_backward``, ...) are thin
named wrappers around one forward and one backward, :func:`_affine_norm_forward` and
:func:`_affine_norm_backward`, which normalize a view of ``x`` over a set of axes and
apply gamma and beta. Group norm's view is ``(N, G, C // G, *spatial)``, in which each
group is one slice; the others use ``x`` itself. :func:`normalize_over_axes` is the bare
standardization, without gamma and beta (chapter 1 standardizes features with it).
Batch norm at test time (running statistics, eval mode, folding) is in
:mod:`bnbook.inference`; ``batch_norm_inference`` is re-exported here.

Everything is written against the Python array API (``xp = array_namespace(x)``): NumPy,
CuPy and ``array_api_strict`` arrays go in, and the same array type, dtype and device
come out. gamma and beta may be Python lists, but an array of another library than x is
refused with a ``ValueError`` (no silent copy between host and GPU). The two operations
that touch every value, the sums and the scaling by ``gamma * inv_std``, are arranged for
speed in :mod:`bnbook._kernels`; read them as ``xp.sum(a * w)`` and ``a * gamma * inv_std``.

Conventions (each one pinned by a test against PyTorch in float64):

* the batch statistics use the *biased* variance (divide by ``m``, not ``m - 1``);
* ``eps`` sits inside the square root;
* the variance is computed in two passes, ``mean((x - mu)**2)``, never
  ``E[x**2] - E[x]**2``, which loses every digit in float32 when the mean is large.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from array_api_compat import array_namespace

from bnbook._args import as_param, broadcast_shape, check_eps, check_input
from bnbook._kernels import sum_over, times_gamma_inv_std
from bnbook.arrays import library_name, same_library
from bnbook.inference import batch_norm_inference

Array = Any  # any array-API array: numpy.ndarray, cupy.ndarray, array_api_strict.Array

__all__ = [
    "NormCache",
    "NormStats",
    "normalize_over_axes",
    "batch_norm_forward",
    "batch_norm_backward",
    "batch_norm_inference",
    "layer_norm_forward",
    "layer_norm_backward",
    "instance_norm_forward",
    "instance_norm_backward",
    "group_norm_forward",
    "group_norm_backward",
]


class NormStats(NamedTuple):
    """The statistics of one normalization, each with the keepdims shape of the reduction."""

    mean: Array
    var: Array  # biased: divided by the number of values m
    inv_std: Array  # 1 / sqrt(var + eps)


@dataclass(frozen=True)
class NormCache:
    """What a forward pass keeps for its backward pass.

    Every normalization works on a *view* of ``x``: ``x`` itself, or for group norm the
    ``(N, G, C // G, *spatial)`` reshape in which each group is one slice. All axes below
    are axes of that view.

    Attributes
    ----------
    kind : str
        The forward function that made it (``"batch_norm"``, ``"layer_norm"``, ...);
        a backward function refuses a cache of another kind.
    x_centered : array, view shape
        ``x - mean``; the normalized input is ``x_centered * stats.inv_std`` (see ``x_hat``).
    stats : NormStats
        Mean, biased variance and ``1 / sqrt(var + eps)``, keepdims shape in the view.
    gamma : array
        The scale, reshaped to broadcast against the view.
    stat_axes : tuple of int
        The axes the statistics are taken over.
    param_axes : tuple of int
        The axes that ``dgamma`` and ``dbeta`` are summed over (gamma is constant along them).
    x_shape, param_shape : tuple of int
        The shapes of ``x`` and of gamma/beta as the caller passed them.
    """

    kind: str
    x_centered: Array
    stats: NormStats
    gamma: Array
    stat_axes: tuple[int, ...]
    param_axes: tuple[int, ...]
    x_shape: tuple[int, ...]
    param_shape: tuple[int, ...]

    @property
    def x_hat(self) -> Array:
        """The normalized input, shape of x (computed on demand: the kernels never need it whole)."""
        xp = array_namespace(self.x_centered)
        return xp.reshape(self.x_centered * self.stats.inv_std, self.x_shape)


# --------------------------------------------------------------------------------------
# The core: normalize over a set of axes
# --------------------------------------------------------------------------------------


def normalize_over_axes(x: Array, axes: tuple[int, ...], eps: float = 1e-5) -> tuple[Array, NormStats]:
    r"""Standardize ``x`` over ``axes``: :math:`\hat x = (x - \mu) / \sqrt{\sigma^2 + \epsilon}`.

    Parameters
    ----------
    x : array, any shape
    axes : tuple of int
        The axes the mean and the biased variance are taken over.
    eps : float
        Added to the variance inside the square root, so a constant slice gives 0, not NaN.

    Returns
    -------
    x_hat : array, shape of x
    stats : NormStats
        ``mean``, biased ``var`` and ``inv_std = 1 / sqrt(var + eps)``, each of the shape
        of x with ``axes`` kept as size 1.
    """
    x_centered, stats = _center_and_scale(x, axes, eps)
    x_centered *= stats.inv_std  # x_centered is our own temporary: reuse it as x_hat
    return x_centered, stats


def _center_and_scale(x: Array, axes: tuple[int, ...], eps: float) -> tuple[Array, NormStats]:
    """``x - mean`` and the statistics over ``axes``: the first half of :func:`normalize_over_axes`."""
    xp = array_namespace(x)
    check_eps(eps)
    m = math.prod(x.shape[a] for a in axes)
    mu = sum_over(x, axes) / m
    x_centered = x - mu
    # Two passes: the variance of the centred values, never E[x^2] - E[x]^2.
    var = sum_over(x_centered, axes, x_centered) / m
    inv_std = 1.0 / xp.sqrt(var + eps)
    return x_centered, NormStats(mu, var, inv_std)


# --------------------------------------------------------------------------------------
# Shared forward and backward with an affine transform
# --------------------------------------------------------------------------------------


def _affine_norm_forward(
    kind: str,
    x: Array,
    gamma: Array,
    beta: Array,
    eps: float,
    view_shape: tuple[int, ...],
    stat_axes: tuple[int, ...],
    param_axes: tuple[int, ...],
    param_shape: tuple[int, ...],
) -> tuple[Array, NormCache]:
    """Normalize the view of ``x`` over ``stat_axes``, then scale and shift.

    ``y = x_centered * (gamma * inv_std) + beta``: x_hat is never materialized. Writing a
    new array the size of x costs about twice an in-place update of one (``benchmarks/
    kernels.py``), so ``y`` is the only new array and the shift is added in place.
    """
    xp = array_namespace(x)
    gamma = as_param(gamma, "gamma", x, param_shape)
    beta = as_param(beta, "beta", x, param_shape)
    param_view = broadcast_shape(view_shape, param_axes)
    gamma_v, beta_v = xp.reshape(gamma, param_view), xp.reshape(beta, param_view)

    x_centered, stats = _center_and_scale(xp.reshape(x, view_shape), stat_axes, eps)
    y = times_gamma_inv_std(x_centered, gamma_v, stats.inv_std)
    y += beta_v  # in place: y is our own new array
    cache = NormCache(kind, x_centered, stats, gamma_v, stat_axes, param_axes, tuple(x.shape), param_shape)
    return xp.reshape(y, x.shape), cache


def _affine_norm_backward(kind: str, dy: Array, cache: Any) -> tuple[Array, Array, Array]:
    r"""Backward of :func:`_affine_norm_forward`: returns ``(dx, dgamma, dbeta)``.

    Every entry of a slice feeds the slice's mean and variance, so the gradient of one
    entry depends on all the others. Summing the three paths (direct, through
    :math:`\mu`, through :math:`\sigma^2`) gives the compact form, with means over the
    statistics' axes and :math:`g = \gamma\, dy = \partial L / \partial \hat x`,

    .. math::

        \frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2+\epsilon}}
        \left( g - \operatorname{mean}(g) - \hat x \operatorname{mean}(g\, \hat x) \right),
        \quad
        \frac{\partial L}{\partial \gamma} = \sum dy\, \hat x, \quad
        \frac{\partial L}{\partial \beta} = \sum dy,

    with gamma's sums over the axes along which gamma is constant. The code works with
    :math:`x_c = x - \mu` and :math:`s = 1/\sqrt{\sigma^2+\epsilon}` (so :math:`\hat x = x_c s`,
    never stored): :math:`dx = s\,(g - \operatorname{mean}(g) - x_c s^2 \operatorname{mean}(g\, x_c))`.

    Along the axes where both gamma and the statistics are constant (all of them for
    batch norm, the spatial ones for instance and group norm), ``dy`` and ``dy * x_c`` are
    summed first; those two partial sums give dbeta, dgamma and both means at once.
    """
    if not isinstance(cache, NormCache) or cache.kind != kind:
        got = cache.kind if isinstance(cache, NormCache) else type(cache).__name__
        raise ValueError(
            f"cache: {kind}_backward needs the cache that {kind}_forward returned, "
            f"got a cache from {got!r}. Pass the second value returned by {kind}_forward."
        )
    xp = array_namespace(dy)
    if not same_library(dy, cache.x_centered):
        raise ValueError(
            f"dy: a {library_name(dy)} array, but the forward pass ran on {library_name(cache.x_centered)} "
            f"arrays. Pass dy in the library of x."
        )
    if tuple(dy.shape) != cache.x_shape:
        raise ValueError(
            f"dy: expected the shape of the forward output {cache.x_shape}, got {tuple(dy.shape)}."
        )
    x_c, inv_std, gamma = cache.x_centered, cache.stats.inv_std, cache.gamma
    dy = xp.reshape(dy, x_c.shape)
    shared = tuple(a for a in cache.stat_axes if a in cache.param_axes)
    sum_dy = sum_over(dy, shared)  # sums over the shared axes, keepdims
    sum_dy_xc = sum_over(dy, shared, x_c)  # layer norm (nothing shared): dy * x_c, full size

    only_param = tuple(a for a in cache.param_axes if a not in shared)
    dbeta = sum_over(sum_dy, only_param)
    dgamma = sum_over(sum_dy_xc, only_param, inv_std)

    only_stat = tuple(a for a in cache.stat_axes if a not in shared)
    m = math.prod(x_c.shape[a] for a in cache.stat_axes)
    # Every step below touches an array the size of x; a new one costs about twice an
    # in-place update, so dx is made once and then updated in place.
    if not only_stat:
        # Batch and instance norm: gamma is constant over each slice of the statistics, so
        # it leaves the means, dx = gamma s (dy - mean(dy) - x_c s^2 mean(dy x_c)).
        mean_dy = sum_dy / m
        mean_dy_xc = sum_dy_xc / m
        dx = x_c * (inv_std * inv_std * mean_dy_xc)
        dx += mean_dy
        dx -= dy
        dx *= -(gamma * inv_std)
    else:
        # Layer and group norm: gamma changes within a slice and stays inside the means.
        mean_g_dy = sum_over(sum_dy, only_stat, gamma) / m
        mean_g_dy_xc = sum_over(sum_dy_xc, only_stat, gamma) / m
        del sum_dy_xc  # layer norm: free the full-size dy * x_c before dx takes its place
        dx = x_c * (-(inv_std * inv_std * inv_std) * mean_g_dy_xc)  # coefficient: stats shape
        dx -= inv_std * mean_g_dy
        dx += times_gamma_inv_std(dy, gamma, inv_std)  # one temporary the size of x
    return (
        xp.reshape(dx, cache.x_shape),
        xp.reshape(dgamma, cache.param_shape),
        xp.reshape(dbeta, cache.param_shape),
    )


# --------------------------------------------------------------------------------------
# Batch norm
# --------------------------------------------------------------------------------------


def batch_norm_forward(x: Array, gamma: Array, beta: Array, eps: float = 1e-5) -> tuple[Array, NormCache]:
    r"""Batch normalization in training mode, with the statistics of this batch.

    For each channel :math:`c`, over the :math:`m = N \cdot \prod \text{spatial}` values
    that share it:

    .. math::

        \mu_c = \frac1m \sum x, \quad
        \sigma_c^2 = \frac1m \sum (x - \mu_c)^2, \quad
        y = \gamma_c \frac{x - \mu_c}{\sqrt{\sigma_c^2 + \epsilon}} + \beta_c .

    Same result as ``torch.nn.functional.batch_norm(x, None, None, gamma, beta,
    training=True, eps=eps)``.

    Parameters
    ----------
    x : array, shape (N, C) or (N, C, *spatial)
    gamma, beta : array, shape (C,)
    eps : float > 0

    Returns
    -------
    y : array, shape of x
    cache : NormCache
        For :func:`batch_norm_backward`.

    Raises
    ------
    ValueError
        ``x`` with fewer than 2 dimensions, only one value per channel (no variance to
        estimate), ``gamma``/``beta`` not of shape ``(C,)``, or ``eps <= 0``.
    """
    x = check_input(x, "batch_norm_forward", min_ndim=2)
    axes = (0, *range(2, x.ndim))
    m = math.prod(x.shape[a] for a in axes)
    if m < 2:
        raise ValueError(
            f"x: expected more than 1 value per channel when training, got input of shape "
            f"{tuple(x.shape)} ({m} value per channel). Use a batch of at least 2, drop the "
            f"last incomplete batch, or switch the layer to eval() for single examples."
        )
    return _affine_norm_forward("batch_norm", x, gamma, beta, eps, tuple(x.shape), axes, axes, (x.shape[1],))


def batch_norm_backward(dy: Array, cache: NormCache) -> tuple[Array, Array, Array]:
    r"""Gradients of :func:`batch_norm_forward`.

    .. math::

        \frac{\partial L}{\partial \beta} = \sum dy, \quad
        \frac{\partial L}{\partial \gamma} = \sum dy\, \hat x, \quad
        \frac{\partial L}{\partial x} = \frac{\gamma}{m\sqrt{\sigma^2+\epsilon}}
        \left( m\, dy - \sum dy - \hat x \sum dy\, \hat x \right)

    with the sums over the batch and spatial axes of each channel.

    Parameters
    ----------
    dy : array, shape of x
    cache : NormCache from :func:`batch_norm_forward`

    Returns
    -------
    dx : array, shape of x
    dgamma, dbeta : array, shape (C,)
    """
    return _affine_norm_backward("batch_norm", dy, cache)


# --------------------------------------------------------------------------------------
# Layer, instance and group norm
# --------------------------------------------------------------------------------------


def layer_norm_forward(x: Array, gamma: Array, beta: Array, eps: float = 1e-5) -> tuple[Array, NormCache]:
    r"""Layer normalization: each sample is standardized over all its non-batch axes.

    Same result as ``torch.nn.LayerNorm(x.shape[1:], eps=eps)`` with weight ``gamma`` and
    bias ``beta``. It does not depend on the other samples in the batch, so it behaves
    the same in training and at test time, and works for a batch of one.

    Parameters
    ----------
    x : array, shape (N, *features)
    gamma, beta : array, shape ``x.shape[1:]`` (one per element of a sample)
    eps : float > 0

    Returns
    -------
    y : array, shape of x
    cache : NormCache for :func:`layer_norm_backward`
    """
    x = check_input(x, "layer_norm_forward", min_ndim=2)
    axes = tuple(range(1, x.ndim))
    return _affine_norm_forward("layer_norm", x, gamma, beta, eps, tuple(x.shape), axes, (0,), tuple(x.shape[1:]))


def layer_norm_backward(dy: Array, cache: NormCache) -> tuple[Array, Array, Array]:
    """Gradients of :func:`layer_norm_forward`: ``(dx, dgamma, dbeta)``, dgamma of shape ``x.shape[1:]``."""
    return _affine_norm_backward("layer_norm", dy, cache)


def instance_norm_forward(x: Array, gamma: Array, beta: Array, eps: float = 1e-5) -> tuple[Array, NormCache]:
    r"""Instance normalization: each (sample, channel) map is standardized over its spatial axes.

    Same result as ``torch.nn.functional.instance_norm(x, weight=gamma, bias=beta, eps=eps)``.

    Parameters
    ----------
    x : array, shape (N, C, *spatial) with at least one spatial axis
    gamma, beta : array, shape (C,)
    eps : float > 0

    Returns
    -------
    y : array, shape of x
    cache : NormCache for :func:`instance_norm_backward`
    """
    x = check_input(x, "instance_norm_forward", min_ndim=3)
    axes = tuple(range(2, x.ndim))
    m = math.prod(x.shape[a] for a in axes)
    if m < 2:
        raise ValueError(
            f"x: expected more than 1 spatial element per channel, got input of shape "
            f"{tuple(x.shape)}. Instance norm standardizes each feature map over its own "
            f"positions, so each map needs at least 2."
        )
    param_axes = (0, *axes)
    return _affine_norm_forward(
        "instance_norm", x, gamma, beta, eps, tuple(x.shape), axes, param_axes, (x.shape[1],)
    )


def instance_norm_backward(dy: Array, cache: NormCache) -> tuple[Array, Array, Array]:
    """Gradients of :func:`instance_norm_forward`: ``(dx, dgamma, dbeta)``, dgamma of shape ``(C,)``."""
    return _affine_norm_backward("instance_norm", dy, cache)


def group_norm_forward(
    x: Array, num_groups: int, gamma: Array, beta: Array, eps: float = 1e-5
) -> tuple[Array, NormCache]:
    r"""Group normalization: channels are split into groups, each standardized per sample.

    ``num_groups == 1`` is layer norm with a per-channel affine; ``num_groups == C`` is
    instance norm. Same result as ``torch.nn.functional.group_norm(x, num_groups, gamma,
    beta, eps)``.

    Parameters
    ----------
    x : array, shape (N, C) or (N, C, *spatial)
    num_groups : int, divides C
    gamma, beta : array, shape (C,)
    eps : float > 0

    Returns
    -------
    y : array, shape of x
    cache : NormCache for :func:`group_norm_backward`
    """
    x = check_input(x, "group_norm_forward", min_ndim=2)
    n, c = x.shape[0], x.shape[1]
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups < 1 or c % num_groups:
        raise ValueError(
            f"num_groups: expected a positive integer that divides the {c} channels of x "
            f"(shape {tuple(x.shape)}), got {num_groups!r}."
        )
    grouped_shape = (n, num_groups, c // num_groups, *x.shape[2:])  # each group is one slice
    stat_axes = tuple(range(2, len(grouped_shape)))
    param_axes = (0, *range(3, len(grouped_shape)))  # gamma lives on the (G, C // G) axes
    return _affine_norm_forward("group_norm", x, gamma, beta, eps, grouped_shape, stat_axes, param_axes, (c,))


def group_norm_backward(dy: Array, cache: NormCache) -> tuple[Array, Array, Array]:
    """Gradients of :func:`group_norm_forward`: ``(dx, dgamma, dbeta)``, dgamma of shape ``(C,)``."""
    return _affine_norm_backward("group_norm", dy, cache)
