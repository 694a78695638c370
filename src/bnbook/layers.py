"""Layers for the book's small networks: thin classes that keep state and call `functional`.

Every layer has ``forward(x)`` and ``backward(dy) -> dx``. A layer with trainable
arrays lists their attribute names in ``param_names`` (and its other state arrays, such
as BatchNorm's running statistics, in ``buffer_names``); ``backward`` leaves each
parameter's gradient in ``layer.grads[name]``. ``train()`` and ``eval()`` switch the
mode, which only :class:`BatchNorm` and :class:`Dropout` care about.

The layers are array-API code, like :mod:`bnbook.functional`: a new layer holds NumPy
arrays (its weights are drawn on the host, so every library starts from the same
numbers), ``model.to(xp)`` moves its parameters and buffers to the array library ``xp``
(``cupy``, ``array_api_strict``, ``numpy``), and from then on it computes in that
library. An input from another library is refused with a ``ValueError`` that says what
to call: nothing is copied between host and GPU behind your back.

The numerics live in :mod:`bnbook.functional` (the normalizations),
:mod:`bnbook.inference` (batch norm's running statistics and eval mode) and
:mod:`bnbook.activations`; the layers only keep parameters, buffers and caches.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import array_namespace, device

from bnbook import functional as F
from bnbook import inference as I
from bnbook.activations import log_softmax, sigmoid
from bnbook.arrays import library_name, same_library, to_namespace

Array = Any  # numpy.ndarray, cupy.ndarray, array_api_strict.Array, ...

__all__ = [
    "Module",
    "Linear",
    "Conv2d",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "Flatten",
    "Dropout",
    "BatchNorm",
    "LayerNorm",
    "GroupNorm",
    "InstanceNorm",
    "Sequential",
    "softmax_cross_entropy",
    "SGD",
]


class Module:
    """Base class: training mode flag, parameters, buffers and the gradients of the parameters."""

    param_names: tuple[str, ...] = ()
    buffer_names: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.training = True
        self.grads: dict[str, Array] = {}

    def train(self) -> Module:
        """Training mode: batch statistics, dropout on. Returns self."""
        self.training = True
        return self

    def eval(self) -> Module:
        """Evaluation mode: running statistics, dropout off. Returns self."""
        self.training = False
        return self

    def parameters(self) -> list[tuple[Module, str]]:
        """``(layer, attribute name)`` for every trainable array."""
        return [(self, name) for name in self.param_names]

    def to(self, xp: Any, device: Any = None) -> Module:
        """Move the parameters and buffers to the array namespace ``xp``; returns self.

        Like PyTorch's ``model.to(device)``: ``model.to(cupy)`` puts the model on the GPU,
        ``model.to(numpy)`` brings it back. Same values and dtypes. The gradients of the
        last backward pass are dropped (the next one computes them in ``xp``).
        """
        for name in (*self.param_names, *self.buffer_names):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, to_namespace(value, xp, device))
        self.grads = {}
        return self

    def _check_library(self, x: Array) -> None:
        """Refuse an input from another array library than the layer's parameters."""
        if not self.param_names:
            return
        param = getattr(self, self.param_names[0])
        if not same_library(x, param):
            x_lib, p_lib = library_name(x), library_name(param)
            raise ValueError(
                f"x: a {x_lib} array, but the parameters of {type(self).__name__} are {p_lib} arrays. "
                f"Move the model with model.to({x_lib}), or the input to {p_lib} "
                f"(bnbook.arrays.to_namespace(x, {p_lib}))."
            )

    def __call__(self, x: Array) -> Array:
        return self.forward(x)

    def forward(self, x: Array) -> Array:  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, dy: Array) -> Array:  # pragma: no cover - interface
        raise NotImplementedError


def _init_weight(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, init_std: float | None) -> np.ndarray:
    """He-normal (std sqrt(2 / fan_in)) unless an explicit standard deviation is given."""
    std = np.sqrt(2.0 / fan_in) if init_std is None else init_std
    return rng.normal(0.0, std, size=shape)


