"""Chapter 1 (``01_feature_scaling``): feature scaling and the error surface.

Least squares with a linear model, ``L(w) = ||X w - y||^2 / (2 n)``, is a quadratic bowl:
``L(w) = L* + (w - w*)^T H (w - w*) / 2`` with the Hessian ``H = X^T X / n``. Its contours
are ellipses whose axes follow the eigenvectors of ``H``; their lengths go as
``1 / sqrt(eigenvalue)``. Gradient descent with step ``lr`` is stable only for
``lr < 2 / lambda_max`` and needs about ``kappa = lambda_max / lambda_min`` steps per factor
``e`` of progress, so the condition number ``kappa`` decides how slow it is. Features on
scales ``r`` apart give ``kappa`` of order ``r**2``; standardizing them brings it near 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from bnbook.data import make_two_scale_regression

__all__ = [
    "fit_standardizer", "standardize", "hessian", "least_squares", "mse",
    "GDResult", "gradient_descent", "gradient_descent_closed_form", "steps_to_converge", "excess_curve", "best_steps",
    "level_ellipse", "sweep_scale_ratio", "wine_regression", "with_intercept", "TOL",
]

#: Gradient descent has converged when the excess loss is below this fraction of the starting one.
TOL = 1e-6


def fit_standardizer(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and (biased) standard deviation of ``X`` (n, d): what to store from training data."""
    mean = X.mean(axis=0)
    std = np.sqrt(((X - mean) ** 2).mean(axis=0))  # two passes, never E[x^2] - E[x]^2
    if np.any(std == 0):
        raise ValueError("fit_standardizer: a column of X is constant (std 0); drop it before scaling.")
    return mean, std


