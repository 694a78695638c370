r"""Normalizations beyond batch/layer/instance/group norm (chapter 9, "The normalization family").

Four methods that :mod:`bnbook.functional` does not cover, each small enough to read at
a glance. They are NumPy only (the book's experiments run on NumPy); the four axis-based
normalizations of :mod:`bnbook.functional` stay the array-API reference.

* :func:`rms_norm_forward` / :func:`rms_norm_backward`: RMSNorm (Zhang & Sennrich 2019),
  layer norm without the mean: :math:`y = g \odot x / \sqrt{\operatorname{mean}(x^2) + \epsilon}`.
* :func:`weight_norm` / :func:`weight_norm_backward`: weight normalization (Salimans &
  Kingma 2016), :math:`w = g\, v / \lVert v \rVert` per output unit.
* :func:`spectral_norm`: spectral normalization (Miyato et al. 2018),
  :math:`W / \sigma(W)` with :math:`\sigma(W)` estimated by power iteration.
* :func:`batch_renorm_forward` / :func:`batch_renorm_backward`: batch renormalization
  (Ioffe 2017), batch norm corrected towards the running statistics by ``r`` and ``d``.

Conventions follow PyTorch where PyTorch has the method (``torch.nn.functional.rms_norm``,
``torch._weight_norm``, ``torch.nn.utils.parametrizations.spectral_norm``); the tests pin
them in float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "RMSNormCache",
    "rms_norm_forward",
    "rms_norm_backward",
    "weight_norm",
    "weight_norm_backward",
    "power_iteration",
    "spectral_norm",
    "BatchRenormCache",
    "batch_renorm_forward",
    "batch_renorm_backward",
]


# --------------------------------------------------------------------------------------
# RMSNorm
# --------------------------------------------------------------------------------------


@dataclass
class RMSNormCache:
    """What :func:`rms_norm_backward` needs: ``x_hat = x / rms``, ``inv_rms`` (keepdims), gamma, axes."""

    x_hat: np.ndarray
    inv_rms: np.ndarray
    gamma: np.ndarray
    axes: tuple[int, ...]


def rms_norm_forward(x: np.ndarray, gamma: np.ndarray, eps: float = 1e-6) -> tuple[np.ndarray, RMSNormCache]:
    r"""RMSNorm over the trailing ``gamma.ndim`` axes of ``x``, per sample.

    .. math::

        \operatorname{rms}(x) = \sqrt{\tfrac1d \textstyle\sum_i x_i^2 + \epsilon}, \qquad
        y = \gamma \odot \frac{x}{\operatorname{rms}(x)}

    No mean is subtracted and there is no ``beta``: re-centring is dropped, re-scaling kept.
    Same as ``torch.nn.functional.rms_norm(x, gamma.shape, gamma, eps)``.

    Parameters
    ----------
    x : array, shape (..., *gamma.shape)
    gamma : array, the normalized shape, e.g. (D,) for tokens of width D
    eps : float > 0, inside the square root

    Returns
    -------
    y : array, shape of x
    cache : RMSNormCache
    """
    x = np.asarray(x)
    gamma = np.asarray(gamma)
    if eps <= 0:
        raise ValueError(f"eps: expected a positive number, got {eps!r}.")
    if gamma.ndim == 0 or x.shape[x.ndim - gamma.ndim:] != gamma.shape:
        raise ValueError(f"gamma: expected the trailing shape of x {x.shape}, got {gamma.shape}.")
    axes = tuple(range(x.ndim - gamma.ndim, x.ndim))
    mean_sq = np.mean(x * x, axis=axes, keepdims=True)
    inv_rms = 1.0 / np.sqrt(mean_sq + eps)
    x_hat = x * inv_rms
    return gamma * x_hat, RMSNormCache(x_hat, inv_rms, gamma, axes)


def rms_norm_backward(dy: np.ndarray, cache: RMSNormCache) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of :func:`rms_norm_forward`: ``(dx, dgamma)``.

    With :math:`\hat x = x / \operatorname{rms}` and :math:`g = \partial L / \partial \hat x = \gamma\, dy`,

    .. math::

        \frac{\partial L}{\partial x} = \frac{1}{\operatorname{rms}}
        \left( g - \hat x \operatorname{mean}(g \hat x) \right),

    the layer-norm formula without the ``- mean(g)`` term (there is no mean to move).
    """
    dx_hat = dy * cache.gamma
    mean_g_xhat = np.mean(dx_hat * cache.x_hat, axis=cache.axes, keepdims=True)
    dx = (dx_hat - cache.x_hat * mean_g_xhat) * cache.inv_rms
    batch_axes = tuple(range(dy.ndim - cache.gamma.ndim))
    dgamma = np.sum(dy * cache.x_hat, axis=batch_axes)
    return dx, dgamma


