"""Chapter 6's pure functions: running estimates, recorded batch statistics, estimators, modes, folding."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from bnbook import layers as L
from bnbook import nets
from bnbook.experiments import inference as I


@pytest.fixture(scope="module")
def record():
    return I.train_recording_batch_stats()


def test_ema_conventions():
    v = np.array([[1.0], [3.0], [5.0]])
    np.testing.assert_allclose(I.ema(v, None, 123.0), [3.0])  # cumulative: plain mean, start ignored
    # PyTorch's momentum m is the weight of the new value: r = (1 - m) r + m v
    r = 0.0
    for x in (1.0, 3.0, 5.0):
        r = 0.9 * r + 0.1 * x
    np.testing.assert_allclose(I.ema(v, 0.1, 0.0), [r])


def test_running_trace_equals_feeding_a_batchnorm_layer():
    for momentum in (0.3, None):
        tr = I.running_trace(momentum, 5, steps=40, seed=2)
        rng = np.random.default_rng(2)
        bn = L.BatchNorm(1, momentum=momentum)
        for t in range(40):
            bn.forward(tr.true_mean[t] + np.sqrt(tr.true_var[t]) * rng.normal(size=(5, 1)))
            np.testing.assert_allclose(bn.running_mean[0], tr.running_mean[t], rtol=1e-12)
            np.testing.assert_allclose(bn.running_var[0], tr.running_var[t], rtol=1e-12)


def test_running_trace_is_the_layer_update():
    tr = I.running_trace(0.3, 4, steps=50, seed=1)
    np.testing.assert_allclose(tr.running_mean[-1], I.ema(tr.batch_mean[:, None], 0.3, 0.0)[0], rtol=1e-12)
    np.testing.assert_allclose(tr.running_var[-1], I.ema(tr.batch_var[:, None], 0.3, 1.0)[0], rtol=1e-12)
    cum = I.running_trace(None, 4, steps=50, seed=1)
    np.testing.assert_allclose(cum.running_mean[-1], cum.batch_mean.mean(), rtol=1e-12)
    true_mean, true_var = I.drift_curves(50)
    np.testing.assert_allclose(tr.true_mean, true_mean)
    assert true_mean[0] > 2.9 and true_var[0] > 3.9


def test_running_trace_tracks_the_truth_at_large_batch():
    tr = I.running_trace(0.1, 128)
    assert abs(tr.running_mean[-1] - tr.true_mean[-1]) < 0.05
    assert abs(tr.running_var[-1] / tr.true_var[-1] - 1) < 0.1


def test_recorded_stats_reproduce_running_stats(record):
    for bn, means, variances in zip(I.bn_layers(record.model), record.batch_means, record.batch_vars):
        assert means.shape == (record.epochs * record.steps_per_epoch, bn.num_features)
        assert record.steps_per_epoch == len(record.X_train) // record.batch_size
        np.testing.assert_allclose(I.ema(means, 0.1, 0.0), bn.running_mean, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(I.ema(variances, 0.1, 1.0), bn.running_var, rtol=1e-10)


def test_population_statistics_first_layer(record):
    model = copy.deepcopy(record.model)
    stats = I.population_statistics(model, record.X_train)
    z = record.X_train @ model.layers[0].W  # the first Linear has no bias (it feeds BN)
    np.testing.assert_allclose(stats[0][0], z.mean(axis=0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(stats[0][1], z.var(axis=0, ddof=1), rtol=1e-10)
    np.testing.assert_allclose(I.bn_layers(model)[0].running_var, stats[0][1])
    # the cached model was not touched
    assert not np.allclose(I.bn_layers(record.model)[0].running_var, stats[0][1])


def test_compare_estimators(record):
    res = {r.name: r for r in I.compare_estimators(record)}
    assert set(res) == {"ema_0.5", "ema_0.1", "ema_0.01", "cumulative", "late", "population"}
    assert res["population"].mean_error == 0 and res["population"].var_error == 0
    assert res["cumulative"].mean_error > res["ema_0.1"].mean_error  # stale early batches
    own = nets.accuracy(record.model, record.X_test, record.y_test)
    assert res["ema_0.1"].test_accuracy == pytest.approx(own)
    assert all(0.5 < r.test_accuracy <= 1 for r in res.values())


def test_mode_predictions(record):
    X, y = record.X_test[:64], record.y_test[:64]
    before = [bn.running_mean.copy() for bn in I.bn_layers(record.model)]
    p8, acc8 = I.mode_predictions(record.model, X, y, 8, "eval")
    p1, _ = I.mode_predictions(record.model, X, y, 1, "eval")
    np.testing.assert_allclose(p8, p1, rtol=1e-10)  # eval: independent of the batch
    t8, _ = I.mode_predictions(record.model, X, y, 8, "train")
    t8b, _ = I.mode_predictions(record.model, X, y, 8, "train", seed=1)
    assert np.max(np.abs(t8 - t8b)) > 1e-3  # train: depends on the batch companions
    assert I.mode_predictions(record.model, X, y, 1, "train") is None
    for bn, old in zip(I.bn_layers(record.model), before):
        np.testing.assert_array_equal(bn.running_mean, old)
    assert acc8 == pytest.approx(np.mean(nets.predict(record.model, X) == y))
    with pytest.raises(ValueError, match="mode"):
        I.mode_predictions(record.model, X, y, 8, "test")


def _randomize_bn(model, rng, X):
    model.train()
    for _ in range(3):
        model.forward(X[rng.permutation(len(X))[:16]])
    for bn in I.bn_layers(model):
        bn.gamma[:] = rng.normal(size=bn.gamma.shape)
        bn.beta[:] = rng.normal(size=bn.beta.shape)
    return model.eval()


def test_fold_batchnorm_mlp_and_cnn():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 64))
    mlp = _randomize_bn(nets.mlp((64, 20, 20, 10), norm="bn", seed=1), rng, X)
    folded = I.fold_batchnorm(mlp)
    assert not I.bn_layers(folded) and len(folded) == len(mlp) - 2
    np.testing.assert_allclose(folded.forward(X), mlp.forward(X), rtol=1e-10, atol=1e-10)
    Xi = rng.normal(size=(40, 1, 8, 8))
    cnn = _randomize_bn(nets.small_cnn(norm="bn", seed=2), rng, Xi)
    folded = I.fold_batchnorm(cnn)
    assert not I.bn_layers(folded)
    np.testing.assert_allclose(folded.forward(Xi), cnn.forward(Xi), rtol=1e-10, atol=1e-10)
    assert isinstance(folded.layers[0], L.Conv2d) and folded.layers[0].b is not None


def test_framework_conventions_against_torch():
    """The conversion table of chapter 6: PyTorch momentum m == 'old-weight' momentum 1 - m; unbiased variance."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    batches = [rng.normal(2.0, 3.0, size=(5, 4)) for _ in range(6)]
    tbn = torch.nn.BatchNorm1d(4, momentum=0.1, dtype=torch.float64)
    ours = L.BatchNorm(4, momentum=0.1)
    keras_mean, keras_var = np.zeros(4), np.ones(4)
    for b in batches:
        tbn(torch.from_numpy(b))
        ours.forward(b)
        keras_mean = 0.9 * keras_mean + (1 - 0.9) * b.mean(0)
        keras_var = 0.9 * keras_var + (1 - 0.9) * b.var(0, ddof=1)
    np.testing.assert_allclose(tbn.running_mean.numpy(), ours.running_mean, rtol=1e-12)
    np.testing.assert_allclose(tbn.running_var.numpy(), ours.running_var, rtol=1e-12)
    np.testing.assert_allclose(keras_mean, ours.running_mean, rtol=1e-12)
    np.testing.assert_allclose(keras_var, ours.running_var, rtol=1e-12)


def test_torch_freezing_claims():
    """Chapter 6's fine-tuning claim: requires_grad=False does not freeze the running statistics; eval() does."""
    torch = pytest.importorskip("torch")
    bn = torch.nn.BatchNorm1d(3)
    for p in bn.parameters():
        p.requires_grad_(False)
    x = torch.randn(8, 3) * 2 + 5
    bn(x)
    assert torch.all(bn.running_mean != 0)
    bn.eval()
    frozen = bn.running_mean.clone()
    bn(x)
    assert torch.equal(bn.running_mean, frozen)
    net = torch.nn.Sequential(torch.nn.Linear(3, 3), bn)
    net.train()
    assert bn.training
