"""Hidden checks of the ``feature-scaling`` assignment (reference: ``bnbook.functional``)."""
from __future__ import annotations

import numpy as np

from . import Case


def _data(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """Features on very different scales and offsets, one of them sometimes constant."""
    scale = 10.0 ** rng.uniform(-2, 3, size=d)
    shift = rng.uniform(-50, 50, size=d)
    x = rng.normal(size=(n, d)) * scale + shift
    if rng.random() < 0.5:
        x[:, rng.integers(d)] = rng.uniform(-5, 5)  # a constant feature: variance 0
    return x


def _shape(rng: np.random.Generator) -> tuple[int, int]:
    return int(rng.integers(3, 40)), int(rng.integers(1, 9))


# Part 1: feature_stats(X) -> (mean, var), per column, biased variance.
def _stats_inputs(rng):
    return (_data(rng, *_shape(rng)),)


def _stats_reference(x):
    from bnbook.functional import normalize_over_axes

    _, stats = normalize_over_axes(x, (0,), eps=1e-5)
    return stats.mean.reshape(-1), stats.var.reshape(-1)


# Part 2: standardize(X, mean, var, eps) -> (X - mean) / sqrt(var + eps).
def _standardize_inputs(rng):
    n, d = _shape(rng)
    x = _data(rng, n, d)
    mean = rng.normal(size=d) * 10
    var = rng.uniform(0, 100, size=d)
    eps = float(10.0 ** rng.uniform(-8, -1))
    return x, mean, var, eps


def _standardize_reference(x, mean, var, eps):
    return ((x - mean) / np.sqrt(var + eps),)


# Part 3: scale_train_test(X_train, X_test, eps) -> (train_hat, test_hat), both with TRAINING stats.
def _train_test_inputs(rng):
    n, d = _shape(rng)
    x = _data(rng, n + int(rng.integers(2, 15)), d)
    x_test = x[n:] + rng.normal(size=(x.shape[0] - n, d)) * 3.0  # test data from a shifted distribution
    return x[:n], x_test, float(10.0 ** rng.uniform(-8, -2))


def _train_test_reference(x_train, x_test, eps):
    from bnbook.functional import normalize_over_axes

    train_hat, stats = normalize_over_axes(x_train, (0,), eps=eps)
    return train_hat, (x_test - stats.mean) * stats.inv_std


# Part 4: class Standardizer(eps).fit(X) -> self; .mean_, .var_; .transform(X).
def _class_inputs(rng):
    x_train, x_test, eps = _train_test_inputs(rng)
    return x_train, x_test, eps


def _class_call(cls, x_train, x_test, eps):
    scaler = cls(eps=eps)
    fitted = scaler.fit(x_train)
    if fitted is not scaler:
        raise TypeError("fit() should return self (the fitted Standardizer)")
    return scaler.mean_, scaler.var_, scaler.transform(x_test)


def _class_reference(x_train, x_test, eps):
    from bnbook.functional import normalize_over_axes

    _, stats = normalize_over_axes(x_train, (0,), eps=eps)
    return stats.mean.reshape(-1), stats.var.reshape(-1), (x_test - stats.mean) * stats.inv_std


CASES = {
    "stats": Case(make_inputs=_stats_inputs, reference=_stats_reference,
                  outputs=("mean", "var"), rtol=1e-7, atol=1e-9),
    "standardize": Case(make_inputs=_standardize_inputs, reference=_standardize_reference,
                        outputs=("X_hat",), rtol=1e-7, atol=1e-9),
    "train_test": Case(make_inputs=_train_test_inputs, reference=_train_test_reference,
                       outputs=("train_hat", "test_hat"), rtol=1e-6, atol=1e-8),
    "standardizer": Case(make_inputs=_class_inputs, reference=_class_reference, call=_class_call,
                         outputs=("mean_", "var_", "transform(X_test)"), rtol=1e-6, atol=1e-8),
}
