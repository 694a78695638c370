"""Chapter 5's pure functions: the staged backward, the gradient paths, the Jacobian, the scale sweep."""

from __future__ import annotations

import numpy as np
import pytest

from bnbook import functional as F
from bnbook.experiments import backprop as B


@pytest.fixture
def batch():
    rng = np.random.default_rng(5)
    x = rng.normal(1.0, 2.0, size=(6, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    dy = rng.normal(size=(6, 3))
    return x, gamma, beta, dy


def test_staged_backward_matches_package(batch):
    x, gamma, beta, dy = batch
    gp = B.staged_backward(x, gamma, beta, dy)
    y, cache = F.batch_norm_forward(x, gamma, beta)
    dx, dgamma, dbeta = F.batch_norm_backward(dy, cache)
    np.testing.assert_allclose(gp.values["y"], y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gp.grads["x"], dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gp.grads["gamma"], dgamma, rtol=1e-12)
    np.testing.assert_allclose(gp.grads["beta"], dbeta, rtol=1e-12)
    assert set(gp.values) == set(gp.grads) == set(B.NODES)


def test_staged_node_gradients_match_finite_differences(batch):
    """Each intermediate's gradient, checked by perturbing that node with the rest of the graph downstream."""
    x, gamma, beta, dy = batch
    gp = B.staged_backward(x, gamma, beta, dy)
    v = gp.values
    eps = 1e-5
    # downstream of var: L(var) = sum(dy * (gamma * xc / sqrt(var + eps) + beta)) with xc fixed
    num = B.numerical_gradient(lambda var: float(np.sum(dy * (gamma * v["xc"] / np.sqrt(var + eps) + beta))),
                               v["var"].copy())
    assert B.relative_error(gp.grads["var"], num) < 1e-7
    # downstream of mu: xc = x - mu, var = mean(xc^2), y = gamma * xc / sqrt(var + eps) + beta
    def loss_mu(mu):
        xc = x - mu
        return float(np.sum(dy * (gamma * xc / np.sqrt((xc**2).mean(0) + eps) + beta)))
    num = B.numerical_gradient(loss_mu, v["mu"].copy())
    # mu enters var only through mean(x - mu), whose derivative vanishes at the mean: the same value
    assert B.relative_error(gp.grads["mu"], num) < 1e-6


def test_paths_sum_to_dx_and_each_path_matters(batch):
    x, gamma, _, dy = batch
    paths = B.dx_paths(x, gamma, dy)
    _, cache = F.batch_norm_forward(x, gamma, np.zeros(3))
    dx = F.batch_norm_backward(dy, cache)[0]
    np.testing.assert_allclose(paths["total"], dx, rtol=1e-10, atol=1e-12)
    for name in ("via_mean", "via_var"):
        assert np.max(np.abs(paths[name])) > 1e-3, f"the {name} path should not vanish for random dy"
    # the mean path is the same for every example of a channel
    np.testing.assert_allclose(paths["via_mean"], np.broadcast_to(paths["via_mean"][0], x.shape))


def test_numerical_gradient_of_package_bn(batch):
    x, gamma, beta, dy = batch
    dx = F.batch_norm_backward(dy, F.batch_norm_forward(x, gamma, beta)[1])[0]
    num = B.numerical_gradient(lambda z: float(np.sum(dy * F.batch_norm_forward(z, gamma, beta)[0])), x.copy())
    assert B.relative_error(dx, num) < 1e-7
    # a wrong gradient (statistics treated as constants) is caught by the same check
    naive = dy * gamma / np.sqrt(x.var(0) + 1e-5)
    assert B.relative_error(naive, num) > 1e-2


def test_all_ones_upstream_gives_zero_dx(batch):
    x, gamma, beta, _ = batch
    gp = B.staged_backward(x, gamma, beta, np.ones_like(x))
    assert np.max(np.abs(gp.grads["x"])) < 1e-12
    np.testing.assert_allclose(gp.grads["beta"], x.shape[0])


def test_jacobian_properties():
    x = np.array([0.5, -1.0, 2.0, 3.5, 0.0])
    J = B.normalization_jacobian(x)
    np.testing.assert_allclose(J, J.T, atol=1e-12)
    np.testing.assert_allclose(J.sum(axis=1), 0, atol=1e-12)  # shifting every x changes nothing
    inv_std = 1 / np.sqrt(x.var() + 1e-5)
    x_hat = (x - x.mean()) * inv_std
    closed = inv_std * (np.eye(5) - 1 / 5 - np.outer(x_hat, x_hat) / 5)
    np.testing.assert_allclose(J, closed, rtol=1e-10, atol=1e-12)


def test_weight_scale_sweep_invariance():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 8))
    y = rng.integers(0, 3, size=32)
    sweep = B.weight_scale_sweep(X, y, np.array([0.5, 1.0, 4.0]), hidden=6)
    np.testing.assert_allclose(sweep.loss, sweep.loss[1], rtol=1e-4)
    np.testing.assert_allclose(sweep.grad_norm * sweep.scales, sweep.grad_norm[1], rtol=1e-3)
    assert np.all(np.abs(sweep.cosine) < 1e-3)


def test_relative_error_zero_and_scale():
    assert B.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert B.relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 2.2)
