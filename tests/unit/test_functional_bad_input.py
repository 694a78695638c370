"""Bad input gets a ValueError that names the argument, what it got and what was expected."""

from __future__ import annotations

import numpy as np
import pytest

from bnbook import functional as F

C3 = (np.ones(3), np.zeros(3))


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: F.batch_norm_forward(np.ones(3), *C3), ["x:", "at least 2 dimensions", "(3,)"]),
        (lambda: F.instance_norm_forward(np.ones((4, 3)), *C3), ["x:", "at least 3 dimensions", "(4, 3)"]),
        (lambda: F.batch_norm_forward(np.ones((4, 3)), np.ones(4), np.zeros(3)), ["gamma:", "(3,)", "(4,)"]),
        (lambda: F.batch_norm_forward(np.ones((4, 3)), np.ones(3), np.zeros((3, 1))), ["beta:", "(3,)", "(3, 1)"]),
        (lambda: F.layer_norm_forward(np.ones((4, 3, 2)), *C3), ["gamma:", "(3, 2)", "(3,)"]),
        (lambda: F.batch_norm_forward(np.ones((1, 3)), *C3), ["x:", "more than 1 value per channel", "(1, 3)"]),
        (lambda: F.batch_norm_forward(np.ones((1, 3, 1, 1)), *C3), ["more than 1 value per channel"]),
        (lambda: F.instance_norm_forward(np.ones((2, 3, 1)), *C3), ["x:", "more than 1 spatial element"]),
        (lambda: F.group_norm_forward(np.ones((2, 6, 4)), 4, np.ones(6), np.zeros(6)), ["num_groups:", "6", "4"]),
        (lambda: F.group_norm_forward(np.ones((2, 6)), 0, np.ones(6), np.zeros(6)), ["num_groups:", "0"]),
        (lambda: F.batch_norm_forward(np.ones((4, 3)), *C3, eps=0.0), ["eps:", "positive", "0.0"]),
        (lambda: F.batch_norm_forward(np.ones((4, 3)), *C3, eps=-1e-5), ["eps:", "-1e-05"]),
        (lambda: F.batch_norm_forward([[1.0, 2.0], [3.0, 4.0]], np.ones(2), np.zeros(2)), ["x:", "list"]),
        (lambda: F.batch_norm_inference(np.ones((2, 3)), np.zeros(2), np.ones(3), *C3), ["running_mean:", "(3,)"]),
    ],
)
def test_bad_input_message(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} missing from: {info.value}"


def test_backward_with_a_cache_from_another_function():
    x = np.random.default_rng(0).normal(size=(4, 3))
    _, cache = F.layer_norm_forward(x, *C3)
    with pytest.raises(ValueError, match=r"cache: batch_norm_backward needs .* got a cache from 'layer_norm'"):
        F.batch_norm_backward(np.ones_like(x), cache)
    with pytest.raises(ValueError, match="cache: .* got a cache from 'tuple'"):
        F.batch_norm_backward(np.ones_like(x), (1, 2))


def test_backward_with_a_wrong_dy_shape():
    x = np.random.default_rng(0).normal(size=(4, 3))
    _, cache = F.batch_norm_forward(x, *C3)
    with pytest.raises(ValueError, match=r"dy: expected .*\(4, 3\).* got \(3, 4\)"):
        F.batch_norm_backward(np.ones((3, 4)), cache)


def test_parameters_from_another_array_library_are_refused_not_converted():
    """A NumPy gamma with an array_api_strict x (a CuPy x on the GPU) is an error, not a silent copy."""
    strict = pytest.importorskip("array_api_strict")
    x = strict.asarray(np.random.default_rng(0).normal(size=(4, 3)))
    with pytest.raises(ValueError, match=r"gamma: a numpy array, but x is a array_api_strict array.*asarray"):
        F.batch_norm_forward(x, np.ones(3), strict.zeros(3))
    with pytest.raises(ValueError, match=r"running_var: a numpy array"):
        F.batch_norm_inference(x, strict.zeros(3), np.ones(3), strict.ones(3), strict.zeros(3))
    _, cache = F.batch_norm_forward(x, strict.ones(3), strict.zeros(3))
    with pytest.raises(ValueError, match=r"dy: a numpy array, but the forward pass ran on array_api_strict"):
        F.batch_norm_backward(np.ones((4, 3)), cache)


def test_python_lists_are_fine_as_parameters():
    strict = pytest.importorskip("array_api_strict")
    x = strict.asarray(np.random.default_rng(0).normal(size=(4, 3)))
    y, _ = F.batch_norm_forward(x, [1.0, 1.0, 1.0], [0.0, 0.0, 0.0])
    assert type(y) is type(x)
