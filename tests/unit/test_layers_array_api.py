"""Layers and nets on array_api_strict, the stand-in for CuPy in CI: ``model.to(xp)`` moves a
model, it then computes in that library with NumPy's numbers, and refuses inputs from another."""

from __future__ import annotations

import numpy as np
import pytest

from bnbook import data, nets
from bnbook import layers as L
from bnbook.arrays import to_namespace, to_numpy

strict = pytest.importorskip("array_api_strict")
STRICT = type(strict.asarray(1.0))


def _arrays(model):
    """Every parameter and buffer of a Sequential that is set, as (name, array)."""
    return [(f"{type(layer).__name__}.{name}", getattr(layer, name))
            for layer in model.layers for name in (*layer.param_names, *layer.buffer_names)
            if getattr(layer, name) is not None]


LAYERS = {
    "linear": (lambda: L.Linear(4, 3, rng=np.random.default_rng(1)), (5, 4)),
    "conv_pad": (lambda: L.Conv2d(2, 3, 3, padding=1, rng=np.random.default_rng(1)), (2, 2, 5, 5)),
    "conv_stride": (lambda: L.Conv2d(2, 2, 2, stride=2, bias=False, rng=np.random.default_rng(1)), (2, 2, 4, 4)),
    "relu": (L.ReLU, (4, 3)),
    "sigmoid": (L.Sigmoid, (4, 3)),
    "tanh": (L.Tanh, (4, 3)),
    "flatten": (L.Flatten, (2, 2, 3)),
    "dropout": (lambda: L.Dropout(0.3, rng=np.random.default_rng(2)), (6, 5)),
    "batchnorm": (lambda: L.BatchNorm(3), (6, 3, 2)),
    "layernorm": (lambda: L.LayerNorm((3, 2)), (4, 3, 2)),
    "groupnorm": (lambda: L.GroupNorm(2, 4), (2, 4, 3)),
    "instancenorm": (lambda: L.InstanceNorm(2), (2, 2, 3, 3)),
}


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_on_strict_matches_numpy(name, mode, rng):
    make, shape = LAYERS[name]
    ours, ref = L.Sequential(make()), L.Sequential(make())
    assert ours.to(strict) is ours
    getattr(ours, mode)(), getattr(ref, mode)()
    x = rng.normal(size=shape)
    for _ in range(2):  # BatchNorm: the second pass sees running statistics moved by the first
        y, y_ref = ours.forward(strict.asarray(x)), ref.forward(x)
        dy = rng.normal(size=y_ref.shape)
        dx, dx_ref = ours.backward(strict.asarray(dy)), ref.backward(dy)
    assert type(y) is STRICT and type(dx) is STRICT
    np.testing.assert_allclose(to_numpy(y), y_ref, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(to_numpy(dx), dx_ref, rtol=1e-13, atol=1e-14)
    for (key, got), (_, expected) in zip(_arrays(ours), _arrays(ref), strict=True):
        assert type(got) is STRICT, f"{key} left array_api_strict"
        np.testing.assert_allclose(to_numpy(got), expected, rtol=1e-13, atol=1e-14, err_msg=key)
    layer, layer_ref = ours[0], ref[0]
    for key, grad in layer.grads.items():
        assert type(grad) is STRICT
        np.testing.assert_allclose(to_numpy(grad), layer_ref.grads[key], rtol=1e-13, atol=1e-14, err_msg=key)


def test_batchnorm_keeps_its_buffers_in_the_library_it_was_moved_to(rng):
    bn = L.BatchNorm(3, momentum=None).to(strict)
    for _ in range(3):
        bn.forward(strict.asarray(rng.normal(size=(4, 3))))
    assert bn.num_batches_tracked == 3
    for name in ("running_mean", "running_var", "batch_mean", "batch_var_unbiased"):
        assert type(getattr(bn, name)) is STRICT, name
    back = bn.to(np)
    assert all(isinstance(getattr(back, n), np.ndarray) for n in ("gamma", "running_mean", "running_var"))


@pytest.mark.parametrize("model_lib, input_lib", [("array_api_strict", "numpy"), ("numpy", "array_api_strict")])
@pytest.mark.parametrize("make", [lambda: L.Linear(3, 2), lambda: L.BatchNorm(3), lambda: L.LayerNorm(3)])
def test_input_from_another_library_is_refused_with_what_to_call(make, model_lib, input_lib):
    libs = {"numpy": np, "array_api_strict": strict}
    layer = make().to(libs[model_lib])
    x = libs[input_lib].asarray(np.ones((4, 3)))
    with pytest.raises(ValueError, match=rf"x: a {input_lib} array, .* are {model_lib} arrays.*model\.to\({input_lib}\)"):
        layer.forward(x)


def test_labels_from_another_library_are_refused():
    with pytest.raises(ValueError, match="labels: expected an integer array of the logits' library"):
        L.softmax_cross_entropy(strict.asarray(np.zeros((2, 3))), np.array([0, 1]))


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_training_on_strict_gives_numpys_numbers(kind):
    """The book's networks train on another array library with the NumPy run's losses and weights."""
    split = data.load_digits(seed=0, images=kind == "cnn")
    n = 320  # a few batches are enough to show the runs agree step by step

    def make():
        if kind == "mlp":
            return nets.mlp((64, 32, 32, 10), norm="bn", seed=0)
        return nets.small_cnn(norm="bn", channels=(4, 8), seed=0)

    ref = make()
    h_ref = nets.train(ref, split.X_train[:n], split.y_train[:n], epochs=2, batch_size=32, lr=0.1, seed=0,
                       X_test=split.X_test, y_test=split.y_test)
    model = make().to(strict)
    X, y, X_test, y_test = (strict.asarray(a) for a in (split.X_train[:n], split.y_train[:n],
                                                        split.X_test, split.y_test))
    history = nets.train(model, X, y, epochs=2, batch_size=32, lr=0.1, seed=0, X_test=X_test, y_test=y_test)
    np.testing.assert_allclose(history.step_loss, h_ref.step_loss, rtol=1e-12)
    assert history.test_accuracy == h_ref.test_accuracy
    for (key, got), (_, expected) in zip(_arrays(model), _arrays(ref), strict=True):
        assert type(got) is STRICT, key
        np.testing.assert_allclose(to_numpy(got), expected, rtol=1e-10, atol=1e-12, err_msg=key)
    pred = nets.predict(model.eval(), X_test)
    assert type(pred) is STRICT
    np.testing.assert_array_equal(to_numpy(pred), nets.predict(ref, split.X_test))


def test_to_namespace_round_trip(rng):
    a = rng.normal(size=(3, 2))
    s = to_namespace(a, strict)
    assert type(s) is STRICT
    assert to_namespace(a, np) is a  # already there: nothing is copied
    np.testing.assert_array_equal(to_numpy(to_namespace(s, np)), a)
    with pytest.raises(ValueError, match="expected an array to move"):
        to_namespace([1.0, 2.0], strict)
