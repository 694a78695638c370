"""bnbook.layers: BatchNorm against torch.nn.BatchNorm2d, and gradient checks of the other layers."""

from __future__ import annotations

import numpy as np
import pytest

from bnbook import layers as L
from bnbook.gradcheck import numerical_gradient


def _finite_difference_check(layer, x, rng, rel_err, params=()):
    """Compare layer.backward with central differences of L = sum(layer(x) * R)."""
    upstream = rng.normal(size=layer.forward(x).shape)
    layer.forward(x)
    dx = layer.backward(upstream)

    def numerical(a):
        return numerical_gradient(lambda _a: float(np.sum(layer.forward(x) * upstream)), a)

    analytic = {"x": dx, **{p: layer.grads[p] for p in params}}
    for name, got in analytic.items():
        expected = numerical(x if name == "x" else getattr(layer, name))
        assert rel_err(got, expected) < 1e-6, f"{type(layer).__name__} d{name}: {rel_err(got, expected):.2e}"


@pytest.mark.parametrize(
    "make, shape, params",
    [
        (lambda rng: L.Linear(4, 3, rng=rng), (5, 4), ("W", "b")),
        (lambda rng: L.Conv2d(2, 3, 3, padding=1, rng=rng), (2, 2, 4, 4), ("W", "b")),
        (lambda rng: L.Conv2d(2, 2, 2, stride=2, rng=rng), (2, 2, 4, 4), ("W", "b")),
        (lambda rng: L.BatchNorm(3), (6, 3), ()),
        (lambda rng: L.LayerNorm(3), (4, 3), ()),
        (lambda rng: L.GroupNorm(2, 4), (2, 4, 2, 2), ()),
        (lambda rng: L.InstanceNorm(2), (2, 2, 3, 3), ()),
        (lambda rng: L.Sigmoid(), (4, 3), ()),
        (lambda rng: L.Tanh(), (4, 3), ()),
        (lambda rng: L.Flatten(), (2, 2, 3), ()),
    ],
)
def test_layer_backward_matches_finite_differences(make, shape, params, rng, rel_err):
    layer = make(rng)
    if hasattr(layer, "gamma"):
        layer.gamma[...] = rng.normal(size=layer.gamma.shape)
        params = ("gamma", "beta")
    _finite_difference_check(layer, rng.normal(size=shape), rng, rel_err, params)


def test_batchnorm_in_eval_mode_has_the_affine_backward(rng, rel_err):
    bn = L.BatchNorm(3)
    bn.running_mean, bn.running_var = rng.normal(size=3), rng.uniform(0.5, 2, size=3)
    bn.gamma[...] = rng.normal(size=3)
    bn.eval()
    _finite_difference_check(bn, rng.normal(size=(1, 3, 2, 2)), rng, rel_err, ("gamma", "beta"))


def test_softmax_cross_entropy_gradient(rng, rel_err):
    logits, labels = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
    loss, dlogits = L.softmax_cross_entropy(logits, labels)
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.mean(np.log(probs[np.arange(5), labels])))
    numerical = numerical_gradient(lambda z: L.softmax_cross_entropy(z, labels)[0], logits)
    assert rel_err(dlogits, numerical) < 1e-6


def test_new_batchnorm_state():
    bn = L.BatchNorm(4)
    assert bn.training
    np.testing.assert_array_equal(bn.gamma, np.ones(4))
    np.testing.assert_array_equal(bn.beta, np.zeros(4))
    np.testing.assert_array_equal(bn.running_mean, np.zeros(4))
    np.testing.assert_array_equal(bn.running_var, np.ones(4))


def test_batchnorm_says_which_channel_count_it_expected():
    with pytest.raises(ValueError, match=r"x: expected shape \(N, 4\).* got \(2, 3\)"):
        L.BatchNorm(4).forward(np.ones((2, 3)))


def test_sgd_with_momentum_matches_torch(rng, rel_err):
    torch = pytest.importorskip("torch")
    layer = L.Linear(3, 2, rng=rng)
    weight_t = torch.tensor(layer.W.copy(), requires_grad=True)
    opt_t = torch.optim.SGD([weight_t], lr=0.1, momentum=0.9, weight_decay=0.01)
    opt = L.SGD(L.Sequential(layer), lr=0.1, momentum=0.9, weight_decay=0.01)
    for _ in range(3):
        grad = rng.normal(size=layer.W.shape)
        layer.grads = {"W": grad, "b": np.zeros(2)}
        weight_t.grad = torch.tensor(grad)
        opt.step()
        opt_t.step()
    assert rel_err(layer.W, weight_t.detach().numpy()) < 1e-12


class TestAgainstTorchBatchNorm2d:
    """Running statistics after several steps, then eval output, against torch.nn.BatchNorm2d."""

    @pytest.mark.parametrize("momentum", [0.1, 0.3, None])
    def test_running_stats_and_eval_output(self, momentum, rng, rel_err):
        torch = pytest.importorskip("torch")
        ours = L.BatchNorm(3, eps=1e-5, momentum=momentum)
        theirs = torch.nn.BatchNorm2d(3, eps=1e-5, momentum=momentum).double()
        for step in range(5):
            x = rng.normal(loc=step, scale=1 + step, size=(4, 3, 5, 5))
            y = ours.forward(x)
            y_t = theirs(torch.tensor(x))
            assert rel_err(y, y_t.detach().numpy()) < 1e-9
        assert rel_err(ours.running_mean, theirs.running_mean.numpy()) < 1e-9
        assert rel_err(ours.running_var, theirs.running_var.numpy()) < 1e-9
        assert ours.num_batches_tracked == int(theirs.num_batches_tracked)

        ours.eval()
        theirs.eval()
        x = rng.normal(size=(1, 3, 5, 5))
        assert rel_err(ours.forward(x), theirs(torch.tensor(x)).detach().numpy()) < 1e-9

    def test_conv_and_linear_match_torch(self, rng, rel_err):
        torch = pytest.importorskip("torch")
        conv = L.Conv2d(2, 3, 3, stride=1, padding=1, rng=rng)
        x = rng.normal(size=(2, 2, 5, 5))
        expected = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(conv.W), torch.tensor(conv.b),
                                              padding=1)
        assert rel_err(conv.forward(x), expected.numpy()) < 1e-12
        lin = L.Linear(4, 3, rng=rng)
        x = rng.normal(size=(5, 4))
        expected = torch.nn.functional.linear(torch.tensor(x), torch.tensor(lin.W.T), torch.tensor(lin.b))
        assert rel_err(lin.forward(x), expected.numpy()) < 1e-12
