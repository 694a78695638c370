"""bnbook.variants: RMSNorm, weight norm, spectral norm, batch renorm (chapter 9).

Backward passes are checked by central finite differences on a random (never all-ones)
upstream gradient; forward passes against PyTorch in float64 where PyTorch has the method.
"""

import numpy as np
import pytest

from bnbook import functional as F
from bnbook import variants as V
from bnbook.gradcheck import numerical_gradient


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ---- RMSNorm -------------------------------------------------------------------------

def test_rms_norm_has_unit_rms_and_keeps_the_mean_direction(rng):
    x = rng.normal(3.0, 2.0, size=(5, 7))
    y, _ = V.rms_norm_forward(x, np.ones(7), eps=1e-12)
    np.testing.assert_allclose(np.sqrt(np.mean(y ** 2, axis=1)), 1.0, rtol=1e-10)
    # Unlike layer norm the mean is not removed: a positive-mean row stays positive-mean.
    assert np.all(y.mean(axis=1) > 0.5)
    np.testing.assert_allclose(y * np.sqrt(np.mean(x ** 2, axis=1, keepdims=True)), x, rtol=1e-10)


def test_rms_norm_backward_matches_finite_differences(rng):
    x = rng.normal(size=(3, 4, 5))
    gamma = rng.normal(size=(4, 5))
    dy = rng.normal(size=x.shape)
    y, cache = V.rms_norm_forward(x, gamma, eps=1e-3)
    dx, dgamma = V.rms_norm_backward(dy, cache)
    loss = lambda: float(np.sum(V.rms_norm_forward(x, gamma, eps=1e-3)[0] * dy))
    np.testing.assert_allclose(dx, numerical_gradient(lambda _changed: loss(), x), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(dgamma, numerical_gradient(lambda _changed: loss(), gamma), rtol=1e-5, atol=1e-8)


def test_rms_norm_rejects_bad_input(rng):
    with pytest.raises(ValueError, match="gamma"):
        V.rms_norm_forward(rng.normal(size=(2, 3)), np.ones(4))
    with pytest.raises(ValueError, match="eps"):
        V.rms_norm_forward(rng.normal(size=(2, 3)), np.ones(3), eps=0.0)


def test_rms_norm_matches_torch(rng):
    torch = pytest.importorskip("torch")
    x = rng.normal(1.0, 3.0, size=(4, 6, 8))
    gamma = rng.normal(size=(8,))
    dy = rng.normal(size=x.shape)
    xt = torch.tensor(x, requires_grad=True)
    gt = torch.tensor(gamma, requires_grad=True)
    yt = torch.nn.functional.rms_norm(xt, (8,), gt, eps=1e-5)
    yt.backward(torch.tensor(dy))
    y, cache = V.rms_norm_forward(x, gamma, eps=1e-5)
    dx, dgamma = V.rms_norm_backward(dy, cache)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dgamma, gt.grad.numpy(), rtol=1e-10, atol=1e-12)


# ---- weight normalization --------------------------------------------------------------

def test_weight_norm_rows_have_length_g(rng):
    v = rng.normal(size=(4, 3, 2, 2))
    g = rng.uniform(0.5, 2.0, size=4)
    w = V.weight_norm(v, g)
    np.testing.assert_allclose(np.linalg.norm(w.reshape(4, -1), axis=1), g, rtol=1e-12)
    # Scaling v does not change w: only its direction matters.
    np.testing.assert_allclose(V.weight_norm(7.5 * v, g), w, rtol=1e-12)


