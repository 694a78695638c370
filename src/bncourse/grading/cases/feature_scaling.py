"""Hidden checks of the ``feature-scaling`` assignment (reference: ``bnbook.functional``)."""
from __future__ import annotations

import numpy as np

from . import Case
from .mistakes import normalize


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
    var[rng.integers(d)] = eps * 10.0 ** rng.uniform(-0.5, 0.5)  # where the place of eps shows
    return x, mean, var, eps


def _standardize_reference(x, mean, var, eps):
    return ((x - mean) / np.sqrt(var + eps),)


# Part 3: scale_train_test(X_train, X_test, eps) -> (train_hat, test_hat), both with TRAINING stats.
def _train_test_inputs(rng):
    n, d = _shape(rng)
    eps = float(10.0 ** rng.uniform(-8, -2))
    x = _data(rng, n + int(rng.integers(2, 15)), d)
    small = rng.integers(d)  # a feature whose training variance is about eps
    x[:, small] = rng.normal(size=x.shape[0]) * np.sqrt(eps) * 10.0 ** rng.uniform(-0.5, 0.5)
    x_test = x[n:] + rng.normal(size=(x.shape[0] - n, d)) * 3.0  # test data from a shifted distribution
    return x[:n], x_test, eps


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


# The usual mistakes, in the student's signatures.
UNBIASED = "the variance divides by N - 1 (ddof=1) instead of N"
PER_ROW = "the statistics are taken per example (axis=1) instead of per feature (axis=0)"
EPS_OUTSIDE = "eps is added outside the square root (std + eps) instead of inside sqrt(var + eps)"
NO_EPS = "eps is left out of the denominator"
OWN_STATS = "X is standardized with its own mean and variance instead of the ones passed in"
TEST_OWN = "the test set is standardized with its own statistics instead of the training set's"
POOLED = "the statistics come from training and test data together instead of the training data only"


def _scale(x, mean, var, eps, eps_outside=False):
    return (x - mean) / (np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps))


def _train_test(ddof=0, eps_outside=False, stats_from=lambda tr, te: tr, test_own=False):
    def scale_train_test(x_train, x_test, eps=1e-8):
        source = stats_from(x_train, x_test)
        mean, var = source.mean(axis=0), source.var(axis=0, ddof=ddof)
        if test_own:
            return normalize(x_train, (0,), eps), normalize(x_test, (0,), eps)
        return _scale(x_train, mean, var, eps, eps_outside), _scale(x_test, mean, var, eps, eps_outside)
    return scale_train_test


def _standardizer(ddof=0, eps_outside=False, own_stats=False, eps_used=None):
    class Standardizer:
        def __init__(self, eps=1e-8):
            self.eps = eps if eps_used is None else eps_used

        def fit(self, X):
            self.mean_, self.var_ = X.mean(axis=0), X.var(axis=0, ddof=ddof)
            return self

        def transform(self, X):
            if own_stats:
                return normalize(X, (0,), self.eps)
            return _scale(X, self.mean_, self.var_, self.eps, eps_outside)
    return Standardizer


def _feature_stats(X):
    """Part 1 done right, lent to parts 3 and 4 while they are checked."""
    X = np.asarray(X, dtype=float)
    return X.mean(axis=0), X.var(axis=0)


def _standardize(X, mean, var, eps=1e-8):
    """Part 2 done right, lent to parts 3 and 4 while they are checked."""
    return (np.asarray(X, dtype=float) - mean) / np.sqrt(np.asarray(var) + eps)


_PARTS_1_2 = {"feature_stats": _feature_stats, "standardize": _standardize}

CASES = {
    "stats": Case(make_inputs=_stats_inputs, reference=_stats_reference,
                  outputs=("mean", "var"), rtol=1e-7, atol=1e-9,
                  mistakes={UNBIASED: lambda x: (x.mean(axis=0), x.var(axis=0, ddof=1)),
                            PER_ROW: lambda x: (x.mean(axis=1), x.var(axis=1))}),
    "standardize": Case(make_inputs=_standardize_inputs, reference=_standardize_reference,
                        outputs=("X_hat",), rtol=1e-7, atol=1e-9,
                        mistakes={EPS_OUTSIDE: lambda x, m, v, eps=1e-8: _scale(x, m, v, eps, True),
                                  NO_EPS: lambda x, m, v, eps=1e-8: (x - m) / np.sqrt(v),
                                  OWN_STATS: lambda x, m, v, eps=1e-8: normalize(x, (0,), eps)}),
    "train_test": Case(make_inputs=_train_test_inputs, reference=_train_test_reference,
                       outputs=("train_hat", "test_hat"), rtol=1e-6, atol=1e-8, uses=_PARTS_1_2,
                       mistakes={TEST_OWN: _train_test(test_own=True),
                                 POOLED: _train_test(stats_from=lambda tr, te: np.concatenate([tr, te])),
                                 UNBIASED: _train_test(ddof=1), EPS_OUTSIDE: _train_test(eps_outside=True)}),
    "standardizer": Case(make_inputs=_class_inputs, reference=_class_reference, call=_class_call,
                         outputs=("mean_", "var_", "transform(X_test)"), rtol=1e-6, atol=1e-8, uses=_PARTS_1_2,
                         mistakes={TEST_OWN: _standardizer(own_stats=True), UNBIASED: _standardizer(ddof=1),
                                   EPS_OUTSIDE: _standardizer(eps_outside=True),
                                   "eps is fixed at 0 instead of the eps argument": _standardizer(eps_used=0.0)}),
}