# --------------------------------------------------------------------------------------
# Weight normalization
# --------------------------------------------------------------------------------------


def _row_norms(v: np.ndarray) -> np.ndarray:
    """The norm of each output unit's weights: over every axis but 0, keepdims."""
    return np.sqrt(np.sum(v * v, axis=tuple(range(1, v.ndim)), keepdims=True))


def weight_norm(v: np.ndarray, g: np.ndarray) -> np.ndarray:
    r"""Weight normalization: :math:`w = g\, v / \lVert v \rVert` for each output unit.

    The direction of each row of ``v`` and its length ``g`` become separate parameters.
    Same as ``torch._weight_norm(v, g, dim=0)``.

    Parameters
    ----------
    v : array, shape (out, ...), e.g. (out, in) for a Linear or (out, in, kh, kw) for a Conv2d
    g : array, shape (out,)

    Returns
    -------
    w : array, shape of v
    """
    v = np.asarray(v)
    g = np.asarray(g)
    if g.shape != (v.shape[0],):
        raise ValueError(f"g: expected shape ({v.shape[0]},), one length per output unit, got {g.shape}.")
    return v * (g.reshape((-1,) + (1,) * (v.ndim - 1)) / _row_norms(v))


def weight_norm_backward(dw: np.ndarray, v: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of :func:`weight_norm`: ``(dv, dg)`` from ``dw``.

    .. math::

        \frac{\partial L}{\partial g} = \frac{\nabla_w L \cdot v}{\lVert v \rVert}, \qquad
        \frac{\partial L}{\partial v} = \frac{g}{\lVert v \rVert}
        \left( \nabla_w L - \frac{\partial L}{\partial g} \frac{v}{\lVert v \rVert} \right).

    The gradient of ``v`` is orthogonal to ``v``: it turns the direction, never stretches it.
    """
    norms = _row_norms(v)
    unit = v / norms
    other = tuple(range(1, v.ndim))
    dg = np.sum(dw * unit, axis=other)
    dv = (g.reshape(norms.shape) / norms) * (dw - dg.reshape(norms.shape) * unit)
    return dv, dg


# --------------------------------------------------------------------------------------
# Spectral normalization
# --------------------------------------------------------------------------------------


def _unit(a: np.ndarray, eps: float) -> np.ndarray:
    return a / max(float(np.linalg.norm(a)), eps)


def power_iteration(w: np.ndarray, v: np.ndarray, n_iter: int = 1, eps: float = 1e-12
                    ) -> tuple[float, np.ndarray, np.ndarray]:
    r"""Estimate the largest singular value of a matrix by power iteration.

    Each step does :math:`u \leftarrow W v / \lVert W v \rVert`,
    :math:`v \leftarrow W^\top u / \lVert W^\top u \rVert` (PyTorch's order); the estimate is
    :math:`\sigma = u^\top W v`. Each step multiplies ``v`` by :math:`W^\top W`, so the
    component along the top right singular vector grows fastest and takes over. Training
    keeps ``v`` between updates, so one step per update is enough once the weights change slowly.

    Parameters
    ----------
    w : array, shape (out, in)
    v : array, shape (in,), the right vector from the previous call (random at first)
    n_iter : int >= 1

    Returns
    -------
    sigma : float
    u : array (out,), v : array (in,)
    """
    if n_iter < 1:
        raise ValueError(f"n_iter: expected at least 1, got {n_iter!r}.")
    u = None
    for _ in range(n_iter):
        u = _unit(w @ v, eps)
        v = _unit(w.T @ u, eps)
    return float(u @ (w @ v)), u, v


def spectral_norm(w: np.ndarray, v: np.ndarray, n_iter: int = 1, eps: float = 1e-12
                  ) -> tuple[np.ndarray, float, np.ndarray]:
    r"""Spectral normalization: :math:`W_\text{SN} = W / \sigma(W)`, :math:`\sigma` by power iteration.

    A weight of any shape is viewed as a matrix ``(out, -1)`` (as PyTorch does for convs).
    The map :math:`x \mapsto W_\text{SN} x` then has Lipschitz constant (about) 1.
    Same as ``torch.nn.utils.parametrizations.spectral_norm`` in training mode, given the same ``v``.

    Parameters
    ----------
    w : array, shape (out, ...)
    v : array, shape (prod(w.shape[1:]),), from the previous call (random at first)
    n_iter : int >= 1

    Returns
    -------
    w_sn : array, shape of w
    sigma : float
    v : array, to pass to the next call
    """
    w = np.asarray(w)
    sigma, _, v = power_iteration(w.reshape(w.shape[0], -1), v, n_iter, eps)
    return w / sigma, sigma, v


# --------------------------------------------------------------------------------------
# Batch renormalization
# --------------------------------------------------------------------------------------


@dataclass
class BatchRenormCache:
    """What :func:`batch_renorm_backward` needs."""

    x_hat: np.ndarray  # (x - mu_B) / sigma_B, the plain batch-norm output
    inv_std: np.ndarray  # 1 / sigma_B, keepdims
    r: np.ndarray  # keepdims
    d: np.ndarray  # keepdims
    gamma: np.ndarray  # keepdims
    axes: tuple[int, ...]


def batch_renorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, running_mean: np.ndarray,
                         running_var: np.ndarray, r_max: float = 3.0, d_max: float = 5.0,
                         eps: float = 1e-5) -> tuple[np.ndarray, BatchRenormCache]:
    r"""Batch renormalization in training mode (Ioffe 2017).

    .. math::

        r = \operatorname{clip}_{[1/r_\max,\, r_\max]}\frac{\sigma_B}{\sigma}, \quad
        d = \operatorname{clip}_{[-d_\max,\, d_\max]}\frac{\mu_B - \mu}{\sigma}, \quad
        y = \gamma \left( \frac{x - \mu_B}{\sigma_B}\, r + d \right) + \beta,

    with :math:`\mu, \sigma` the running statistics (:math:`\sigma = \sqrt{\text{var} + \epsilon}`)
    and :math:`\sigma_B = \sqrt{\sigma_B^2 + \epsilon}`. ``r`` and ``d`` are treated as constants
    by the backward. When they are not clipped, the output equals the inference output
    :math:`\gamma (x - \mu)/\sigma + \beta`: training and testing see the same function.
    With ``r_max = 1, d_max = 0`` it is plain batch norm. Updating the running statistics
    is left to the caller (as for batch norm).

    Parameters
    ----------
    x : array (N, C) or (N, C, *spatial)
    gamma, beta, running_mean, running_var : array (C,)
    r_max >= 1, d_max >= 0, eps > 0

    Returns
    -------
    y : array, shape of x
    cache : BatchRenormCache (its ``r`` and ``d`` are the corrections used)
    """
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"x: expected shape (N, C) or (N, C, ...), got {x.shape}.")
    if r_max < 1 or d_max < 0:
        raise ValueError(f"expected r_max >= 1 and d_max >= 0, got r_max={r_max!r}, d_max={d_max!r}.")
    axes = (0, *range(2, x.ndim))
    shape = tuple(1 if a in axes else s for a, s in enumerate(x.shape))
    mu_b = np.mean(x, axis=axes, keepdims=True)
    var_b = np.mean((x - mu_b) ** 2, axis=axes, keepdims=True)
    sigma_b = np.sqrt(var_b + eps)
    sigma = np.sqrt(np.reshape(running_var, shape) + eps)
    r = np.clip(sigma_b / sigma, 1.0 / r_max, r_max)
    d = np.clip((mu_b - np.reshape(running_mean, shape)) / sigma, -d_max, d_max)
    x_hat = (x - mu_b) / sigma_b
    gamma_b = np.reshape(gamma, shape)
    y = gamma_b * (x_hat * r + d) + np.reshape(beta, shape)
    return y, BatchRenormCache(x_hat, 1.0 / sigma_b, r, d, gamma_b, axes)


def batch_renorm_backward(dy: np.ndarray, cache: BatchRenormCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of :func:`batch_renorm_forward`: ``(dx, dgamma, dbeta)``, with ``r, d`` held fixed.

    The batch statistics still carry gradient, so ``dx`` is the batch-norm backward with
    :math:`\partial L/\partial \hat x = \gamma\, r\, dy`.
    """
    axes = cache.axes
    dbeta = np.sum(dy, axis=axes)
    dgamma = np.sum(dy * (cache.x_hat * cache.r + cache.d), axis=axes)
    g = dy * cache.gamma * cache.r
    mean_g = np.mean(g, axis=axes, keepdims=True)
    mean_g_xhat = np.mean(g * cache.x_hat, axis=axes, keepdims=True)
    dx = (g - mean_g - cache.x_hat * mean_g_xhat) * cache.inv_std
    return dx, dgamma, dbeta
