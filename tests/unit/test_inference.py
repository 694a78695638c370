"""bnbook.inference: running statistics, the eval-mode forward and backward, folding.

Against PyTorch in float64 where it has the operation, finite differences for the
backward, array_api_strict for the array API, and the chapter's identity for folding.
"""

from __future__ import annotations

import numpy as np
import pytest

from bnbook import inference as I
from bnbook import layers as L
from bnbook.gradcheck import numerical_gradient


def _bn_params(rng, c):
    return rng.normal(size=c), rng.uniform(0.2, 3.0, size=c), rng.normal(1.0, 0.5, size=c), rng.normal(size=c)


def test_unbiased_variance_is_numpys_ddof_1(rng):
    x = rng.normal(size=(7, 3))
    np.testing.assert_allclose(I.unbiased_variance(x.var(axis=0), 7), x.var(axis=0, ddof=1), rtol=1e-14)
    with pytest.raises(ValueError, match="m: expected at least 2"):
        I.unbiased_variance(x.var(axis=0), 1)


def test_running_average_directions():
    """momentum weighs the new batch (PyTorch); None is the plain mean of all batches so far."""
    assert I.running_average(0.0, 10.0, 0.1) == pytest.approx(1.0)
    values = [4.0, 8.0, 3.0]
    r = 123.0  # forgotten by the cumulative average
    for t, v in enumerate(values, start=1):
        r = I.running_average(r, v, None, num_batches=t)
    assert r == pytest.approx(np.mean(values), rel=1e-15)


def test_update_running_stats_matches_torch(rng, rel_err):
    torch = pytest.importorskip("torch")
    bn = torch.nn.BatchNorm1d(3, momentum=0.3).double()
    mean, var = np.zeros(3), np.ones(3)
    for step in range(4):
        x = rng.normal(step, 1 + step, size=(5, 3))
        bn(torch.tensor(x))
        mean, var = I.update_running_stats(mean, var, x.mean(axis=0), I.unbiased_variance(x.var(axis=0), 5), 0.3)
    assert rel_err(mean, bn.running_mean.numpy()) < 1e-13
    assert rel_err(var, bn.running_var.numpy()) < 1e-13


@pytest.mark.parametrize("shape", [(1, 4), (3, 4, 2, 5)])
def test_eval_forward_and_backward_match_torch(shape, rng, rel_err):
    torch = pytest.importorskip("torch")
    mean, var, gamma, beta = _bn_params(rng, shape[1])
    x, dy = rng.normal(size=shape), rng.normal(size=shape)
    xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    yt = torch.nn.functional.batch_norm(xt, torch.tensor(mean), torch.tensor(var), gt, bt, training=False, eps=1e-3)
    yt.backward(torch.tensor(dy))
    y = I.batch_norm_inference(x, mean, var, gamma, beta, eps=1e-3)
    grads = I.batch_norm_inference_backward(dy, x, mean, var, gamma, eps=1e-3)
    assert rel_err(y, yt.detach().numpy()) < 1e-13
    for got, t in zip(grads, (xt, gt, bt)):
        assert rel_err(got, t.grad.numpy()) < 1e-13


def test_eval_backward_matches_finite_differences(rng, rel_err):
    mean, var, gamma, beta = _bn_params(rng, 3)
    x, dy = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 2))
    dx, dgamma, dbeta = I.batch_norm_inference_backward(dy, x, mean, var, gamma)

    def loss(x=x, gamma=gamma, beta=beta):
        return float(np.sum(I.batch_norm_inference(x, mean, var, gamma, beta) * dy))

    assert rel_err(dx, numerical_gradient(lambda a: loss(x=a), x.copy())) < 1e-7
    assert rel_err(dgamma, numerical_gradient(lambda a: loss(gamma=a), gamma.copy())) < 1e-7
    assert rel_err(dbeta, numerical_gradient(lambda a: loss(beta=a), beta.copy())) < 1e-7


@pytest.mark.parametrize("bias", [True, False])
def test_folded_linear_equals_linear_then_eval_bn(bias, rng, rel_err):
    lin = L.Linear(5, 4, bias=bias, rng=rng)
    if bias:
        lin.b = rng.normal(size=4)
    mean, var, gamma, beta = _bn_params(rng, 4)
    x = rng.normal(size=(6, 5))
    expected = I.batch_norm_inference(lin.forward(x), mean, var, gamma, beta, eps=1e-2)
    W, b = I.fold_batch_norm(lin.W, lin.b, mean, var, gamma, beta, eps=1e-2)
    assert rel_err(x @ W + b, expected) < 1e-13


def test_folded_conv_equals_conv_then_eval_bn(rng, rel_err):
    conv = L.Conv2d(2, 3, 3, padding=1, rng=rng)
    conv.b = rng.normal(size=3)
    mean, var, gamma, beta = _bn_params(rng, 3)
    x = rng.normal(size=(2, 2, 5, 5))
    expected = I.batch_norm_inference(conv.forward(x), mean, var, gamma, beta)
    conv.W, conv.b = I.fold_batch_norm(conv.W, conv.b, mean, var, gamma, beta, channel_axis=0)
    assert rel_err(conv.forward(x), expected) < 1e-13


def test_fold_says_which_parameter_has_the_wrong_shape(rng):
    mean, var, gamma, beta = _bn_params(rng, 4)
    with pytest.raises(ValueError, match=r"running_mean: expected shape \(3,\) for weight of shape \(5, 3\)"):
        I.fold_batch_norm(rng.normal(size=(5, 3)), None, mean, var[:3], gamma[:3], beta[:3])


def test_array_api_strict_in_and_out(rng):
    strict = pytest.importorskip("array_api_strict")
    params = _bn_params(rng, 3)
    x, dy, W = rng.normal(size=(4, 3, 2)), rng.normal(size=(4, 3, 2)), rng.normal(size=(5, 3))
    expected = (I.batch_norm_inference(x, *params), *I.batch_norm_inference_backward(dy, x, *params[:3]),
                *I.fold_batch_norm(W, None, *params))
    s = [strict.asarray(a) for a in params]
    xs, dys, Ws = strict.asarray(x), strict.asarray(dy), strict.asarray(W)
    got = (I.batch_norm_inference(xs, *s), *I.batch_norm_inference_backward(dys, xs, *s[:3]),
           *I.fold_batch_norm(Ws, None, *s))
    for g, e in zip(got, expected):
        assert type(g) is type(xs)
        np.testing.assert_allclose(np.asarray(g), e, rtol=1e-14, atol=1e-15)
