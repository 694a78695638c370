"""Which statistics BN uses at test time (chapter 6, ``06_inference``).

* :func:`running_trace` feeds a stream of batches whose true mean and variance drift (as
  activations do while a network trains) through :class:`bnbook.layers.BatchNorm` and
  records its running estimates: the numbers behind the momentum / batch-size widget.
* :func:`train_recording_batch_stats` trains the book's MLP on digits and keeps every
  batch's statistics of every BN layer, so the chapter can build each test-time estimator
  (exponential moving averages, cumulative average, late average) after the fact and
  compare it with the population statistics of the trained network
  (:func:`population_statistics`).
* :func:`mode_predictions` predicts the test set in training or eval mode, in batches of a
  chosen size; :func:`fold_batchnorm` folds eval-mode BN into the preceding layer.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache

import numpy as np

from bnbook import inference as core
from bnbook import layers as L
from bnbook import nets
from bnbook.activations import softmax
from bnbook.data import load_digits

__all__ = [
    "drift_curves",
    "RunningTrace",
    "running_trace",
    "ema",
    "ema_path",
    "TrainRecord",
    "train_recording_batch_stats",
    "bn_layers",
    "population_statistics",
    "set_bn_statistics",
    "EstimatorResult",
    "compare_estimators",
    "mode_predictions",
    "fold_batchnorm",
]


# --------------------------------------------------------------------------------------
# A drifting stream of batches
# --------------------------------------------------------------------------------------


def drift_curves(steps: int, tau: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """True mean and variance of the stream at each step: 3 -> 1 and 4 -> 1 with time constant ``tau``."""
    decay = np.exp(-np.arange(1, steps + 1) / tau)
    return 1.0 + 2.0 * decay, 1.0 + 3.0 * decay


@dataclass(frozen=True)
class RunningTrace:
    """One run of :func:`running_trace`; every array has shape (steps,)."""

    true_mean: np.ndarray
    true_var: np.ndarray
    batch_mean: np.ndarray
    batch_var: np.ndarray  # unbiased, what PyTorch's running_var averages
    running_mean: np.ndarray  # after each step
    running_var: np.ndarray


@cache
def running_trace(momentum: float | None, batch_size: int, steps: int = 300, seed: int = 0) -> RunningTrace:
    """Running estimates of a BN layer fed ``steps`` batches of a drifting Gaussian.

    The same numbers as feeding the batches, shape (batch_size, 1), one by one through
    ``bnbook.layers.BatchNorm(1, momentum)`` in training mode (a test checks it), computed
    here in one vectorized pass so the widget can precompute every setting quickly.
    The layer starts as every new BN layer does (running mean 0, running variance 1).
    Cached: do not modify the returned arrays.
    """
    true_mean, true_var = drift_curves(steps)
    z = np.random.default_rng(seed).normal(size=(steps, batch_size))
    x = true_mean[:, None] + np.sqrt(true_var)[:, None] * z  # (steps, batch_size)
    b_mean, b_var = x.mean(axis=1), x.var(axis=1, ddof=1)
    r_mean, r_var = ema_path(b_mean, momentum, 0.0), ema_path(b_var, momentum, 1.0)
    return RunningTrace(true_mean, true_var, b_mean, b_var, r_mean, r_var)


def ema_path(values: np.ndarray, momentum: float | None, start: float) -> np.ndarray:
    """Every intermediate running estimate of a 1-D sequence (see :func:`ema`), shape of ``values``."""
    out = np.empty(len(values))
    r = float(start)
    for t, v in enumerate(values.tolist(), start=1):  # plain floats: 300 steps in ~0.1 ms
        r = core.running_average(r, v, momentum, num_batches=t)
        out[t - 1] = r
    return out


def ema(values: np.ndarray, momentum: float | None, start: float | np.ndarray) -> np.ndarray:
    """The running estimate after the last of ``values`` (steps first), PyTorch's convention.

    ``r <- (1 - momentum) r + momentum v`` (:func:`bnbook.inference.running_average`);
    ``momentum=None`` is the cumulative average (weight ``1 / t`` at step ``t``), which
    does not depend on ``start``.
    """
    r = np.array(start, dtype=float) * np.ones(values.shape[1:])
    for t, v in enumerate(values, start=1):
        r = core.running_average(r, v, momentum, num_batches=t)
    return r


# --------------------------------------------------------------------------------------
# A trained network and the statistics of its BN layers
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainRecord:
    """A trained MLP and the batch statistics each BN layer saw at every step.

    ``batch_means[l]`` and ``batch_vars[l]`` have shape (steps, C) for BN layer ``l``;
    the variances are unbiased, as the running estimate uses them.
    """

    model: L.Sequential
    batch_means: list[np.ndarray]
    batch_vars: list[np.ndarray]
    steps_per_epoch: int
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    epochs: int  # the set-up of the run, so the chapter can state it
    batch_size: int
    lr: float


def bn_layers(model: L.Sequential) -> list[L.BatchNorm]:
    """The BatchNorm layers of a Sequential, in order."""
    return [layer for layer in model.layers if isinstance(layer, L.BatchNorm)]


@cache
def train_recording_batch_stats(seed: int = 0, epochs: int = 5, batch_size: int = 32,
                                lr: float = 0.1, hidden: int = 64) -> TrainRecord:
    """Train ``mlp((64, hidden, hidden, 10), norm="bn")`` on digits, recording every batch's statistics.

    Cached; the returned model is shared, so callers copy it (``copy.deepcopy``) before
    changing its mode or statistics.
    """
    data = load_digits(seed=seed)
    model = nets.mlp((64, hidden, hidden, 10), norm="bn", seed=seed)
    layers = bn_layers(model)
    means: list[list[np.ndarray]] = [[] for _ in layers]
    variances: list[list[np.ndarray]] = [[] for _ in layers]

    def record(_step: int, _model: L.Module) -> None:
        for k, bn in enumerate(layers):
            means[k].append(bn.batch_mean.copy())
            variances[k].append(bn.batch_var_unbiased.copy())

    nets.train(model, data.X_train, data.y_train, epochs=epochs, batch_size=batch_size, lr=lr,
               seed=seed, on_step=record)
    return TrainRecord(model, [np.array(v) for v in means], [np.array(v) for v in variances],
                       len(data.X_train) // batch_size, data.X_train, data.y_train, data.X_test, data.y_test,
                       epochs, batch_size, lr)


def population_statistics(model: L.Sequential, X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Mean and unbiased variance of every BN layer's input over all of ``X``, in eval mode.

    Layer by layer: BN layer ``l`` sees its input computed with the population statistics
    already found for the layers before it, which is exactly what it sees at test time.
    The model's running statistics are set to the result (pass a copy to keep the old ones).
    """
    model.eval()
    h, out = X, []
    for layer in model.layers:
        if isinstance(layer, L.BatchNorm):
            axes = (0, *range(2, h.ndim))
            mean, var = h.mean(axis=axes), h.var(axis=axes, ddof=1)
            layer.running_mean, layer.running_var = mean, var
            out.append((mean, var))
        h = layer.forward(h)
    return out


