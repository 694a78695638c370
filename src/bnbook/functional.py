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

So the module has one core, :func:`normalize_over_axes` and its backward, and four thin
named wrappers. Everything is written against the Python array API
(``xp = array_namespace(x)``): NumPy, CuPy and ``array_api_strict`` arrays go in, and the
same array type, dtype and device come out.

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

from array_api_compat import array_namespace, device

Array = Any  # any array-API array: numpy.ndarray, cupy.ndarray, array_api_strict.Array

__all__ = [
    "NormCache",
    "NormStats",
    "normalize_over_axes",
    "normalize_over_axes_backward",
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


def _sum_over(a: Array, axes: tuple[int, ...], weight: Array | None = None) -> Array:
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
    _check_eps(eps)
    m = math.prod(x.shape[a] for a in axes)
    mu = _sum_over(x, axes) / m
    x_centered = x - mu
    # Two passes: the variance of the centred values, never E[x^2] - E[x]^2.
    var = _sum_over(x_centered, axes, x_centered) / m
    inv_std = 1.0 / xp.sqrt(var + eps)
    return x_centered, NormStats(mu, var, inv_std)


def normalize_over_axes_backward(
    dx_hat: Array,
    x_hat: Array,
    inv_std: Array,
    axes: tuple[int, ...],
    mean_dx_hat: Array | None = None,
    mean_dx_hat_x_hat: Array | None = None,
) -> Array:
    r"""Backward of :func:`normalize_over_axes`.

    Every entry of a slice feeds the slice's mean and variance, so the gradient of one
    entry depends on all the others. Summing the three paths (direct, through
    :math:`\mu`, through :math:`\sigma^2`) gives the compact form

    .. math::

        \frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2+\epsilon}}
        \left( \frac{\partial L}{\partial \hat x}
        - \operatorname{mean}\frac{\partial L}{\partial \hat x}
        - \hat x \operatorname{mean}\left(\frac{\partial L}{\partial \hat x}\hat x\right) \right).

    Parameters
    ----------
    dx_hat, x_hat : array, same shape
    inv_std : array, keepdims shape of the statistics
    axes : tuple of int
    mean_dx_hat, mean_dx_hat_x_hat : array, optional
        The two means, when the caller already has them (batch norm does: they are
        ``gamma * dbeta / m`` and ``gamma * dgamma / m``), which saves two passes.

    Returns
    -------
    dx : array, shape of x_hat
    """
    m = math.prod(x_hat.shape[a] for a in axes)
    if mean_dx_hat is None:
        mean_dx_hat = _sum_over(dx_hat, axes) / m
    if mean_dx_hat_x_hat is None:
        mean_dx_hat_x_hat = _sum_over(dx_hat, axes, x_hat) / m
    dx = x_hat * mean_dx_hat_x_hat
    dx -= dx_hat  # work in one temporary: dx = -(dx_hat - x_hat * mean(...))
    dx += mean_dx_hat
    dx *= -inv_std
    return dx


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
    gamma = _as_param(gamma, "gamma", x, param_shape)
    beta = _as_param(beta, "beta", x, param_shape)
    param_view = _broadcast_shape(view_shape, param_axes)
    gamma_v, beta_v = xp.reshape(gamma, param_view), xp.reshape(beta, param_view)

    x_centered, stats = _center_and_scale(xp.reshape(x, view_shape), stat_axes, eps)
    y = _times_gamma_inv_std(x_centered, gamma_v, stats.inv_std)
    y += beta_v  # in place: y is our own new array
    cache = NormCache(kind, x_centered, stats, gamma_v, stat_axes, param_axes, tuple(x.shape), param_shape)
    return xp.reshape(y, x.shape), cache


def _affine_norm_backward(kind: str, dy: Array, cache: Any) -> tuple[Array, Array, Array]:
    r"""Backward of :func:`_affine_norm_forward`: returns ``(dx, dgamma, dbeta)``.

    With :math:`\hat x = x_c s` (:math:`x_c = x - \mu`, :math:`s = 1/\sqrt{\sigma^2+\epsilon}`)
    and means over the statistics' axes, the compact form of :func:`normalize_over_axes_backward`
    becomes

    .. math::

        dx = s \left( \gamma\, dy - \operatorname{mean}(\gamma\, dy)
             - x_c s^2 \operatorname{mean}(\gamma\, dy\, x_c) \right).

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
    if tuple(dy.shape) != cache.x_shape:
        raise ValueError(
            f"dy: expected the shape of the forward output {cache.x_shape}, got {tuple(dy.shape)}."
        )
    x_c, inv_std, gamma = cache.x_centered, cache.stats.inv_std, cache.gamma
    dy = xp.reshape(dy, x_c.shape)
    shared = tuple(a for a in cache.stat_axes if a in cache.param_axes)
    sum_dy = _sum_over(dy, shared)  # sums over the shared axes, keepdims
    sum_dy_xc = _sum_over(dy, shared, x_c)  # layer norm (nothing shared): dy * x_c, full size

    only_param = tuple(a for a in cache.param_axes if a not in shared)
    dbeta = _sum_over(sum_dy, only_param)
    dgamma = _sum_over(sum_dy_xc, only_param, inv_std)

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
        mean_g_dy = _sum_over(sum_dy, only_stat, gamma) / m
        mean_g_dy_xc = _sum_over(sum_dy_xc, only_stat, gamma) / m
        del sum_dy_xc  # layer norm: free the full-size dy * x_c before dx takes its place
        dx = x_c * (-(inv_std * inv_std * inv_std) * mean_g_dy_xc)  # coefficient: stats shape
        dx -= inv_std * mean_g_dy
        dx += _times_gamma_inv_std(dy, gamma, inv_std)  # one temporary the size of x
    return (
        xp.reshape(dx, cache.x_shape),
        xp.reshape(dgamma, cache.param_shape),
        xp.reshape(dbeta, cache.param_shape),
    )


def _times_gamma_inv_std(a: Array, gamma: Array, inv_std: Array) -> Array:
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
    x = _check_input(x, "batch_norm_forward", min_ndim=2)
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


def batch_norm_inference(
    x: Array, running_mean: Array, running_var: Array, gamma: Array, beta: Array, eps: float = 1e-5
) -> Array:
    r"""Batch normalization in eval mode: fixed statistics, one example at a time is fine.

    :math:`y = \gamma (x - \mu_{run}) / \sqrt{\sigma^2_{run} + \epsilon} + \beta`, which is
    an affine map per channel, so it can be folded into the preceding layer (chapter 6).

    Parameters
    ----------
    x : array, shape (N, C) or (N, C, *spatial); N may be 1
    running_mean, running_var, gamma, beta : array, shape (C,)

    Returns
    -------
    y : array, shape of x
    """
    x = _check_input(x, "batch_norm_inference", min_ndim=2)
    _check_eps(eps)
    xp = array_namespace(x)
    shape = (x.shape[1],)
    mean, var = (_as_param(a, n, x, shape) for a, n in ((running_mean, "running_mean"), (running_var, "running_var")))
    gamma, beta = _as_param(gamma, "gamma", x, shape), _as_param(beta, "beta", x, shape)
    scale = gamma / xp.sqrt(var + eps)
    shift = beta - mean * scale
    b = _broadcast_shape(x.shape, (0, *range(2, x.ndim)))
    return x * xp.reshape(scale, b) + xp.reshape(shift, b)


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
    x = _check_input(x, "layer_norm_forward", min_ndim=2)
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
    x = _check_input(x, "instance_norm_forward", min_ndim=3)
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
    x = _check_input(x, "group_norm_forward", min_ndim=2)
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


# --------------------------------------------------------------------------------------
# Input checks: every message names the argument, what it got and what was expected
# --------------------------------------------------------------------------------------


def _check_input(x: Array, func: str, min_ndim: int) -> Array:
    try:
        xp = array_namespace(x)
    except TypeError:
        raise ValueError(
            f"x: {func} expected an array (NumPy, CuPy or another array-API library), "
            f"got {type(x).__name__}. Wrap lists with numpy.asarray(...)."
        ) from None
    if x.ndim < min_ndim:
        layout = "(N, C, *spatial)" if min_ndim > 2 else "(N, C) or (N, C, *spatial)"
        raise ValueError(
            f"x: {func} expected at least {min_ndim} dimensions {layout}, got shape "
            f"{tuple(x.shape)}. Add the batch axis, e.g. x[None, ...] for one sample."
        )
    if not xp.isdtype(x.dtype, "real floating"):
        x = xp.astype(x, xp.float64)  # integers and booleans: compute in float64
    return x


def _check_eps(eps: float) -> None:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0 or not math.isfinite(eps):
        raise ValueError(f"eps: expected a small positive number such as 1e-5, got {eps!r}.")


def _as_param(value: Array, name: str, x: Array, expected_shape: tuple[int, ...]) -> Array:
    """Return ``value`` as an array of x's namespace and dtype, after checking its shape."""
    xp = array_namespace(x)
    try:
        same_library = array_namespace(value) is xp
    except TypeError:
        same_library = False
    if same_library:
        arr = value if value.dtype == x.dtype else xp.astype(value, x.dtype)
    else:
        try:
            arr = xp.asarray(value, dtype=x.dtype)
        except Exception as err:  # noqa: BLE001 - say what went wrong, in the caller's terms
            raise ValueError(
                f"{name}: expected an array of shape {expected_shape} in the same library as x, "
                f"got {type(value).__name__} ({err})."
            ) from None
    if tuple(arr.shape) != tuple(expected_shape):
        raise ValueError(
            f"{name}: expected shape {tuple(expected_shape)} for x of shape {tuple(x.shape)}, "
            f"got shape {tuple(arr.shape)}."
        )
    return arr


def _broadcast_shape(x_shape: tuple[int, ...], reduced_axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of a parameter that is constant along ``reduced_axes``: those become 1."""
    return tuple(1 if a in reduced_axes else s for a, s in enumerate(x_shape))
