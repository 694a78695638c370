"""Chapter 4 (gamma and beta): activation regimes and the deep sigmoid experiment.

* :func:`regime_bounds` and :func:`activation_regimes` say which pre-activations fall in
  the saturated, near-linear and dead regions of sigmoid, tanh and ReLU.
* :func:`bn_outputs` gives the BN outputs ``gamma * x_hat + beta`` of a real hidden layer
  (a random linear layer on a batch of digits), the data the chapter's widget histograms.
* :func:`deep_sigmoid_runs` trains a deep sigmoid MLP on digits with and without BN at
  several learning rates (cached, so the page and the widget share one computation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from bnbook import functional as F
from bnbook.activations import sigmoid
from bnbook.data import load_digits
from bnbook.layers import BatchNorm
from bnbook.nets import History, mlp, train

__all__ = ["ACTIVATIONS", "LINEAR_SLOPE", "SATURATED_SLOPE", "activation", "regime_bounds",
           "activation_regimes", "standardized_batch", "bn_outputs", "DeepRun", "deep_sigmoid_runs"]

ACTIVATIONS = ("sigmoid", "tanh", "relu")

#: A pre-activation is in the near-linear region where the slope is at least 80 % of the
#: slope at 0, and saturated where the slope is below 10 % of it.
LINEAR_SLOPE = 0.8
SATURATED_SLOPE = 0.1


def activation(name: str, z: np.ndarray) -> np.ndarray:
    """sigmoid, tanh or relu of ``z``."""
    if name == "sigmoid":
        return sigmoid(np.asarray(z, dtype=np.float64))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    raise ValueError(f"activation: expected one of {ACTIVATIONS}, got {name!r}.")


def _slope_level(name: str, fraction: float) -> float:
    """The |z| at which the slope of a sigmoid or tanh falls to ``fraction`` of its slope at 0."""
    if name == "sigmoid":  # s (1 - s) = fraction / 4  =>  s = (1 + sqrt(1 - fraction)) / 2
        s = (1.0 + math.sqrt(1.0 - fraction)) / 2.0
        return math.log(s / (1.0 - s))
    if name == "tanh":  # 1 - tanh(z)^2 = fraction
        return math.atanh(math.sqrt(1.0 - fraction))
    raise ValueError(f"no slope levels for {name!r}.")


def regime_bounds(name: str) -> dict[str, float]:
    """The thresholds on the pre-activation z that separate the regimes of ``name``.

    sigmoid and tanh: ``linear`` (|z| below it, slope >= 80 % of the slope at 0) and
    ``saturated`` (|z| above it, slope < 10 %). ReLU: ``dead`` (z <= 0, slope 0).
    """
    if name == "relu":
        return {"dead": 0.0}
    return {"linear": _slope_level(name, LINEAR_SLOPE), "saturated": _slope_level(name, SATURATED_SLOPE)}


def activation_regimes(name: str, z: np.ndarray) -> dict[str, float]:
    """The fractions of ``z`` in each regime of the activation ``name``.

    Returns ``saturated``, ``linear``, ``dead`` and ``curved`` (the rest: the nonlinear
    part of a sigmoid or tanh), which sum to 1. ReLU is linear for z > 0 and dead for z <= 0;
    it never saturates.
    """
    z = np.asarray(z, dtype=np.float64)
    if name == "relu":
        dead = float(np.mean(z <= 0))
        return {"saturated": 0.0, "linear": 1.0 - dead, "dead": dead, "curved": 0.0}
    bounds = regime_bounds(name)
    a = np.abs(z)
    linear = float(np.mean(a < bounds["linear"]))
    saturated = float(np.mean(a > bounds["saturated"]))
    return {"saturated": saturated, "linear": linear, "dead": 0.0, "curved": 1.0 - linear - saturated}


@cache
def standardized_batch(n: int = 512, units: int = 8, seed: int = 0) -> np.ndarray:
    """``x_hat`` of a hidden layer: BN (gamma = 1, beta = 0) of a random linear layer on ``n`` digits.

    Returns an ``(n, units)`` array; every column has mean 0 and variance ~1 but keeps the
    shape of a real layer's distribution (not a perfect Gaussian).
    """
    split = load_digits(seed=seed)
    rng = np.random.default_rng(seed)
    W = rng.normal(0.0, math.sqrt(2.0 / 64), size=(64, units))
    z = split.X_train[:n] @ W  # (n, units) pre-activations
    x_hat = F.batch_norm_forward(z, np.ones(units), np.zeros(units))[1].x_hat
    x_hat.setflags(write=False)  # cached: callers must not change it
    return x_hat


def bn_outputs(gamma: float, beta: float) -> np.ndarray:
    """``gamma * x_hat + beta`` for every value of :func:`standardized_batch` (flattened)."""
    return gamma * standardized_batch().ravel() + beta


@dataclass(frozen=True)
class DeepRun:
    """One training run of the deep sigmoid MLP."""

    norm: str | None
    lr: float
    history: History
    gammas: np.ndarray  # the learned gamma of every BN unit after training (empty without BN)
    betas: np.ndarray
    settings: dict  # depth, width, epochs, batch_size, momentum, seed: for the chapter to quote


@cache
def deep_sigmoid_runs(lrs: tuple[float, ...] = (0.1, 0.5, 2.0), depth: int = 8, width: int = 32,
                      epochs: int = 6, batch_size: int = 32, momentum: float = 0.9,
                      seed: int = 0) -> tuple[DeepRun, ...]:
    """Train ``depth`` hidden sigmoid layers of ``width`` units on digits, with and without BN.

    Same initial weights (same seed), same batches and the same learning rate for both
    networks at each ``lr``; SGD with ``momentum``. Returns the runs without BN first,
    then with BN, each in the order of ``lrs``.
    """
    split = load_digits(seed=seed)
    settings = dict(depth=depth, width=width, epochs=epochs, batch_size=batch_size, momentum=momentum,
                    seed=seed)
    runs = []
    for norm in (None, "bn"):
        for lr in lrs:
            model = mlp((64, *(width,) * depth, 10), norm=norm, activation="sigmoid", seed=seed)
            history = train(model, split.X_train, split.y_train, epochs=epochs, batch_size=batch_size,
                            lr=lr, momentum=momentum, seed=seed, X_test=split.X_test, y_test=split.y_test)
            bns = [layer for layer in model.layers if isinstance(layer, BatchNorm)]
            gammas = np.concatenate([bn.gamma for bn in bns]) if bns else np.zeros(0)
            betas = np.concatenate([bn.beta for bn in bns]) if bns else np.zeros(0)
            runs.append(DeepRun(norm, lr, history, gammas, betas, settings))
    return tuple(runs)