class Linear(Module):
    """``y = x @ W + b``.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
        Leave it off before a BatchNorm: BN subtracts the mean, so a bias is redundant.
    init_std : float, optional
        Standard deviation of the initial weights; He initialization when omitted.
    rng : numpy.random.Generator, optional

    Shapes: x (N, in_features) -> y (N, out_features); W (in_features, out_features).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 init_std: float | None = None, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        self.W = _init_weight(rng, (in_features, out_features), in_features, init_std)
        self.param_names = ("W", "b") if bias else ("W",)
        self.b = np.zeros(out_features) if bias else None
        self._x: Array | None = None

    def forward(self, x: Array) -> Array:
        self._check_library(x)
        self._x = x
        y = x @ self.W
        return y + self.b if self.b is not None else y

    def backward(self, dy: Array) -> Array:
        self.grads["W"] = self._x.T @ dy
        if self.b is not None:
            self.grads["b"] = array_namespace(dy).sum(dy, axis=0)
        return dy @ self.W.T


class Conv2d(Module):
    """2-D convolution (cross-correlation, as in every framework) through im2col.

    im2col copies each ``kernel x kernel`` patch into a column, so the convolution
    becomes one matrix product: the weights ``(out_channels, C*k*k)`` times
    ``cols (N, C*k*k, H_out*W_out)``.

    Shapes: x (N, C_in, H, W) -> y (N, C_out, H_out, W_out) with
    ``H_out = (H + 2 * padding - kernel) // stride + 1``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, bias: bool = True, init_std: float | None = None,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        k = kernel_size
        fan_in = in_channels * k * k
        self.W = _init_weight(rng, (out_channels, in_channels, k, k), fan_in, init_std)
        self.b = np.zeros(out_channels) if bias else None
        self.param_names = ("W", "b") if bias else ("W",)
        self.kernel_size, self.stride, self.padding = k, stride, padding
        self._cols: Array | None = None
        self._x_shape: tuple[int, ...] | None = None

    def _out_size(self, size: int) -> int:
        return (size + 2 * self.padding - self.kernel_size) // self.stride + 1

    def _patch_slices(self, h_out: int, w_out: int) -> list[tuple[slice, slice]]:
        """For each kernel offset (i, j), row-major, the rows and columns of x_pad it multiplies."""
        k, s = self.kernel_size, self.stride
        # stop just after the last position (the array API leaves stops past the end unspecified)
        return [(slice(i, i + s * (h_out - 1) + 1, s), slice(j, j + s * (w_out - 1) + 1, s))
                for i in range(k) for j in range(k)]

    def _im2col(self, x: Array) -> Array:
        """x (N, C, H, W) -> cols (N, C, k*k, H_out, W_out): one strided copy per kernel offset."""
        xp = array_namespace(x)
        n, c, h, w = x.shape
        p = self.padding
        h_out, w_out = self._out_size(h), self._out_size(w)
        x_pad = x
        if p:
            x_pad = xp.zeros((n, c, h + 2 * p, w + 2 * p), dtype=x.dtype, device=device(x))
            x_pad[:, :, p:p + h, p:p + w] = x
        return xp.stack([x_pad[:, :, rows, cols] for rows, cols in self._patch_slices(h_out, w_out)], axis=2)

    def _col2im(self, dcols: Array, x_shape: tuple[int, ...]) -> Array:
        """The adjoint of :meth:`_im2col`: add every patch gradient back where it came from.

        dcols (N, C, k*k, H_out, W_out) -> dx (N, C, H, W).
        """
        xp = array_namespace(dcols)
        n, c, h, w = x_shape
        p = self.padding
        h_out, w_out = dcols.shape[-2:]
        dx_pad = xp.zeros((n, c, h + 2 * p, w + 2 * p), dtype=dcols.dtype, device=device(dcols))
        for offset, (rows, cols) in enumerate(self._patch_slices(h_out, w_out)):
            dx_pad[:, :, rows, cols] += dcols[:, :, offset, ...]
        return dx_pad[:, :, p:p + h, p:p + w]

    def forward(self, x: Array) -> Array:
        self._check_library(x)
        xp = array_namespace(x)
        n, c_out = x.shape[0], self.W.shape[0]
        cols = self._im2col(x)  # (N, C, k*k, H_out, W_out)
        h_out, w_out = cols.shape[-2:]
        self._cols, self._x_shape = xp.reshape(cols, (n, -1, h_out * w_out)), tuple(x.shape)
        w_mat = xp.reshape(self.W, (c_out, -1))  # (C_out, C*k*k)
        y = w_mat @ self._cols  # (N, C_out, H_out*W_out)
        if self.b is not None:
            y += xp.reshape(self.b, (c_out, 1))
        return xp.reshape(y, (n, c_out, h_out, w_out))

    def backward(self, dy: Array) -> Array:
        xp = array_namespace(dy)
        n, c_out, h_out, w_out = dy.shape
        dy_mat = xp.reshape(dy, (n, c_out, h_out * w_out))
        # dW[o, k] = sum over examples n and positions p of dy[n, o, p] * cols[n, k, p]
        dw_mat = xp.tensordot(dy_mat, self._cols, axes=([0, 2], [0, 2]))  # (C_out, C*k*k)
        self.grads["W"] = xp.reshape(dw_mat, self.W.shape)
        if self.b is not None:
            self.grads["b"] = xp.sum(dy_mat, axis=(0, 2))
        w_mat = xp.reshape(self.W, (c_out, -1))
        dcols = xp.matrix_transpose(w_mat) @ dy_mat  # (N, C*k*k, H_out*W_out)
        c = self._x_shape[1]
        k = self.kernel_size
        return self._col2im(xp.reshape(dcols, (n, c, k * k, h_out, w_out)), self._x_shape)