def set_bn_statistics(model: L.Sequential, stats: list[tuple[np.ndarray, np.ndarray]]) -> L.Sequential:
    """Put ``(mean, var)`` pairs into the model's BN layers, in order; returns the model."""
    for bn, (mean, var) in zip(bn_layers(model), stats, strict=True):
        bn.running_mean, bn.running_var = np.array(mean, dtype=float), np.array(var, dtype=float)
    return model


@dataclass(frozen=True)
class EstimatorResult:
    """One test-time estimator: its error against the population statistics and its test accuracy.

    ``mean_error``: mean over the channels of all BN layers of ``|mean - pop_mean| / pop_std``;
    ``var_error``: mean of ``|var / pop_var - 1|``.
    """

    name: str
    mean_error: float
    var_error: float
    test_accuracy: float


def compare_estimators(record: TrainRecord, momenta: tuple[float, ...] = (0.5, 0.1, 0.01),
                       late_epochs: int = 1) -> list[EstimatorResult]:
    """Every estimator of chapter 6 built from the recorded batch statistics, scored.

    Names: ``"ema_<momentum>"`` for each momentum, ``"cumulative"`` (all batches alike),
    ``"late"`` (plain average of the last ``late_epochs`` epochs' batches) and
    ``"population"`` (the whole training set through the final network).
    """
    population = population_statistics(copy.deepcopy(record.model), record.X_train)
    late = late_epochs * record.steps_per_epoch
    candidates: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for mom in momenta:
        candidates[f"ema_{mom:g}"] = [(ema(m, mom, 0.0), ema(v, mom, 1.0))
                                      for m, v in zip(record.batch_means, record.batch_vars)]
    candidates["cumulative"] = [(m.mean(axis=0), v.mean(axis=0))
                                for m, v in zip(record.batch_means, record.batch_vars)]
    candidates["late"] = [(m[-late:].mean(axis=0), v[-late:].mean(axis=0))
                          for m, v in zip(record.batch_means, record.batch_vars)]
    candidates["population"] = population
    results = []
    for name, stats in candidates.items():
        mean_err = np.concatenate([np.abs(m - pm) / np.sqrt(pv) for (m, _), (pm, pv) in zip(stats, population)])
        var_err = np.concatenate([np.abs(v / pv - 1) for (_, v), (_, pv) in zip(stats, population)])
        model = set_bn_statistics(copy.deepcopy(record.model), stats)
        acc = nets.accuracy(model, record.X_test, record.y_test)
        results.append(EstimatorResult(name, float(mean_err.mean()), float(var_err.mean()), acc))
    return results


