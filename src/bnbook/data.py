"""Data sets that need no download: scikit-learn's bundled digits and generated data.

Everything here is deterministic under its ``seed``, so the book's figures and numbers
are the same on every build.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Split", "load_digits", "make_two_scale_regression"]


@dataclass(frozen=True)
class Split:
    """A train/test split. ``X_*`` are float64, ``y_*`` integer labels or float targets."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def load_digits(seed: int = 0, test_fraction: float = 0.25, images: bool = False) -> Split:
    """The 1,797 handwritten digits (8 x 8 pixels, 10 classes) bundled with scikit-learn.

    Pixels are scaled from 0..16 to 0..1 (a fixed scale, so no statistic of the test
    set leaks into training).

    Parameters
    ----------
    seed : int
        Seeds the shuffle before the split.
    test_fraction : float
    images : bool
        ``X`` of shape (N, 1, 8, 8) for convolutional nets instead of (N, 64).

    Returns
    -------
    Split
    """
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    X = bunch.data.astype(np.float64) / 16.0  # (1797, 64)
    y = bunch.target.astype(np.int64)  # (1797,)
    order = np.random.default_rng(seed).permutation(len(X))
    X, y = X[order], y[order]
    if images:
        X = X.reshape(-1, 1, 8, 8)
    n_test = int(round(test_fraction * len(X)))
    return Split(X[n_test:], y[n_test:], X[:n_test], y[:n_test])


def make_two_scale_regression(n: int = 200, scale_ratio: float = 100.0, noise: float = 0.1,
                              seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A linear regression whose two features live on scales ``scale_ratio`` apart.

    ``x1 ~ N(0, 1)``, ``x2 ~ N(0, scale_ratio**2)`` and ``y = w1 x1 + w2 x2 + noise``
    with weights chosen so both features matter equally to ``y``.

    Returns
    -------
    X : array, shape (n, 2)
    y : array, shape (n,)
    w_true : array, shape (2,)
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) * np.array([1.0, scale_ratio])
    w_true = np.array([2.0, -3.0 / scale_ratio])
    y = X @ w_true + noise * rng.normal(size=n)
    return X, y, w_true
