"""Small networks and one readable training loop for the book's experiments.

Training is deterministic under a seed: the weights, the shuffles and dropout all draw
from NumPy generators derived from it, on the host. The networks are built with NumPy
arrays; ``model.to(xp)`` moves one to another array library (CuPy, ``array_api_strict``),
and :func:`train`, :func:`predict` and :func:`accuracy` then take data of that library:
the data stays where it is, and the numbers are those of the NumPy run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from array_api_compat import array_namespace, device

from bnbook import layers as L

Array = Any  # an array of the model's library

__all__ = ["mlp", "small_cnn", "History", "train", "accuracy", "predict"]

_ACTIVATIONS = {"relu": L.ReLU, "sigmoid": L.Sigmoid, "tanh": L.Tanh}


def _norm_layer(norm: str | None, width: int, num_groups: int) -> L.Module | None:
    if norm is None:
        return None
    if norm == "bn":
        return L.BatchNorm(width)
    if norm == "ln":
        return L.LayerNorm(width)
    if norm == "gn":
        return L.GroupNorm(num_groups, width)
    raise ValueError(f"norm: expected None, 'bn', 'ln' or 'gn', got {norm!r}.")


def mlp(sizes: Sequence[int], norm: str | None = None, activation: str = "relu",
        init_std: float | None = None, norm_position: str = "before", seed: int = 0) -> L.Sequential:
    """A fully connected net: ``Linear -> [norm] -> activation`` for each hidden layer.

    Parameters
    ----------
    sizes : sequence of int
        ``(inputs, hidden..., outputs)``, e.g. ``(64, 100, 100, 10)``.
    norm : None, "bn", "ln" or "gn"
    activation : "relu", "sigmoid" or "tanh"
    init_std : float, optional
        Standard deviation of the initial weights (He initialization when omitted).
    norm_position : "before" or "after"
        The normalization before the activation (as in the BN paper) or after it.
    seed : int

    Returns
    -------
    Sequential
    """
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation: expected one of {sorted(_ACTIVATIONS)}, got {activation!r}.")
    if norm_position not in ("before", "after"):
        raise ValueError(f"norm_position: expected 'before' or 'after', got {norm_position!r}.")
    rng = np.random.default_rng(seed)
    layers: list[L.Module] = []
    for fan_in, fan_out in zip(sizes[:-2], sizes[1:-1]):
        norm_layer = _norm_layer(norm, fan_out, num_groups=min(4, fan_out))
        # A bias right before a BatchNorm is redundant: BN subtracts the mean anyway.
        bias = not (norm == "bn" and norm_position == "before")
        layers.append(L.Linear(fan_in, fan_out, bias=bias, init_std=init_std, rng=rng))
        block = [norm_layer, _ACTIVATIONS[activation]()]
        if norm_position == "after":
            block.reverse()
        layers.extend(layer for layer in block if layer is not None)
    layers.append(L.Linear(sizes[-2], sizes[-1], init_std=init_std, rng=rng))
    return L.Sequential(*layers)


def small_cnn(norm: str | None = None, channels: tuple[int, int] = (8, 16), num_groups: int = 4,
              num_classes: int = 10, image_size: int = 8, seed: int = 0) -> L.Sequential:
    """A two-conv net for 8 x 8 digits: ``(conv 3x3 -> [norm] -> ReLU) x 2 -> linear``.

    The second conv has stride 2, so an 8 x 8 input ends as ``channels[1] x 4 x 4``.
    ``norm`` is None, "bn", "gn" or "ln" (LayerNorm over (C, H, W)).
    """
    rng = np.random.default_rng(seed)
    c1, c2 = channels
    half = image_size // 2

    def norm_for(c: int, size: int) -> L.Module | None:
        if norm == "ln":
            return L.LayerNorm((c, size, size))
        return _norm_layer(norm, c, num_groups)

    layers: list[L.Module] = [L.Conv2d(1, c1, 3, padding=1, bias=norm is None, rng=rng)]
    layers += [m for m in (norm_for(c1, image_size), L.ReLU()) if m is not None]
    layers += [L.Conv2d(c1, c2, 3, stride=2, padding=1, bias=norm is None, rng=rng)]
    layers += [m for m in (norm_for(c2, half), L.ReLU()) if m is not None]
    layers += [L.Flatten(), L.Linear(c2 * half * half, num_classes, rng=rng)]
    return L.Sequential(*layers)


@dataclass
class History:
    """What a training run recorded: one loss per step, accuracies per epoch."""

    step_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)

    @property
    def diverged(self) -> bool:
        """True when the loss became NaN or infinite."""
        return any(not math.isfinite(v) for v in self.step_loss)


def predict(model: L.Module, X: Array, batch_size: int = 512) -> Array:
    """Class predictions of ``model`` in eval mode (the mode is restored afterwards), shape (N,)."""
    xp = array_namespace(X)
    n = X.shape[0]
    was_training = model.training
    model.eval()
    try:
        out = [xp.argmax(model.forward(X[i:min(i + batch_size, n), ...]), axis=1) for i in range(0, n, batch_size)]
    finally:
        if was_training:
            model.train()
    return xp.concat(out)


def accuracy(model: L.Module, X: Array, y: Array) -> float:
    """Fraction of ``X`` that ``model`` classifies as ``y``, in eval mode."""
    xp = array_namespace(X)
    correct = predict(model, X) == y
    return float(xp.mean(xp.astype(correct, xp.float64)))


def train(model: L.Module, X: Array, y: Array, *, epochs: int = 10, batch_size: int = 64,
          lr: float = 0.1, momentum: float = 0.9, weight_decay: float = 0.0, seed: int = 0,
          X_test: Array | None = None, y_test: Array | None = None,
          on_step: Callable[[int, L.Module], None] | None = None, drop_last: bool = True,
          progress: bool | None = None) -> History:
    """Mini-batch SGD on softmax cross-entropy.

    Parameters
    ----------
    model : Module
        Maps X (N, ...) to logits (N, K).
    X, y : training inputs and integer labels, arrays of the model's library
        (NumPy unless the model was moved with ``model.to(xp)``)
    epochs, batch_size, lr, momentum, weight_decay, seed
        ``seed`` fixes the order of the shuffles.
    X_test, y_test : optional, for the per-epoch test accuracy
    on_step : callable(step, model), optional
        Called after every update (to record activations, running statistics, ...).
    drop_last : bool
        Skip the last incomplete batch (a batch of one would make BatchNorm fail).
    progress : bool, optional
        Show a progress bar; by default only when the run has more than 2,000 steps.

    Returns
    -------
    History
        Training stops early (and says so through ``History.diverged``) if the loss
        becomes NaN or infinite.
    """
    from threadpoolctl import threadpool_limits  # installed with scikit-learn
    from tqdm.auto import tqdm

    xp = array_namespace(X)
    rng = np.random.default_rng(seed)
    optimizer = L.SGD(model, lr=lr, momentum=momentum, weight_decay=weight_decay)
    n = X.shape[0]
    steps_per_epoch = n // batch_size if drop_last else -(-n // batch_size)
    total = epochs * steps_per_epoch
    show = total > 2000 if progress is None else progress
    history = History()
    step = 0
    model.train()
    # A learning rate that is too large makes values overflow before the loss turns
    # non-finite; that is an outcome the experiments measure (History.diverged), not an error.
    # One BLAS thread: the book's networks multiply small matrices, and on a busy two-core
    # machine a second thread costs more time waiting than it saves (same numbers).
    with tqdm(total=total, disable=not show, desc="training", leave=False) as bar, \
            np.errstate(over="ignore", invalid="ignore", divide="ignore"), \
            threadpool_limits(limits=1, user_api="blas"):
        for _ in range(epochs):
            # drawn on the host, so every library sees the same batches
            order = xp.asarray(rng.permutation(n), device=device(X))
            for i in range(steps_per_epoch):
                idx = order[i * batch_size:(i + 1) * batch_size]
                logits = model.forward(xp.take(X, idx, axis=0))
                loss, dlogits = L.softmax_cross_entropy(logits, xp.take(y, idx, axis=0))
                history.step_loss.append(loss)
                if not math.isfinite(loss):
                    return history
                model.backward(dlogits)
                optimizer.step()
                step += 1
                if on_step is not None:
                    on_step(step, model)
                bar.update()
            history.train_accuracy.append(accuracy(model, X, y))
            if X_test is not None:
                history.test_accuracy.append(accuracy(model, X_test, y_test))
    return history
