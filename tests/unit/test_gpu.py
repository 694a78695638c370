"""The same code on CuPy arrays (GPU): same numbers as NumPy, arrays stay on the device.

The normalizations, batch norm at test time, every layer, and a training run of the book's
networks moved there with ``model.to(cupy)``. Runs where CuPy and a GPU are present
(``pip install -e .[gpu]``); skipped otherwise. Needs only numpy, array-api-compat, tqdm,
threadpoolctl, scikit-learn (for the digits) and pytest besides CuPy.
"""

from __future__ import annotations

import numpy as np
import pytest

from bnbook import data, nets
from bnbook import functional as F
from bnbook import inference as I
from bnbook import layers as L

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def cp():
    cupy = pytest.importorskip("cupy")
    try:
        cupy.cuda.runtime.getDeviceCount()
    except Exception as err:  # noqa: BLE001 - no driver, no device: nothing to test here
        pytest.skip(f"no usable GPU: {err}")
    return cupy


NORMS = [
    ("batch", lambda x, g, b: F.batch_norm_forward(x, g, b), F.batch_norm_backward, lambda s: (s[1],)),
    ("layer", lambda x, g, b: F.layer_norm_forward(x, g, b), F.layer_norm_backward, lambda s: s[1:]),
    ("instance", lambda x, g, b: F.instance_norm_forward(x, g, b), F.instance_norm_backward, lambda s: (s[1],)),
    ("group", lambda x, g, b: F.group_norm_forward(x, 2, g, b), F.group_norm_backward, lambda s: (s[1],)),
]


@pytest.mark.parametrize("name, forward, backward, param_shape", NORMS, ids=[n[0] for n in NORMS])
@pytest.mark.parametrize("shape", [(16, 4, 5, 5), (4, 6, 3, 4, 5)])
def test_cupy_matches_numpy(cp, name, forward, backward, param_shape, shape, rng, rel_err):
    host = [rng.normal(size=shape), rng.normal(size=param_shape(shape)), rng.normal(size=param_shape(shape))]
    dy = rng.normal(size=shape)
    y, cache = forward(*host)
    expected = (y, *backward(dy, cache))
    y_gpu, cache_gpu = forward(*(cp.asarray(a) for a in host))
    got = (y_gpu, *backward(cp.asarray(dy), cache_gpu))
    for g, e in zip(got, expected):
        assert isinstance(g, cp.ndarray), f"{name}: a {type(g).__name__} came back, not a cupy.ndarray"
        assert rel_err(cp.asnumpy(g), e) < 1e-12


def test_cupy_float32_stays_float32(cp, rng):
    x = cp.asarray(rng.normal(size=(8, 3, 4, 4)), dtype=cp.float32)
    y, cache = F.batch_norm_forward(x, cp.ones(3, dtype=cp.float32), cp.zeros(3, dtype=cp.float32))
    dx, dgamma, _ = F.batch_norm_backward(cp.ones_like(y), cache)
    assert {a.dtype for a in (y, dx, dgamma)} == {np.dtype(np.float32)}


def test_numpy_parameters_with_a_cupy_input_are_refused(cp, rng):
    x = cp.asarray(rng.normal(size=(4, 3)))
    with pytest.raises(ValueError, match="gamma: a numpy array, but x is a cupy array"):
        F.batch_norm_forward(x, np.ones(3), cp.zeros(3))


def test_batch_norm_at_test_time_on_cupy(cp, rng, rel_err):
    params = [rng.normal(size=3), rng.uniform(0.5, 2.0, size=3), rng.normal(size=3), rng.normal(size=3)]
    x, dy, W = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4)), rng.normal(size=(5, 3))
    expected = (I.batch_norm_inference(x, *params), *I.batch_norm_inference_backward(dy, x, *params[:3]),
                *I.fold_batch_norm(W, None, *params))
    dev = [cp.asarray(a) for a in params]
    got = (I.batch_norm_inference(cp.asarray(x), *dev),
           *I.batch_norm_inference_backward(cp.asarray(dy), cp.asarray(x), *dev[:3]),
           *I.fold_batch_norm(cp.asarray(W), None, *dev))
    for g, e in zip(got, expected):
        assert isinstance(g, cp.ndarray)
        assert rel_err(cp.asnumpy(g), e) < 1e-12


LAYERS = {
    "linear": (lambda: L.Linear(4, 3, rng=np.random.default_rng(1)), (5, 4)),
    "conv": (lambda: L.Conv2d(2, 3, 3, stride=2, padding=1, rng=np.random.default_rng(1)), (2, 2, 5, 5)),
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


def _state(layer):
    return {name: getattr(layer, name) for name in (*layer.param_names, *layer.buffer_names)
            if getattr(layer, name) is not None}


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_on_cupy_matches_numpy(cp, name, mode, rng, rel_err):
    make, shape = LAYERS[name]
    ours, ref = make().to(cp), make()
    getattr(ours, mode)(), getattr(ref, mode)()
    x = rng.normal(size=shape)
    for _ in range(2):  # BatchNorm: the second pass sees running statistics moved by the first
        y, y_ref = ours.forward(cp.asarray(x)), ref.forward(x)
        dy = rng.normal(size=y_ref.shape)
        dx, dx_ref = ours.backward(cp.asarray(dy)), ref.backward(dy)
    for got, expected in ((y, y_ref), (dx, dx_ref), *zip(ours.grads.values(), ref.grads.values())):
        assert isinstance(got, cp.ndarray)
        assert rel_err(cp.asnumpy(got), expected) < 1e-12
    for key, value in _state(ours).items():
        assert isinstance(value, cp.ndarray), f"{key} left the GPU"
        assert rel_err(cp.asnumpy(value), _state(ref)[key]) < 1e-12, key


def test_a_numpy_input_to_a_model_on_the_gpu_says_what_to_call(cp):
    model = nets.mlp((4, 3, 2), norm="bn").to(cp)
    with pytest.raises(ValueError, match=r"x: a numpy array, .* are cupy arrays.*model\.to\(numpy\)"):
        model.forward(np.ones((2, 4)))


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_training_on_cupy_gives_numpys_numbers(cp, kind, rel_err):
    """A network of the book moved with .to(cupy) trains on the GPU to NumPy's losses and weights."""
    split = data.load_digits(seed=0, images=kind == "cnn")

    def make():
        return nets.mlp((64, 100, 100, 10), norm="bn", seed=0) if kind == "mlp" else nets.small_cnn(norm="bn", seed=0)

    ref = make()
    h_ref = nets.train(ref, split.X_train, split.y_train, epochs=2, batch_size=64, lr=0.05, seed=0,
                       X_test=split.X_test, y_test=split.y_test)
    model = make().to(cp)
    X, y, X_test, y_test = (cp.asarray(a) for a in (split.X_train, split.y_train, split.X_test, split.y_test))
    history = nets.train(model, X, y, epochs=2, batch_size=64, lr=0.05, seed=0, X_test=X_test, y_test=y_test)
    # cuBLAS sums in another order than OpenBLAS: equal to rounding, which training barely amplifies
    np.testing.assert_allclose(history.step_loss, h_ref.step_loss, rtol=1e-9)
    assert history.test_accuracy == h_ref.test_accuracy
    for layer, layer_ref in zip(model.layers, ref.layers):
        for key, value in _state(layer).items():
            assert isinstance(value, cp.ndarray), f"{type(layer).__name__}.{key} left the GPU"
            assert rel_err(cp.asnumpy(value), _state(layer_ref)[key]) < 1e-8, key
