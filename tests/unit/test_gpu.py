"""The same functions on CuPy arrays (GPU): same numbers as NumPy, arrays stay on the device.

Runs where CuPy and a GPU are present (`pip install -e .[gpu]`); skipped otherwise.
"""

from __future__ import annotations

import numpy as np
import pytest

from bnbook import functional as F

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