# --------------------------------------------------------------------------------------
# Training mode vs eval mode at prediction time
# --------------------------------------------------------------------------------------


def mode_predictions(model: L.Sequential, X: np.ndarray, y: np.ndarray, batch_size: int, mode: str,
                     seed: int = 0) -> tuple[np.ndarray, float] | None:
    """Probability of the true class for each example, and the accuracy, predicted in batches.

    The examples are shuffled with ``seed`` into batches of ``batch_size`` (the last one
    may be smaller) and each batch goes through a *copy* of ``model`` in ``mode``
    (``"train"``: batch statistics, ``"eval"``: running statistics), so the model's own
    running statistics stay untouched. Returns None when training mode cannot run (a batch
    with one value per channel).
    """
    if mode not in ("train", "eval"):
        raise ValueError(f"mode: expected 'train' or 'eval', got {mode!r}.")
    net = copy.deepcopy(model)
    net.train() if mode == "train" else net.eval()
    order = np.random.default_rng(seed).permutation(len(X))
    p_true = np.empty(len(X))
    correct = np.zeros(len(X), dtype=bool)
    try:
        for i in range(0, len(X), batch_size):
            idx = order[i:i + batch_size]
            logits = net.forward(X[idx])
            p = softmax(logits, axis=1)
            p_true[idx] = p[np.arange(len(idx)), y[idx]]
            correct[idx] = logits.argmax(axis=1) == y[idx]
    except ValueError:
        return None
    return p_true, float(correct.mean())


# --------------------------------------------------------------------------------------
# Folding BN into the preceding layer
# --------------------------------------------------------------------------------------


def fold_batchnorm(model: L.Sequential) -> L.Sequential:
    r"""A copy of ``model`` where each ``Linear`` or ``Conv2d`` followed by ``BatchNorm`` is one layer.

    In eval mode BN is ``y = s z + t`` per channel, with ``s = gamma / sqrt(var + eps)``
    and ``t = beta - s mu``, and ``z = W x + b``; so ``y = (s W) x + (s b + t)``
    (:func:`bnbook.inference.fold_batch_norm`). The BN layers disappear; the result equals
    the original in eval mode (chapter 6, eq. ``ch06-fold``).
    """
    layers = [copy.deepcopy(layer) for layer in model.layers]
    out: list[L.Module] = []
    i = 0
    while i < len(layers):
        layer = layers[i]
        nxt = layers[i + 1] if i + 1 < len(layers) else None
        if isinstance(layer, (L.Linear, L.Conv2d)) and isinstance(nxt, L.BatchNorm):
            channel_axis = -1 if isinstance(layer, L.Linear) else 0  # W is (in, C) or (C, in, k, k)
            layer.W, layer.b = core.fold_batch_norm(layer.W, layer.b, nxt.running_mean, nxt.running_var,
                                                    nxt.gamma, nxt.beta, nxt.eps, channel_axis)
            layer.param_names = ("W", "b")
            out.append(layer)
            i += 2
        else:
            out.append(layer)
            i += 1
    return L.Sequential(*out).eval()