def test_weight_norm_backward_matches_finite_differences_and_is_orthogonal_to_v(rng):
    v = rng.normal(size=(3, 5))
    g = rng.normal(size=3)
    dw = rng.normal(size=v.shape)
    dv, dg = V.weight_norm_backward(dw, v, g)
    loss = lambda: float(np.sum(V.weight_norm(v, g) * dw))
    np.testing.assert_allclose(dv, numerical_gradient(lambda _changed: loss(), v), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(dg, numerical_gradient(lambda _changed: loss(), g), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(np.sum(dv * v, axis=1), 0.0, atol=1e-12)


def test_weight_norm_rejects_wrong_g(rng):
    with pytest.raises(ValueError, match="g: expected shape"):
        V.weight_norm(rng.normal(size=(3, 5)), np.ones(5))


def test_weight_norm_matches_torch(rng):
    torch = pytest.importorskip("torch")
    v = rng.normal(size=(4, 3, 3, 3))
    g = rng.normal(size=4)
    dw = rng.normal(size=v.shape)
    vt = torch.tensor(v, requires_grad=True)
    gt = torch.tensor(g.reshape(4, 1, 1, 1), requires_grad=True)
    wt = torch._weight_norm(vt, gt, 0)
    wt.backward(torch.tensor(dw))
    dv, dg = V.weight_norm_backward(dw, v, g)
    np.testing.assert_allclose(V.weight_norm(v, g), wt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dv, vt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dg, gt.grad.numpy().reshape(4), rtol=1e-10, atol=1e-12)


# ---- spectral normalization ----------------------------------------------------------

def test_power_iteration_converges_to_the_largest_singular_value(rng):
    w = rng.normal(size=(6, 9))
    top = np.linalg.svd(w, compute_uv=False)[0]
    v = rng.normal(size=9)
    sigma_1, _, v1 = V.power_iteration(w, v, n_iter=1)
    sigma_100, _, _ = V.power_iteration(w, v1, n_iter=100)
    assert sigma_1 <= top + 1e-12  # u^T W v with unit u, v never exceeds the top singular value
    np.testing.assert_allclose(sigma_100, top, rtol=1e-8)
    w_sn, sigma, _ = V.spectral_norm(w, v, n_iter=200)
    np.testing.assert_allclose(np.linalg.svd(w_sn, compute_uv=False)[0], 1.0, rtol=1e-8)


def test_power_iteration_rejects_zero_steps(rng):
    with pytest.raises(ValueError, match="n_iter"):
        V.power_iteration(np.eye(2), np.ones(2), n_iter=0)


def test_spectral_norm_matches_torch_step_for_step(rng):
    torch = pytest.importorskip("torch")
    from torch.nn.utils.parametrizations import spectral_norm

    w = rng.normal(size=(5, 3, 2, 2))
    conv = torch.nn.Conv2d(3, 5, 2, bias=False).double()
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(w))
    conv = spectral_norm(conv, n_power_iterations=2)
    v0 = rng.normal(size=12)
    v0 /= np.linalg.norm(v0)
    param = conv.parametrizations.weight
    with torch.no_grad():
        param[0]._v.copy_(torch.tensor(v0))
    conv.train()
    w_torch = conv.weight.detach().numpy()  # one forward = 2 power-iteration steps from v0
    w_sn, sigma, v = V.spectral_norm(w, v0, n_iter=2)
    np.testing.assert_allclose(w_sn, w_torch, rtol=1e-10)
    np.testing.assert_allclose(v, param[0]._v.numpy(), rtol=1e-10)
    assert sigma < np.linalg.svd(w.reshape(5, -1), compute_uv=False)[0]  # 2 steps: not yet converged


# ---- batch renormalization -----------------------------------------------------------

def test_batch_renorm_without_room_is_batch_norm(rng):
    x = rng.normal(2.0, 3.0, size=(6, 4, 3, 3))
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    y, cache = V.batch_renorm_forward(x, gamma, beta, rng.normal(size=4), rng.uniform(1, 2, 4),
                                      r_max=1.0, d_max=0.0)
    y_bn, bn_cache = F.batch_norm_forward(x, gamma, beta)
    np.testing.assert_allclose(y, y_bn, rtol=1e-12, atol=1e-12)
    dy = rng.normal(size=x.shape)
    for ours, theirs in zip(V.batch_renorm_backward(dy, cache), F.batch_norm_backward(dy, bn_cache)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_batch_renorm_unclipped_equals_inference_output(rng):
    x = rng.normal(0.5, 2.0, size=(4, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    mean, var = x.mean(axis=0) + 0.1, x.var(axis=0) * 1.3
    y, cache = V.batch_renorm_forward(x, gamma, beta, mean, var, r_max=10.0, d_max=10.0)
    np.testing.assert_allclose(y, F.batch_norm_inference(x, mean, var, gamma, beta), rtol=1e-10)
    assert not np.allclose(cache.r, 1.0) and not np.allclose(cache.d, 0.0)


def test_batch_renorm_clips_r_and_d(rng):
    x = rng.normal(10.0, 5.0, size=(8, 2))
    _, cache = V.batch_renorm_forward(x, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2),
                                      r_max=2.0, d_max=1.5)
    np.testing.assert_allclose(cache.r, 2.0)
    np.testing.assert_allclose(cache.d, 1.5)


def test_batch_renorm_backward_matches_finite_differences_with_r_d_fixed(rng):
    x = rng.normal(size=(5, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    mean, var = rng.normal(size=3), rng.uniform(0.5, 2.0, size=3)
    dy = rng.normal(size=x.shape)
    _, cache = V.batch_renorm_forward(x, gamma, beta, mean, var)
    dx, dgamma, dbeta = V.batch_renorm_backward(dy, cache)
    r, d = cache.r, cache.d

    def loss():  # the same function with r and d frozen at their values (stop-gradient)
        mu = x.mean(axis=0, keepdims=True)
        x_hat = (x - mu) / np.sqrt(x.var(axis=0, keepdims=True) + 1e-5)
        return float(np.sum((gamma * (x_hat * r + d) + beta) * dy))

    np.testing.assert_allclose(dx, numerical_gradient(lambda _changed: loss(), x), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(dgamma, numerical_gradient(lambda _changed: loss(), gamma), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(dbeta, numerical_gradient(lambda _changed: loss(), beta), rtol=1e-5, atol=1e-8)


def test_batch_renorm_rejects_bad_limits(rng):
    with pytest.raises(ValueError, match="r_max"):
        V.batch_renorm_forward(rng.normal(size=(4, 2)), np.ones(2), np.zeros(2), np.zeros(2),
                               np.ones(2), r_max=0.5)
