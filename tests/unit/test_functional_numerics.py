"""Precision, dtypes and array libraries: float32 stays float32, large means stay exact,
and every function runs on array_api_strict (the stand-in for CuPy in CI)."""

from __future__ import annotations

import numpy as np
import pytest

from bnbook import functional as F


def test_float32_large_mean_keeps_the_variance(rng):
    """E[x^2] - E[x]^2 would cancel catastrophically here; the two-pass variance does not."""
    x64 = 1e4 + rng.normal(size=(256, 4))
    x32 = x64.astype(np.float32)
    y, cache = F.batch_norm_forward(x32, np.ones(4, np.float32), np.zeros(4, np.float32))
    assert y.dtype == np.float32 and cache.stats.var.dtype == np.float32
    true_var = x32.astype(np.float64).var(axis=0)
    np.testing.assert_allclose(cache.stats.var.ravel(), true_var, rtol=1e-3)
    np.testing.assert_allclose(y.std(axis=0), 1.0, rtol=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_in_equals_dtype_out(dtype, rng):
    x = rng.normal(size=(4, 3, 2, 2)).astype(dtype)
    y, cache = F.group_norm_forward(x, 3, np.ones(3), np.zeros(3))
    dx, dgamma, dbeta = F.group_norm_backward(np.ones_like(x), cache)
    assert {a.dtype for a in (y, dx, dgamma, dbeta)} == {np.dtype(dtype)}


def test_integer_input_is_computed_in_float64():
    x = np.arange(12).reshape(4, 3)
    y, _ = F.batch_norm_forward(x, np.ones(3), np.zeros(3))
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-12)


def test_constant_channel_gives_zero_not_nan():
    x = np.full((5, 2), 3.0)
    y, _ = F.batch_norm_forward(x, np.ones(2), np.zeros(2))
    assert np.all(y == 0.0)


@pytest.fixture
def strict():
    return pytest.importorskip("array_api_strict")


CALLS = {
    "batch_norm": lambda xp, x: F.batch_norm_backward(xp.ones(x.shape, dtype=x.dtype) * x,
                                                      F.batch_norm_forward(x, xp.ones(3), xp.zeros(3))[1]),
    "layer_norm": lambda xp, x: F.layer_norm_backward(x, F.layer_norm_forward(x, xp.ones(x.shape[1:]),
                                                                             xp.zeros(x.shape[1:]))[1]),
    "instance_norm": lambda xp, x: F.instance_norm_backward(x, F.instance_norm_forward(x, xp.ones(3),
                                                                                       xp.zeros(3))[1]),
    "group_norm": lambda xp, x: F.group_norm_backward(x, F.group_norm_forward(x, 3, xp.ones(3), xp.zeros(3))[1]),
    "batch_norm_inference": lambda xp, x: (F.batch_norm_inference(x, xp.zeros(3), xp.ones(3), xp.ones(3),
                                                                  xp.zeros(3)),),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_array_api_strict_in_and_out(name, strict, rng):
    """Same numbers as NumPy, and the results are array_api_strict arrays: no NumPy-only call inside."""
    x_np = rng.normal(size=(4, 3, 2, 2))
    got = CALLS[name](strict, strict.asarray(x_np))
    expected = CALLS[name](np, x_np)
    for g, e in zip(got, expected):
        assert type(g) is type(strict.asarray(1.0)), f"{name} returned {type(g).__name__}"
        np.testing.assert_allclose(np.asarray(g), e, rtol=1e-12, atol=1e-12)


def test_array_api_strict_float32_stays_float32(strict, rng):
    x = strict.asarray(rng.normal(size=(5, 3)), dtype=strict.float32)
    y, _ = F.batch_norm_forward(x, strict.ones(3, dtype=strict.float32), strict.zeros(3, dtype=strict.float32))
    assert y.dtype == strict.float32
