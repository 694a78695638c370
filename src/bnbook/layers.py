"""Layers for the book's small networks: thin classes that keep state and call `functional`.

Every layer has ``forward(x)`` and ``backward(dy) -> dx``. A layer with trainable
arrays lists their attribute names in ``param_names``; ``backward`` leaves each one's
gradient in ``layer.grads[name]``. ``train()`` and ``eval()`` switch the mode, which
only :class:`BatchNorm` and :class:`Dropout` care about.

The arrays are NumPy arrays (the experiments run on the CPU). The numerics of the
normalizations live in :mod:`bnbook.functional`; the layers only keep parameters,
running statistics and caches.
"""

from __future__ import annotations

import numpy as np

from bnbook import functional as F

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
    """Base class: training mode flag, parameters and their gradients."""

    param_names: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.training = True
        self.grads: dict[str, np.ndarray] = {}

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

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, dy: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
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
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = x
        y = x @ self.W
        return y + self.b if self.b is not None else y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        self.grads["W"] = self._x.T @ dy
        if self.b is not None:
            self.grads["b"] = dy.sum(axis=0)
        return dy @ self.W.T


class Conv2d(Module):
    """2-D convolution (cross-correlation, as in every framework) through im2col.

    im2col copies each ``kernel x kernel`` patch into a column, so the convolution
    becomes one matrix product: ``cols (N, C*k*k, H_out*W_out)`` times the weights
    ``(out_channels, C*k*k)``.

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
        self._cols: np.ndarray | None = None
        self._x_shape: tuple[int, ...] | None = None

    def _out_size(self, size: int) -> int:
        return (size + 2 * self.padding - self.kernel_size) // self.stride + 1

    def _im2col(self, x: np.ndarray) -> np.ndarray:
        """x (N, C, H, W) -> cols (N, C, k, k, H_out, W_out): one copy per kernel offset."""
        n, c, h, w = x.shape
        k, s, p = self.kernel_size, self.stride, self.padding
        h_out, w_out = self._out_size(h), self._out_size(w)
        x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x
        cols = np.empty((n, c, k, k, h_out, w_out), dtype=x.dtype)
        for i in range(k):
            for j in range(k):
                cols[:, :, i, j] = x_pad[:, :, i:i + s * h_out:s, j:j + s * w_out:s]
        return cols

    def _col2im(self, dcols: np.ndarray, x_shape: tuple[int, ...]) -> np.ndarray:
        """The adjoint of :meth:`_im2col`: add every patch gradient back where it came from."""
        n, c, h, w = x_shape
        k, s, p = self.kernel_size, self.stride, self.padding
        h_out, w_out = dcols.shape[-2:]
        dx_pad = np.zeros((n, c, h + 2 * p, w + 2 * p), dtype=dcols.dtype)
        for i in range(k):
            for j in range(k):
                dx_pad[:, :, i:i + s * h_out:s, j:j + s * w_out:s] += dcols[:, :, i, j]
        return dx_pad[:, :, p:p + h, p:p + w]

    def forward(self, x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        cols = self._im2col(x)  # (N, C, k, k, H_out, W_out)
        h_out, w_out = cols.shape[-2:]
        self._cols, self._x_shape = cols.reshape(n, -1, h_out * w_out), x.shape
        w_mat = self.W.reshape(self.W.shape[0], -1)  # (C_out, C*k*k)
        y = np.matmul(w_mat, self._cols)  # (N, C_out, H_out*W_out)
        if self.b is not None:
            y += self.b[:, None]
        return y.reshape(n, -1, h_out, w_out)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        n, c_out, h_out, w_out = dy.shape
        dy_mat = dy.reshape(n, c_out, -1)  # (N, C_out, H_out*W_out)
        self.grads["W"] = np.einsum("nop,nkp->ok", dy_mat, self._cols).reshape(self.W.shape)
        if self.b is not None:
            self.grads["b"] = dy_mat.sum(axis=(0, 2))
        w_mat = self.W.reshape(c_out, -1)
        dcols = np.matmul(w_mat.T, dy_mat)  # (N, C*k*k, H_out*W_out)
        c = self._x_shape[1]
        k = self.kernel_size
        return self._col2im(dcols.reshape(n, c, k, k, h_out, w_out), self._x_shape)


class ReLU(Module):
    """``max(x, 0)``; the gradient passes where x > 0."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._mask = x > 0
        return x * self._mask

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy * self._mask


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``; derivative ``s (1 - s)``, at most 1/4."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        # exp of a large positive argument overflows; tanh gives the same curve without it
        self._s = 0.5 * (1.0 + np.tanh(0.5 * x))
        return self._s

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy * self._s * (1.0 - self._s)


class Tanh(Module):
    """``tanh(x)``; derivative ``1 - tanh(x)**2``."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._t = np.tanh(x)
        return self._t

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy * (1.0 - self._t**2)


class Flatten(Module):
    """(N, *dims) -> (N, prod(dims))."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy.reshape(self._shape)


