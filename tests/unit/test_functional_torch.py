"""Parity of bnbook.functional with PyTorch (CPU, float64): y, dx, dgamma, dbeta.

The upstream gradient is random: with an all-ones dy the true dx of every
normalization is exactly zero, so such a test would pass for many wrong backwards.
"""

from __future__ import annotations

import pytest

from bnbook import functional as F

torch = pytest.importorskip("torch")

SHAPES = [(8, 5), (3, 7), (4, 6, 5, 5), (2, 4, 3, 7), (5, 3, 9), (2, 4, 3, 4, 5), (16, 8, 2, 2)]
TOLERANCE = 1e-9


def _torch_grads(torch_fn, x, gamma, beta, dy):
    """Run ``torch_fn(x, gamma, beta)`` with autograd; return (y, dx, dgamma, dbeta) as NumPy."""
    xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    yt = torch_fn(xt, gt, bt)
    yt.backward(torch.tensor(dy))
    return yt.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()


def _check(ours, theirs, rel_err):
    for name, a, b in zip(("y", "dx", "dgamma", "dbeta"), ours, theirs):
        assert rel_err(a, b) <= TOLERANCE, f"{name}: relative error {rel_err(a, b):.2e}"


def _inputs(rng, shape, param_shape):
    x = rng.normal(1.5, 2.0, size=shape)
    gamma = rng.normal(1.0, 0.5, size=param_shape)
    beta = rng.normal(0.0, 0.5, size=param_shape)
    dy = rng.normal(size=shape)
    return x, gamma, beta, dy


@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_matches_torch(shape, rng, rel_err):
    x, gamma, beta, dy = _inputs(rng, shape, (shape[1],))
    y, cache = F.batch_norm_forward(x, gamma, beta, eps=1e-5)
    ours = (y, *F.batch_norm_backward(dy, cache))
    theirs = _torch_grads(
        lambda xt, gt, bt: torch.nn.functional.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5),
        x, gamma, beta, dy,
    )
    _check(ours, theirs, rel_err)


@pytest.mark.parametrize("shape", SHAPES)
def test_layer_norm_matches_torch(shape, rng, rel_err):
    x, gamma, beta, dy = _inputs(rng, shape, shape[1:])
    y, cache = F.layer_norm_forward(x, gamma, beta, eps=1e-5)
    ours = (y, *F.layer_norm_backward(dy, cache))
    theirs = _torch_grads(
        lambda xt, gt, bt: torch.nn.functional.layer_norm(xt, shape[1:], gt, bt, eps=1e-5), x, gamma, beta, dy
    )
    _check(ours, theirs, rel_err)


@pytest.mark.parametrize("shape", [s for s in SHAPES if len(s) >= 3])
def test_instance_norm_matches_torch(shape, rng, rel_err):
    x, gamma, beta, dy = _inputs(rng, shape, (shape[1],))
    y, cache = F.instance_norm_forward(x, gamma, beta, eps=1e-5)
    ours = (y, *F.instance_norm_backward(dy, cache))
    theirs = _torch_grads(
        lambda xt, gt, bt: torch.nn.functional.instance_norm(xt, weight=gt, bias=bt, eps=1e-5), x, gamma, beta, dy
    )
    _check(ours, theirs, rel_err)


@pytest.mark.parametrize("shape,groups", [((8, 6), 3), ((4, 6, 5, 5), 2), ((2, 4, 3, 7), 4), ((5, 3, 9), 1),
                                          ((2, 4, 3, 4, 5), 2), ((16, 8, 2, 2), 4)])
def test_group_norm_matches_torch(shape, groups, rng, rel_err):
    x, gamma, beta, dy = _inputs(rng, shape, (shape[1],))
    y, cache = F.group_norm_forward(x, groups, gamma, beta, eps=1e-5)
    ours = (y, *F.group_norm_backward(dy, cache))
    theirs = _torch_grads(
        lambda xt, gt, bt: torch.nn.functional.group_norm(xt, groups, gt, bt, eps=1e-5), x, gamma, beta, dy
    )
    _check(ours, theirs, rel_err)


def test_batch_norm_inference_matches_torch_eval(rng, rel_err):
    x = rng.normal(size=(1, 4, 3, 3))  # a single example is fine at inference
    mean, var = rng.normal(size=4), rng.uniform(0.5, 2.0, size=4)
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    ours = F.batch_norm_inference(x, mean, var, gamma, beta, eps=1e-3)
    theirs = torch.nn.functional.batch_norm(
        *(torch.tensor(a) for a in (x, mean, var, gamma, beta)), training=False, eps=1e-3
    ).numpy()
    assert rel_err(ours, theirs) <= TOLERANCE
