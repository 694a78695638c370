r"""Backpropagation through batch normalization, node by node (chapter 5, ``05_backprop``).

:func:`bnbook.functional.batch_norm_backward` computes the gradient in its compact form.
This module unrolls the same computation into the elementary nodes of the graph

.. math::

    x \to \mu \to x_c = x - \mu \to \sigma^2 \to s = (\sigma^2 + \epsilon)^{-1/2}
    \to \hat x = x_c\, s \to y = \gamma \hat x + \beta

so the chapter (and its widget) can show each node's value and gradient, the three paths
by which the gradient reaches ``x``, a finite-difference check, and why the gradient does
not care about the scale of the weights that feed BN. Everything is NumPy, float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnbook import functional as F
from bnbook import layers as L
from bnbook.gradcheck import numerical_gradient, relative_error  # noqa: F401 - the chapter uses them as B.*

__all__ = [
    "NODES",
    "GraphPass",
    "staged_backward",
    "dx_paths",
    "normalization_jacobian",
    "numerical_gradient",
    "relative_error",
    "ScaleSweep",
    "weight_scale_sweep",
]

#: The nodes of the graph, in forward order. ``xc`` is x - mu, ``inv_std`` is s.
NODES = ("x", "mu", "xc", "var", "inv_std", "x_hat", "gamma", "beta", "y")


@dataclass(frozen=True)
class GraphPass:
    """Forward values and gradients ``dL/d(node)`` of every node in :data:`NODES`.

    Per-example nodes (``x, xc, x_hat, y``) have shape (N, C); per-channel nodes
    (``mu, var, inv_std, gamma, beta``) have shape (C,).
    """

    values: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]


def staged_backward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, dy: np.ndarray,
                    eps: float = 1e-5) -> GraphPass:
    r"""BN forward and backward through the elementary nodes, one chain-rule step at a time.

    Parameters
    ----------
    x, dy : array, shape (N, C)
        The batch and the upstream gradient :math:`\partial L / \partial y`.
    gamma, beta : array, shape (C,)
    eps : float

    Returns
    -------
    GraphPass
        ``grads["x"]`` equals ``batch_norm_backward``'s ``dx`` (tested).
    """
    m = x.shape[0]
    # forward, one node per line, shapes in comments
    mu = x.mean(axis=0)  # (C,)
    xc = x - mu  # (N, C)
    var = (xc**2).mean(axis=0)  # (C,) biased
    inv_std = 1.0 / np.sqrt(var + eps)  # (C,)
    x_hat = xc * inv_std  # (N, C)
    y = gamma * x_hat + beta  # (N, C)
    # backward, in reverse order
    dbeta = dy.sum(axis=0)  # beta is added to every example
    dgamma = (dy * x_hat).sum(axis=0)
    dx_hat = dy * gamma
    dinv_std = (dx_hat * xc).sum(axis=0)  # s multiplies every example of the channel
    dvar = dinv_std * (-0.5) * (var + eps) ** -1.5
    dxc = dx_hat * inv_std + dvar * 2.0 * xc / m  # two uses of xc: in x_hat and in var
    dmu = -dxc.sum(axis=0)  # mu is subtracted from every example
    dx = dxc + dmu / m  # x feeds xc directly and mu through the mean
    values = dict(x=x, mu=mu, xc=xc, var=var, inv_std=inv_std, x_hat=x_hat, gamma=gamma, beta=beta, y=y)
    grads = dict(x=dx, mu=dmu, xc=dxc, var=dvar, inv_std=dinv_std, x_hat=dx_hat, gamma=dgamma,
                 beta=dbeta, y=dy)
    return GraphPass(values, grads)


def dx_paths(x: np.ndarray, gamma: np.ndarray, dy: np.ndarray, eps: float = 1e-5) -> dict[str, np.ndarray]:
    r"""The three contributions to :math:`\partial L/\partial x` (chapter 5, eq. ``ch05-paths``).

    ``direct``: through :math:`\hat x_i` with the statistics held fixed;
    ``via_mean``: through :math:`\mu`; ``via_var``: through :math:`\sigma^2`. Their sum is dx.

    Parameters
    ----------
    x, dy : array, shape (N, C)
    gamma : array, shape (C,)

    Returns
    -------
    dict with ``direct``, ``via_mean``, ``via_var`` and ``total``, each (N, C)
    """
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    g = dy * gamma  # dL/dx_hat
    direct = g * inv_std
    via_mean = -g.mean(axis=0) * inv_std * np.ones_like(x)
    via_var = -x_hat * (g * x_hat).mean(axis=0) * inv_std
    return dict(direct=direct, via_mean=via_mean, via_var=via_var, total=direct + via_mean + via_var)


def normalization_jacobian(x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    r"""The Jacobian :math:`J_{ij} = \partial \hat x_i / \partial x_j` of one channel.

    Built column by column with :func:`bnbook.functional.batch_norm_backward` (gamma = 1,
    beta = 0, a unit upstream gradient per row), so it is the package's own gradient.

    Parameters
    ----------
    x : array, shape (N,)

    Returns
    -------
    J : array, shape (N, N)
    """
    n = x.shape[0]
    _, cache = F.batch_norm_forward(x.reshape(n, 1), np.ones(1), np.zeros(1), eps)
    rows = [F.batch_norm_backward(np.eye(n)[i].reshape(n, 1), cache)[0].reshape(n) for i in range(n)]
    return np.stack(rows)


@dataclass(frozen=True)
class ScaleSweep:
    """Loss and first-layer weight gradient of one batch as the weights are scaled by ``a``."""

    scales: np.ndarray  # (S,)
    loss: np.ndarray  # (S,) the same for every scale
    grad_norm: np.ndarray  # (S,) ||dL/d(aW)||, proportional to 1 / a
    cosine: np.ndarray  # (S,) cos(W, dL/dW): about 0, the gradient is orthogonal to W


def weight_scale_sweep(X: np.ndarray, y: np.ndarray, scales: np.ndarray, hidden: int = 32,
                       seed: int = 0) -> ScaleSweep:
    """Scale the weights before a BN by ``a`` and record loss and gradient (chapter 5).

    Net: ``Linear(no bias) -> BatchNorm -> ReLU -> Linear``; one forward and backward on
    the batch ``(X, y)`` for each scale, with everything else unchanged.
    """
    rng = np.random.default_rng(seed)
    lin = L.Linear(X.shape[1], hidden, bias=False, rng=rng)
    head = L.Linear(hidden, int(y.max()) + 1, rng=rng)
    w0 = lin.W.copy()
    losses, norms, cosines = [], [], []
    for a in scales:
        lin.W = a * w0
        model = L.Sequential(lin, L.BatchNorm(hidden), L.ReLU(), head)
        loss, dlogits = L.softmax_cross_entropy(model.forward(X), y)
        model.backward(dlogits)
        g = lin.grads["W"]
        losses.append(loss)
        norms.append(np.linalg.norm(g))
        cosines.append(float(np.sum(g * lin.W) / (np.linalg.norm(g) * np.linalg.norm(lin.W))))
    return ScaleSweep(np.asarray(scales, dtype=float), np.array(losses), np.array(norms), np.array(cosines))