class Dropout(Module):
    """Inverted dropout: zero each unit with probability ``p`` in training, scale the rest by 1/(1-p)."""

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"p: expected a drop probability in [0, 1), got {p!r}.")
        self.p = p
        self.rng = rng if rng is not None else np.random.default_rng()

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not self.training or self.p == 0:
            self._mask = None
            return x
        self._mask = (self.rng.random(x.shape) >= self.p) / (1.0 - self.p)
        return x * self._mask

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy if self._mask is None else dy * self._mask


class BatchNorm(Module):
    r"""Batch normalization with running statistics, following PyTorch's conventions.

    * In training mode the output uses the batch's mean and *biased* variance, and the
      running statistics move towards the batch's:
      ``running = (1 - momentum) * running + momentum * batch``, where the batch variance
      stored in ``running_var`` is the *unbiased* one (times m / (m - 1)).
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
        # estimates are updated with (chapter 6 records them to compare estimators).
        self.batch_mean: np.ndarray | None = None
        self.batch_var_unbiased: np.ndarray | None = None
        self._cache = None

    def _check_channels(self, x: np.ndarray) -> None:
        if x.ndim < 2 or x.shape[1] != self.num_features:
            raise ValueError(
                f"x: expected shape (N, {self.num_features}) or (N, {self.num_features}, ...) "
                f"for BatchNorm({self.num_features}), got {tuple(x.shape)}."
            )

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_channels(x)
        if not self.training:
            self._cache = ("eval", x)
            return F.batch_norm_inference(x, self.running_mean, self.running_var, self.gamma, self.beta, self.eps)
        y, cache = F.batch_norm_forward(x, self.gamma, self.beta, self.eps)
        self._cache = ("train", cache)
        self._update_running_stats(cache.stats, m=x.size // x.shape[1])
        return y

    def _update_running_stats(self, stats: F.NormStats, m: int) -> None:
        self.num_batches_tracked += 1
        weight = 1.0 / self.num_batches_tracked if self.momentum is None else self.momentum
        self.batch_mean = stats.mean.reshape(-1)
        self.batch_var_unbiased = stats.var.reshape(-1) * (m / (m - 1))
        self.running_mean = (1 - weight) * self.running_mean + weight * self.batch_mean
        self.running_var = (1 - weight) * self.running_var + weight * self.batch_var_unbiased

    def backward(self, dy: np.ndarray) -> np.ndarray:
        mode, cache = self._cache
        if mode == "train":
            dx, self.grads["gamma"], self.grads["beta"] = F.batch_norm_backward(dy, cache)
            return dx
        # Eval mode is a fixed affine map per channel: y = scale * x + shift.
        x = cache
        axes = (0, *range(2, x.ndim))
        shape = tuple(1 if a in axes else s for a, s in enumerate(x.shape))
        inv_std = 1.0 / np.sqrt(self.running_var + self.eps)
        x_hat = (x - self.running_mean.reshape(shape)) * inv_std.reshape(shape)
        self.grads["gamma"] = (dy * x_hat).sum(axis=axes)
        self.grads["beta"] = dy.sum(axis=axes)
        return dy * (self.gamma * inv_std).reshape(shape)

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

    def forward(self, x: np.ndarray) -> np.ndarray:
        y, self._cache = F.layer_norm_forward(x, self.gamma, self.beta, self.eps)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
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

    def forward(self, x: np.ndarray) -> np.ndarray:
        y, self._cache = F.group_norm_forward(x, self.num_groups, self.gamma, self.beta, self.eps)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
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

    def forward(self, x: np.ndarray) -> np.ndarray:
        y, self._cache = F.instance_norm_forward(x, self.gamma, self.beta, self.eps)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dx, self.grads["gamma"], self.grads["beta"] = F.instance_norm_backward(dy, self._cache)
        return dx


class Sequential(Module):
    """Layers applied in order; backward runs them in reverse."""

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        self.layers = list(layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dy: np.ndarray) -> np.ndarray:
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

    def parameters(self) -> list[tuple[Module, str]]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    Parameters
    ----------
    logits : array, shape (N, K)
    labels : int array, shape (N,), values in [0, K)

    Returns
    -------
    loss : float
    dlogits : array, shape (N, K)
        ``(softmax(logits) - one_hot(labels)) / N``.
    """
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)  # exp never overflows
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), labels].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), labels] -= 1.0
    return float(loss), dlogits / n


class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum, as ``torch.optim.SGD``.

    ``v = momentum * v + grad``; ``param -= lr * v``.
    """

    def __init__(self, model: Module, lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        if not lr > 0:
            raise ValueError(f"lr: expected a positive learning rate, got {lr!r}.")
        self.model, self.lr, self.momentum, self.weight_decay = model, lr, momentum, weight_decay
        self._velocity: dict[tuple[int, str], np.ndarray] = {}

    def step(self) -> None:
        for layer, name in self.model.parameters():
            param = getattr(layer, name)
            grad = layer.grads[name]
            if self.weight_decay:
                grad = grad + self.weight_decay * param
            if self.momentum:
                key = (id(layer), name)
                v = self._velocity.get(key)
                v = grad.copy() if v is None else self.momentum * v + grad
                self._velocity[key] = v
                grad = v
            param -= self.lr * grad  # in place: the layer keeps the same array