class ReLU(Module):
    """``max(x, 0)``; the gradient passes where x > 0."""

    def forward(self, x: Array) -> Array:
        xp = array_namespace(x)
        # a 0/1 mask of x's dtype, multiplied (x * mask, not where): a NaN or inf input stays visible
        self._mask = xp.astype(x > 0, x.dtype)
        return x * self._mask

    def backward(self, dy: Array) -> Array:
        return dy * self._mask


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` (see :func:`bnbook.activations.sigmoid`); derivative ``s (1 - s)``, at most 1/4."""

    def forward(self, x: Array) -> Array:
        self._s = sigmoid(x)
        return self._s

    def backward(self, dy: Array) -> Array:
        return dy * self._s * (1.0 - self._s)


class Tanh(Module):
    """``tanh(x)``; derivative ``1 - tanh(x)**2``."""

    def forward(self, x: Array) -> Array:
        self._t = array_namespace(x).tanh(x)
        return self._t

    def backward(self, dy: Array) -> Array:
        return dy * (1.0 - self._t**2)


class Flatten(Module):
    """(N, *dims) -> (N, prod(dims))."""

    def forward(self, x: Array) -> Array:
        self._shape = tuple(x.shape)
        return array_namespace(x).reshape(x, (x.shape[0], -1))

    def backward(self, dy: Array) -> Array:
        return array_namespace(dy).reshape(dy, self._shape)


class Dropout(Module):
    """Inverted dropout: zero each unit with probability ``p`` in training, scale the rest by 1/(1-p).

    The mask is drawn on the host by ``rng`` (a NumPy generator) and sent to x's library,
    so a seed gives the same masks on every library.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"p: expected a drop probability in [0, 1), got {p!r}.")
        self.p = p
        self.rng = rng if rng is not None else np.random.default_rng()

    def forward(self, x: Array) -> Array:
        if not self.training or self.p == 0:
            self._mask = None
            return x
        mask = (self.rng.random(tuple(x.shape)) >= self.p) / (1.0 - self.p)
        self._mask = to_namespace(mask, array_namespace(x), device(x))
        return x * self._mask

    def backward(self, dy: Array) -> Array:
        return dy if self._mask is None else dy * self._mask


class BatchNorm(Module):
    r"""Batch normalization with running statistics, following PyTorch's conventions.

    * In training mode the output uses the batch's mean and *biased* variance, and the
      running statistics move towards the batch's:
      ``running = (1 - momentum) * running + momentum * batch``, where the batch variance
      stored in ``running_var`` is the *unbiased* one (times m / (m - 1)); see
      :mod:`bnbook.inference`, which holds the update.
    * ``momentum=None`` keeps a cumulative average instead: every batch so far weighs the same.
    * In eval mode the output uses ``running_mean`` and ``running_var``, so it no longer
      depends on the other examples in the batch, and a batch of one is fine.

    A new layer has gamma = 1, beta = 0, running_mean = 0, running_var = 1, and is in
    training mode. Works for (N, C) after a Linear layer and (N, C, H, W) after a Conv2d.

    Parameters
    ----------
    num_features : int
        C, the number of features or channels.
    eps : float
    momentum : float in (0, 1] or None
        Weight of the *new* batch (PyTorch's convention; Keras' ``momentum`` is ``1 - this``).
    """

    param_names = ("gamma", "beta")
    # running estimates, and the last training batch's statistics (chapter 6 records them)
    buffer_names = ("running_mean", "running_var", "batch_mean", "batch_var_unbiased")

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1) -> None:
        super().__init__()
        if momentum is not None and not 0 < momentum <= 1:
            raise ValueError(f"momentum: expected a number in (0, 1] or None, got {momentum!r}.")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.gamma = np.ones(num_features)
        self.beta = np.zeros(num_features)
        self.running_mean = np.zeros(num_features)
        self.running_var = np.ones(num_features)
        self.num_batches_tracked = 0
        # The last training batch's statistics, shape (C,) each: what the running
        # estimates were updated with (None before the first training batch).
        self.batch_mean: Array | None = None
        self.batch_var_unbiased: Array | None = None
        self._cache = None

    def _check_channels(self, x: Array) -> None:
        if x.ndim < 2 or x.shape[1] != self.num_features:
            raise ValueError(
                f"x: expected shape (N, {self.num_features}) or (N, {self.num_features}, ...) "
                f"for BatchNorm({self.num_features}), got {tuple(x.shape)}."
            )

    def forward(self, x: Array) -> Array:
        self._check_library(x)
        self._check_channels(x)
        if not self.training:
            self._cache = ("eval", x)
            return I.batch_norm_inference(x, self.running_mean, self.running_var, self.gamma, self.beta, self.eps)
        y, cache = F.batch_norm_forward(x, self.gamma, self.beta, self.eps)
        self._cache = ("train", cache)
        self._update_running_stats(cache.stats, m=cache.x_centered.size // self.num_features)
        return y

    def _update_running_stats(self, stats: F.NormStats, m: int) -> None:
        xp = array_namespace(stats.mean)
        self.num_batches_tracked += 1
        self.batch_mean = xp.reshape(stats.mean, (-1,))
        self.batch_var_unbiased = I.unbiased_variance(xp.reshape(stats.var, (-1,)), m)
        self.running_mean, self.running_var = I.update_running_stats(
            self.running_mean, self.running_var, self.batch_mean, self.batch_var_unbiased,
            self.momentum, self.num_batches_tracked)

    def backward(self, dy: Array) -> Array:
        mode, cache = self._cache
        if mode == "train":
            dx, self.grads["gamma"], self.grads["beta"] = F.batch_norm_backward(dy, cache)
        else:
            dx, self.grads["gamma"], self.grads["beta"] = I.batch_norm_inference_backward(
                dy, cache, self.running_mean, self.running_var, self.gamma, self.eps)
        return dx

    def __repr__(self) -> str:
        return f"BatchNorm({self.num_features}, eps={self.eps}, momentum={self.momentum})"


class LayerNorm(Module):
    """Layer normalization over all non-batch axes; gamma and beta of shape ``normalized_shape``."""

    param_names = ("gamma", "beta")

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps = eps
        self.gamma = np.ones(shape)
        self.beta = np.zeros(shape)

    def forward(self, x: Array) -> Array:
        self._check_library(x)
        y, self._cache = F.layer_norm_forward(x, self.gamma, self.beta, self.eps)
        return y

    def backward(self, dy: Array) -> Array:
        dx, self.grads["gamma"], self.grads["beta"] = F.layer_norm_backward(dy, self._cache)
        return dx


class GroupNorm(Module):
    """Group normalization: ``num_groups`` groups of channels, per sample; gamma, beta of shape (C,)."""

    param_names = ("gamma", "beta")

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.num_groups, self.eps = num_groups, eps
        self.gamma = np.ones(num_channels)
        self.beta = np.zeros(num_channels)

    def forward(self, x: Array) -> Array:
        self._check_library(x)
        y, self._cache = F.group_norm_forward(x, self.num_groups, self.gamma, self.beta, self.eps)
        return y

    def backward(self, dy: Array) -> Array:
        dx, self.grads["gamma"], self.grads["beta"] = F.group_norm_backward(dy, self._cache)
        return dx


class InstanceNorm(Module):
    """Instance normalization: each (sample, channel) map on its own; gamma, beta of shape (C,)."""

    param_names = ("gamma", "beta")

    def __init__(self, num_features: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.gamma = np.ones(num_features)
        self.beta = np.zeros(num_features)

    def forward(self, x: Array) -> Array:
        self._check_library(x)
        y, self._cache = F.instance_norm_forward(x, self.gamma, self.beta, self.eps)
        return y

    def backward(self, dy: Array) -> Array:
        dx, self.grads["gamma"], self.grads["beta"] = F.instance_norm_backward(dy, self._cache)
        return dx


class Sequential(Module):
    """Layers applied in order; backward runs them in reverse."""

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        self.layers = list(layers)

    def forward(self, x: Array) -> Array:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dy: Array) -> Array:
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    def train(self) -> Sequential:
        self.training = True
        for layer in self.layers:
            layer.train()
        return self

    def eval(self) -> Sequential:
        self.training = False
        for layer in self.layers:
            layer.eval()
        return self

    def to(self, xp: Any, device: Any = None) -> Sequential:
        for layer in self.layers:
            layer.to(xp, device)
        return self

    def parameters(self) -> list[tuple[Module, str]]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)


def softmax_cross_entropy(logits: Array, labels: Array) -> tuple[float, Array]:
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    Parameters
    ----------
    logits : array, shape (N, K)
    labels : int array, shape (N,), values in [0, K), in the library of logits

    Returns
    -------
    loss : float
    dlogits : array, shape (N, K)
        ``(softmax(logits) - one_hot(labels)) / N``.
    """
    xp = array_namespace(logits)
    if not same_library(labels, logits):
        raise ValueError(
            f"labels: expected an integer array of the logits' library ({library_name(logits)}), got a "
            f"{library_name(labels)} {type(labels).__name__}. Keep the labels with the data, in one library."
        )
    n, k = logits.shape
    log_probs = log_softmax(logits, axis=1)
    one_hot = xp.reshape(labels, (n, 1)) == xp.arange(k, dtype=labels.dtype, device=device(labels))  # (N, K)
    log_prob_true = xp.sum(xp.where(one_hot, log_probs, 0.0), axis=1)  # (N,): one term per row
    loss = -xp.mean(log_prob_true)
    dlogits = xp.exp(log_probs) - xp.astype(one_hot, log_probs.dtype)
    return float(loss), dlogits / n


class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum, as ``torch.optim.SGD``.

    ``v = momentum * v + grad``; ``param -= lr * v``.
    """

    def __init__(self, model: Module, lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        if not lr > 0:
            raise ValueError(f"lr: expected a positive learning rate, got {lr!r}.")
        self.model, self.lr, self.momentum, self.weight_decay = model, lr, momentum, weight_decay
        self._velocity: dict[tuple[int, str], Array] = {}

    def step(self) -> None:
        for layer, name in self.model.parameters():
            param = getattr(layer, name)
            grad = layer.grads[name]
            if self.weight_decay:
                grad = grad + self.weight_decay * param
            if self.momentum:
                key = (id(layer), name)
                v = self._velocity.get(key)
                v = array_namespace(grad).asarray(grad, copy=True) if v is None else self.momentum * v + grad
                self._velocity[key] = v
                grad = v
            param -= self.lr * grad  # in place: the layer keeps the same array
