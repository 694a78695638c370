"""Chapter 1's numerics: standardization, gradient descent on least squares, the sweep."""

import numpy as np
import pytest

from bnbook import functional as F
from bnbook.data import make_two_scale_regression
from bnbook.experiments import feature_scaling as fs


def test_standardize_matches_bn_normalization_and_sklearn():
    X = np.random.default_rng(1).normal(3.0, [0.5, 40.0], size=(50, 2))
    mean, std = fs.fit_standardizer(X)
    Z = fs.standardize(X, mean, std)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-12)
    x_hat, _ = F.normalize_over_axes(X, axes=(0,), eps=1e-12)
    np.testing.assert_allclose(Z, x_hat, rtol=1e-9)
    from sklearn.preprocessing import StandardScaler

    np.testing.assert_allclose(Z, StandardScaler().fit(X).transform(X), rtol=1e-12)


def test_fit_standardizer_rejects_a_constant_column():
    with pytest.raises(ValueError, match="constant"):
        fs.fit_standardizer(np.c_[np.arange(5.0), np.ones(5)])


def test_test_data_use_training_statistics():
    rng = np.random.default_rng(0)
    X_train, X_test = rng.normal(size=(40, 2)), rng.normal(5.0, 1.0, size=(10, 2))
    mean, std = fs.fit_standardizer(X_train)
    Z_test = fs.standardize(X_test, mean, std)
    np.testing.assert_allclose(Z_test, (X_test - X_train.mean(0)) / X_train.std(0))
    assert Z_test.mean() > 3  # the shift of the test data stays visible, as it should


def test_gradient_descent_reaches_least_squares_and_counts_like_the_closed_form():
    X, y, _ = make_two_scale_regression(n=100, scale_ratio=5.0, seed=3)
    H = fs.hessian(X)
    w_star = fs.least_squares(X, y)
    lr = 1.0 / np.linalg.eigvalsh(H)[-1]
    result = fs.gradient_descent(X, y, lr, np.zeros(2), max_steps=5000, tol=1e-6)
    assert result.converged_at is not None and not result.diverged
    np.testing.assert_allclose(result.path[-1], w_star, rtol=1e-2)
    # the stepwise run and the eigenbasis formula agree on the step count
    assert result.converged_at == fs.steps_to_converge(H, -w_star, lr, tol=1e-6)
    np.testing.assert_allclose(fs.excess_curve(H, -w_star, lr, np.arange(len(result.excess))),
                               result.excess, rtol=1e-7, atol=1e-14)
    # excess loss as reported equals L(w) - L* computed the long way
    t = 7
    direct = fs.mse(result.path[t], X, y) - fs.mse(w_star, X, y)
    np.testing.assert_allclose(result.excess[t], direct, rtol=1e-8)


def test_learning_rate_above_two_over_lambda_max_diverges():
    X, y, _ = make_two_scale_regression(n=100, scale_ratio=10.0, seed=0)
    lam_max = np.linalg.eigvalsh(fs.hessian(X))[-1]
    assert fs.gradient_descent(X, y, 2.05 / lam_max, np.zeros(2), 2000).diverged
    assert not fs.gradient_descent(X, y, 1.95 / lam_max, np.zeros(2), 2000).diverged
    assert fs.steps_to_converge(fs.hessian(X), -fs.least_squares(X, y), 2.05 / lam_max) == np.inf


def test_level_ellipse_lies_on_its_level():
    H = np.array([[3.0, 1.0], [1.0, 0.5]])
    c = np.array([1.0, -2.0])
    pts = fs.level_ellipse(H, c, level=0.7)
    d = pts - c
    np.testing.assert_allclose(0.5 * np.einsum("ni,ij,nj->n", d, H, d), 0.7, rtol=1e-12)


def test_sweep_raw_grows_with_ratio_standardized_does_not():
    s = fs.sweep_scale_ratio(ratios=(1, 10, 100), n=100)
    assert s.steps_raw[0] < s.steps_raw[1] < s.steps_raw[2]
    assert s.steps_raw[2] > 100 * s.steps_standardized[2]
    assert np.ptp(s.steps_standardized) == 0  # standardizing removes the ratio entirely
    np.testing.assert_allclose(s.kappa_raw[2] / s.kappa_raw[1], 100, rtol=0.2)  # kappa ~ ratio^2


def test_wine_features_have_scales_about_a_hundred_apart():
    w = fs.wine_regression()
    std = w.X_train.std(axis=0)
    assert 50 < std[1] / std[0] < 300
    assert len(w.X_train) + len(w.X_test) == 178


@pytest.mark.parametrize("ratio, lr", [(5.0, 0.03), (10.0, 0.0199), (10.0, 0.021), (30.0, 1e-4), (1.0, 1.0)])
def test_closed_form_run_equals_the_loop(ratio, lr):
    X, y, _ = make_two_scale_regression(n=80, scale_ratio=ratio, seed=2)
    loop = fs.gradient_descent(X, y, lr, np.zeros(2), max_steps=600)
    closed = fs.gradient_descent_closed_form(fs.hessian(X), fs.least_squares(X, y), np.zeros(2), lr, 600)
    assert (closed.converged_at, closed.diverged) == (loop.converged_at, loop.diverged)
    assert closed.path.shape == loop.path.shape
    np.testing.assert_allclose(closed.path, loop.path, rtol=1e-6, atol=1e-9)


def test_converged_means_the_excess_fell_below_tol_of_the_start():
    # chapter 1 quotes 1 / TOL as the convergence criterion of the explorer and the sweep
    X, y, _ = make_two_scale_regression(n=100, scale_ratio=10.0, seed=1)
    H, w_star = fs.hessian(X), fs.least_squares(X, y)
    run = fs.gradient_descent_closed_form(H, w_star, np.zeros(2), lr=0.015, max_steps=5000)
    t = run.converged_at
    assert t is not None and run.excess[t] <= fs.TOL * run.excess[0] < run.excess[t - 1]
    assert fs.steps_to_converge(H, -w_star, 0.015) == t