def standardize(X: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """``(X - mean) / std`` column by column, with statistics fitted on the *training* data."""
    return (X - mean) / std


def hessian(X: np.ndarray) -> np.ndarray:
    """Hessian ``X^T X / n`` of the mean squared error ``||X w - y||^2 / (2 n)`` (d, d)."""
    return X.T @ X / len(X)


def least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The minimizer ``w*`` of the mean squared error (d,)."""
    return np.linalg.lstsq(X, y, rcond=None)[0]


def mse(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``||X w - y||^2 / (2 n)`` for one ``w`` (d,) or many stacked as (..., d)."""
    r = np.asarray(w) @ X.T - y  # (..., n)
    return 0.5 * np.mean(r * r, axis=-1)


@dataclass(frozen=True)
class GDResult:
    """A gradient-descent run: the path of weights, the excess loss per step and the verdict."""

    path: np.ndarray  # (steps + 1, d), starting at w0
    excess: np.ndarray  # (steps + 1,), L(w_t) - L*
    converged_at: int | None  # first t with excess <= tol * excess[0], None if never
    diverged: bool


def gradient_descent(X: np.ndarray, y: np.ndarray, lr: float, w0: np.ndarray, max_steps: int,
                     tol: float = TOL, blow_up: float = 1e6) -> GDResult:
    """Plain gradient descent ``w <- w - lr * X^T (X w - y) / n`` on the mean squared error.

    Runs ``max_steps`` steps, or stops at convergence (excess loss below ``tol`` times the
    starting one) or when the excess loss grows past ``blow_up`` times the starting one.
    The gradient is formed from ``H = X^T X / n`` and ``b = X^T y / n`` once, so a step
    costs O(d^2) whatever n is.
    """
    H, b = hessian(X), X.T @ y / len(X)
    w_star = least_squares(X, y)
    loss_star = float(mse(w_star, X, y))
    w = np.array(w0, dtype=np.float64)
    path, excess = [w.copy()], [float(mse(w, X, y)) - loss_star]
    start = excess[0]
    converged_at, diverged = (0 if start <= 0 else None), False
    for t in range(1, max_steps + 1):
        if converged_at is not None:
            break
        w = w - lr * (H @ w - b)
        path.append(w.copy())
        # 0.5 (w - w*)^T H (w - w*) equals L(w) - L* exactly and does not lose digits to cancellation
        e = w - w_star
        excess.append(float(0.5 * e @ H @ e))
        if excess[-1] <= tol * start:
            converged_at = t
        elif not np.isfinite(excess[-1]) or excess[-1] > blow_up * start:
            diverged = True
            break
    return GDResult(np.array(path), np.array(excess), converged_at, diverged)


def gradient_descent_closed_form(H: np.ndarray, w_star: np.ndarray, w0: np.ndarray, lr: float,
                                 max_steps: int, tol: float = TOL, blow_up: float = 1e6) -> GDResult:
    """The same run as :func:`gradient_descent`, from the closed form of equation ch01-gd-error.

    ``w_t = w* + V diag((1 - lr lambda)^t) V^T (w0 - w*)`` for all ``t`` at once (vectorized), so
    the widget gets a 1,000-step path in well under a millisecond instead of a Python loop.
    Stops at the same step as the loop: convergence (excess <= ``tol`` * start) or blow-up.
    """
    lam, V = np.linalg.eigh(H)
    c0 = V.T @ (np.asarray(w0, dtype=np.float64) - w_star)  # error in the eigenbasis (d,)
    t = np.arange(max_steps + 1, dtype=np.float64)[:, None]
    with np.errstate(over="ignore", invalid="ignore"):
        c = c0 * (1.0 - lr * lam) ** t  # (T + 1, d)
        excess = 0.5 * np.sum(lam * c * c, axis=1)
    start = excess[0]
    if start <= 0:
        return GDResult(np.asarray(w0, dtype=np.float64)[None, :], excess[:1], 0, False)
    done = excess <= tol * start
    bad = ~np.isfinite(excess) | (excess > blow_up * start)
    first_done = int(np.argmax(done)) if done.any() else None
    first_bad = int(np.argmax(bad)) if bad.any() else None
    if first_done is not None and (first_bad is None or first_done < first_bad):
        end, converged_at, diverged = first_done, first_done, False
    elif first_bad is not None:
        end, converged_at, diverged = first_bad, None, True
    else:
        end, converged_at, diverged = max_steps, None, False
    path = w_star + c[:end + 1] @ V.T
    return GDResult(path, excess[:end + 1], converged_at, diverged)


def steps_to_converge(H: np.ndarray, e0: np.ndarray, lr: float, tol: float = TOL,
                      max_steps: int = 10**7) -> float:
    """Steps gradient descent needs on ``(w - w*)^T H (w - w*) / 2`` from ``w0 = w* + e0``.

    Exact, without running it: in the eigenbasis of ``H`` each component of the error
    shrinks by ``(1 - lr * lambda_i)`` per step, so the excess loss after ``t`` steps is
    ``sum_i lambda_i c_i^2 (1 - lr lambda_i)^(2t) / 2``. Returns ``inf`` when the step
    diverges (``lr >= 2 / lambda_max`` with that direction present) or needs more than
    ``max_steps``. (:func:`gradient_descent` runs the same thing step by step; a test
    checks that they agree.)
    """
    lam, V = np.linalg.eigh(H)
    c = V.T @ e0
    weight = 0.5 * lam * c * c  # contribution of each direction to the starting excess
    start = weight.sum()
    if start <= 0:
        return 0.0
    rho = np.abs(1.0 - lr * lam)
    active = weight > 1e-300
    if np.any(rho[active] >= 1.0):
        return np.inf

    def excess(t: int) -> float:
        return float(np.sum(weight * rho ** (2 * t)))

    if excess(max_steps) > tol * start:
        return np.inf
    lo, hi = 0, max_steps  # excess is decreasing in t: bisect for the first t below tol
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if excess(mid) <= tol * start else (mid, hi)
    return float(hi)


def excess_curve(H: np.ndarray, e0: np.ndarray, lr: float, steps: np.ndarray) -> np.ndarray:
    """Excess loss ``L(w_t) - L*`` after each of ``steps`` (any integers, e.g. log-spaced up to 1e8).

    The closed form of :func:`steps_to_converge`, ``sum_i lambda_i c_i^2 (1 - lr lambda_i)^(2t) / 2``:
    what :func:`gradient_descent` would record, without running millions of steps.
    """
    lam, V = np.linalg.eigh(H)
    c = V.T @ e0
    weight = 0.5 * lam * c * c
    t = np.asarray(steps, dtype=np.float64)[:, None]
    return np.sum(weight * np.abs(1.0 - lr * lam) ** (2.0 * t), axis=1)


def best_steps(H: np.ndarray, e0: np.ndarray, lrs: np.ndarray, tol: float = TOL,
               max_steps: int = 10**7) -> tuple[float, float]:
    """The fewest steps over the learning rates ``lrs`` and the learning rate that gave them."""
    steps = np.array([steps_to_converge(H, e0, lr, tol, max_steps) for lr in lrs])
    i = int(np.argmin(steps))
    return float(steps[i]), float(lrs[i])


def level_ellipse(H: np.ndarray, center: np.ndarray, level: float, n_points: int = 121) -> np.ndarray:
    """Points (n_points, 2) of the contour ``(w - center)^T H (w - center) / 2 = level``.

    With ``H = V diag(lam) V^T``, ``w = center + V diag(sqrt(2 level / lam)) [cos, sin]``:
    drawing contours as lines this way is exact and far cheaper than ``contour``.
    """
    lam, V = np.linalg.eigh(H)
    theta = np.linspace(0.0, 2.0 * np.pi, n_points)
    circle = np.stack([np.cos(theta), np.sin(theta)])  # (2, n_points)
    return (center[:, None] + V @ (np.sqrt(2.0 * level / lam)[:, None] * circle)).T


@dataclass(frozen=True)
class Sweep:
    """Steps to converge (best learning rate of a grid) against the ratio of feature scales."""

    ratios: np.ndarray
    steps_raw: np.ndarray
    steps_standardized: np.ndarray
    kappa_raw: np.ndarray
    kappa_standardized: np.ndarray
    lrs: np.ndarray


@cache
def sweep_scale_ratio(ratios: tuple[float, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
                      n: int = 200, tol: float = TOL, seed: int = 0) -> Sweep:
    """For each scale ratio, the fewest gradient-descent steps to converge, raw and standardized.

    Data from :func:`bnbook.data.make_two_scale_regression`; both runs start from ``w = 0``
    (the same predictions, hence the same starting loss) and each gets the best of 81
    learning rates from 1e-7 to 10 (log-spaced), so the comparison is not rigged by the step size.
    """
    lrs = np.logspace(-7, 1, 81)
    out = {k: [] for k in ("raw", "std", "kraw", "kstd")}
    for r in ratios:
        X, y, _ = make_two_scale_regression(n=n, scale_ratio=float(r), seed=seed)
        mean, std = fit_standardizer(X)
        for key, kkey, Z in (("raw", "kraw", X), ("std", "kstd", standardize(X, mean, std))):
            H = hessian(Z)
            lam = np.linalg.eigvalsh(H)
            e0 = -least_squares(Z, y)  # w0 = 0
            out[key].append(best_steps(H, e0, lrs, tol)[0])
            out[kkey].append(lam[-1] / lam[0])
    return Sweep(np.array(ratios, dtype=float), np.array(out["raw"]), np.array(out["std"]),
                 np.array(out["kraw"]), np.array(out["kstd"]), lrs)


@dataclass(frozen=True)
class WineRegression:
    """Alcohol content of wines against two measurements in different units (with an intercept)."""

    X_train: np.ndarray  # (n, 2): colour intensity (absorbance), proline (mg/L)
    y_train: np.ndarray  # alcohol (% vol)
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, str]


def wine_regression(seed: int = 0, test_fraction: float = 0.25) -> WineRegression:
    """Scikit-learn's bundled wine data (178 wines, no download), split into train and test.

    Colour intensity has a standard deviation near 2.3 absorbance units, proline near
    300 mg/L: two features on scales about a hundred apart, both related to alcohol.
    """
    from sklearn.datasets import load_wine

    bunch = load_wine()
    names = list(bunch.feature_names)
    cols = [names.index("color_intensity"), names.index("proline")]
    X = bunch.data[:, cols].astype(np.float64)
    y = bunch.data[:, names.index("alcohol")].astype(np.float64)
    order = np.random.default_rng(seed).permutation(len(X))
    X, y = X[order], y[order]
    n_test = int(round(test_fraction * len(X)))
    return WineRegression(X[n_test:], y[n_test:], X[:n_test], y[:n_test],
                          ("color_intensity", "proline"))


def with_intercept(X: np.ndarray) -> np.ndarray:
    """``[X, 1]``: a column of ones so the linear model has an intercept."""
    return np.hstack([X, np.ones((len(X), 1))])
