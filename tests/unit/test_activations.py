"""bnbook.activations: sigmoid and softmax against the textbook formulas and PyTorch, with no overflow."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bnbook.activations import log_softmax, sigmoid, softmax


def test_sigmoid_is_the_logistic_function_with_accurate_tails():
    z = np.array([-40.0, -5.0, -1.0, 0.0, 0.5, 3.0, 40.0])
    np.testing.assert_allclose(sigmoid(z), 1.0 / (1.0 + np.exp(-z)), rtol=1e-14)
    assert sigmoid(np.array(-40.0)) > 0  # exp(-40) ~ 4e-18, which (1 + tanh(z / 2)) / 2 rounds to 0


def test_no_overflow_for_huge_inputs():
    z = np.array([[-1000.0, 0.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(z)
        p = softmax(z)
    np.testing.assert_array_equal(s, [[0.0, 0.5, 1.0]])
    np.testing.assert_array_equal(p, [[0.0, 0.0, 1.0]])


def test_softmax_and_log_softmax_match_torch(rng):
    torch = pytest.importorskip("torch")
    logits = rng.normal(scale=5.0, size=(6, 4))
    np.testing.assert_allclose(softmax(logits, axis=1), torch.softmax(torch.tensor(logits), 1).numpy(), rtol=1e-13)
    np.testing.assert_allclose(log_softmax(logits, axis=1), torch.log_softmax(torch.tensor(logits), 1).numpy(),
                               rtol=1e-13)
    np.testing.assert_allclose(softmax(logits, axis=1).sum(axis=1), 1.0, rtol=1e-15)


def test_array_api_strict_in_and_out(rng):
    strict = pytest.importorskip("array_api_strict")
    z = rng.normal(size=(3, 4))
    for f in (sigmoid, softmax, log_softmax):
        got = f(strict.asarray(z))
        assert type(got) is type(strict.asarray(1.0))
        np.testing.assert_allclose(np.asarray(got), f(z), rtol=1e-15)
