"""Fixtures shared by the whole suite."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed-seed generator, so a failure can be reproduced."""
    return np.random.default_rng(20151102)


@pytest.fixture
def rel_err():
    """max |a - b| / max(|b|, tiny): the relative error of ``a`` against the reference ``b``."""

    def _rel_err(a, b) -> float:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
        return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))

    return _rel_err
