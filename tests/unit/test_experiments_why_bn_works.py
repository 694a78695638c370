"""The experiments of chapter 8 measure what they claim, on small sizes."""

import numpy as np
import pytest

from bnbook import functional as F
from bnbook import layers as L
from bnbook import nets
from bnbook.experiments import why_bn_works as E


def _batch(n=32, seed=0):
    split = E._digits()
    return split.X_train[:n], split.y_train[:n]


def test_noisy_shift_is_a_random_affine_map_in_training_and_identity_in_eval():
    layer = E.NoisyShift(5, scale_noise=1.0, shift_noise=0.5, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(4, 5))
    y1, y2 = layer.forward(x), layer.forward(x)
    assert not np.allclose(y1, y2)  # new noise every step
    dy = np.random.default_rng(2).normal(size=(4, 5))
    np.testing.assert_allclose(layer.backward(dy), dy * layer._scale)
    assert np.all((layer._scale >= 1) & (layer._scale <= 2))
    layer.eval()
    np.testing.assert_array_equal(layer.forward(x), x)


def test_noisy_bn_mlp_puts_noise_right_after_each_bn():
    model = E.noisy_bn_mlp(seed=0)
    kinds = [type(m).__name__ for m in model.layers]
    assert kinds.count("NoisyShift") == 2
    for i, m in enumerate(model.layers):
        if isinstance(m, L.BatchNorm):
            assert isinstance(model.layers[i + 1], E.NoisyShift)


def test_probe_matches_a_direct_computation_and_restores_the_model():
    X, y = _batch(48)
    model = nets.mlp((64, 16, 10), norm="bn", seed=3)
    bn = model.layers[1]
    W0, mean0 = model.layers[0].W.copy(), bn.running_mean.copy()
    etas = np.array([0.1, 0.5])
    loss0, g, losses, changes = E.probe_model(model, X, y, etas)
    np.testing.assert_array_equal(model.layers[0].W, W0)
    assert bn.num_batches_tracked == 1  # only the training step's own pass counts
    # direct: a fresh copy of the net, weights moved by hand
    for eta, want_loss, want_change in zip(etas, losses, changes):
        other = nets.mlp((64, 16, 10), norm="bn", seed=3)
        for (layer, name), gi in zip(other.parameters(), g):
            getattr(layer, name)[...] -= eta * gi
        loss, dlog = L.softmax_cross_entropy(other.forward(X), y)
        other.backward(dlog)
        g_eta = [layer.grads[name] for layer, name in other.parameters()]
        assert loss == pytest.approx(want_loss)
        assert np.sqrt(sum(np.sum((a - b) ** 2) for a, b in zip(g_eta, g))) == pytest.approx(want_change)
    assert mean0.shape == bn.running_mean.shape


def test_gradient_probes_shapes_and_derived_quantities():
    p = E.gradient_probes("bn", epochs=1, every=10, etas=(0.1, 0.4))
    assert p.loss.shape == (len(p.steps), 2) and p.steps[0] == 0 and p.steps[1] == 10
    np.testing.assert_allclose(p.loss_range, p.loss.max(1) - p.loss.min(1))
    np.testing.assert_allclose(p.smoothness, np.maximum(p.grad_change[:, 0] / (0.1 * p.grad_norm),
                                                        p.grad_change[:, 1] / (0.4 * p.grad_norm)))
    assert set(p.best_eta) <= {0.1, 0.4}


def test_bn_makes_the_landscape_along_the_gradient_smoother():
    plain, bn = E.gradient_probes(None, epochs=1, every=5), E.gradient_probes("bn", epochs=1, every=5)
    assert np.median(bn.loss_range) < np.median(plain.loss_range)
    assert np.median(bn.smoothness) < np.median(plain.smoothness)


def test_scale_invariance_and_orthogonal_gradient():
    rng = np.random.default_rng(0)
    x, W = rng.normal(size=(16, 8)), rng.normal(size=(8, 4))
    dy = rng.normal(size=(16, 4))
    g1 = np.ones(4)
    y1, c1 = F.batch_norm_forward(x @ W, g1, np.zeros(4), eps=1e-12)
    y3, c3 = F.batch_norm_forward(x @ (3 * W), g1, np.zeros(4), eps=1e-12)
    np.testing.assert_allclose(y1, y3, atol=1e-9)
    gW1 = x.T @ F.batch_norm_backward(dy, c1)[0]
    gW3 = x.T @ F.batch_norm_backward(dy, c3)[0]
    np.testing.assert_allclose(gW3, gW1 / 3, rtol=1e-8)
    np.testing.assert_allclose(np.sum(W * gW1, axis=0), 0, atol=1e-8)
    pred = E.weight_norm_growth(np.array([2.0]), 0.5, np.array([1.0, 2.0]))
    np.testing.assert_allclose(pred, [2.0, 2.25, 3.25])


def test_filter_normalized_direction_matches_unit_norms():
    model = nets.mlp((64, 16, 10), norm="bn", seed=0)
    d = E.filter_normalized_direction(model, np.random.default_rng(0))
    for (layer, name), di in zip(model.parameters(), d):
        p = getattr(layer, name)
        if isinstance(layer, L.Linear) and name == "W":
            np.testing.assert_allclose(np.linalg.norm(di, axis=0), np.linalg.norm(p, axis=0))
        else:
            assert not di.any()


def test_loss_slice_at_zero_is_the_loss_and_restores_the_weights():
    X, y = _batch(64)
    model = nets.mlp((64, 16, 10), norm="bn", seed=0)
    W0 = model.layers[0].W.copy()
    model.eval()
    s = E.loss_slice(model, X, y, np.array([-0.5, 0.0, 0.5]))
    model.train()
    want = L.softmax_cross_entropy(model.forward(X), y)[0]
    assert s[1] == pytest.approx(want)
    assert s[0] != pytest.approx(want)
    np.testing.assert_array_equal(model.layers[0].W, W0)
    grid = E.loss_slice(model, X, y, np.array([0.0, 0.3]), np.array([0.0, 0.2, 0.4]))
    assert grid.shape == (3, 2) and grid[0, 0] == pytest.approx(want)


def test_gradient_probes_record_their_training_settings():
    p = E.gradient_probes(None, lr=0.05, epochs=1, batch_size=128, every=3, etas=(0.1,))
    assert (p.lr, p.batch_size, p.epochs) == (0.05, 128, 1)
    assert p.steps[1] - p.steps[0] == 3
