"""Chapter 2's numerics: recording pre-activations, the centring demo, batch-mean noise."""

import numpy as np

from bnbook import layers as L
from bnbook.data import load_digits
from bnbook.experiments import covariate_shift as cs
from bnbook.nets import mlp

SMALL = dict(epochs=2, every=7, probe_size=64, bins=20)


def test_hidden_preactivations_match_the_layers_and_leave_bn_state_alone():
    X = load_digits().X_test[:32]
    model = mlp((64, 20, 20, 10), norm="bn", activation="sigmoid", seed=1)
    bn = model.layers[1]
    running = bn.running_mean.copy()
    z, pre = cs.hidden_preactivations(model, X)
    assert np.array_equal(bn.running_mean, running) and bn.num_batches_tracked == 0
    # against the layers themselves in training mode (which would update the running stats)
    h = X
    expected_pre = []
    for layer in model.layers[:-1]:
        if isinstance(layer, L.Sigmoid):
            expected_pre.append(h)
        h = layer.forward(h)
    for got, want in zip(pre, expected_pre):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(pre[0].mean(axis=0), 0.0, atol=1e-12)  # BN output: mean beta = 0
    np.testing.assert_allclose(z[0], X @ model.layers[0].W, rtol=1e-12)


def test_record_training_snapshots_are_what_the_model_computes():
    rec = cs.record_training(None, **SMALL)
    assert rec.steps[0] == 0 and np.all(np.diff(rec.steps) == 7)
    # step 0 is the untrained model: recompute its histogram from scratch
    data = load_digits(seed=0)
    model = mlp((64, 100, 100, 100, 10), activation="sigmoid", init_std=1.0, seed=0)
    _, pre = cs.hidden_preactivations(model, data.X_test[:64])
    counts, _ = np.histogram(pre[2].ravel(), bins=rec.bin_edges)
    np.testing.assert_allclose(rec.hist[0, 2] * pre[2].size * np.diff(rec.bin_edges), counts)
    np.testing.assert_allclose(rec.percentiles[0, 2, 5], np.percentile(pre[2][:, 5], [15, 50, 85]))
    # training moved the distribution (the recording is not frozen at step 0)
    assert np.abs(rec.mean[-1] - rec.mean[0]).max() > 0.05


def test_bn_pins_the_pre_activation_statistics_to_beta_and_gamma():
    rec = cs.record_training("bn", **SMALL)
    np.testing.assert_allclose(rec.mean[0], 0.0, atol=1e-10)
    np.testing.assert_allclose(rec.std[0], 1.0, rtol=1e-3)
    plain = cs.record_training(None, **SMALL)
    # the plain net's units drift further than the BN outputs do
    assert np.median(cs.unit_drift(plain.mean, plain.std)) > np.median(cs.unit_drift(rec.mean, rec.std))


def test_unit_drift_formula():
    mean = np.array([[[0.0, 1.0]], [[0.5, -1.0]]])
    std = np.array([[[2.0, 4.0]], [[9.0, 9.0]]])
    np.testing.assert_allclose(cs.unit_drift(mean, std), [[0.25, 0.5]])


def test_ignoring_the_mean_in_the_gradient_makes_b_drift_without_changing_the_loss():
    ignored = cs.ignore_normalization_demo(steps=20)
    through = cs.ignore_normalization_demo(steps=20, through_mean=True)
    assert np.all(np.diff(ignored["b"]) > 0) or np.all(np.diff(ignored["b"]) < 0)
    np.testing.assert_allclose(np.diff(ignored["b"]), np.diff(ignored["b"])[0])  # same step every time
    np.testing.assert_allclose(ignored["loss"], ignored["loss"][0], rtol=1e-12)
    np.testing.assert_allclose(through["b"], 0.0)


def test_batch_mean_error_follows_one_over_sqrt_m():
    z = np.random.default_rng(0).normal(3.0, 2.0, size=(4000, 5))
    err = cs.batch_mean_error(z, (4, 16, 64), draws=300)
    np.testing.assert_allclose(err, 1 / np.sqrt([4, 16, 64]), rtol=0.1)


def test_record_settings_are_the_arguments_the_run_used():
    rec = cs.record_training(None, **SMALL)
    s = rec.settings
    assert (s["every"], s["epochs"], s["probe_size"]) == (7, 2, 64)
    assert s["hidden"] == (100, 100, 100) and s["init_std"] == 1.0 and s["momentum"] == 0.9
    n_train = len(load_digits(seed=0).X_train)
    assert len(rec.step_loss) == s["epochs"] * (n_train // s["batch_size"])  # full batches only
    assert len(rec.test_accuracy) == s["epochs"]
    # the momentum the chapter quotes is the one the optimizer used
    no_momentum = cs.record_training(None, momentum=0.0, **SMALL)
    assert no_momentum.settings["momentum"] == 0.0
    assert not np.allclose(no_momentum.step_loss[5:], rec.step_loss[5:])
