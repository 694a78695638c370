"""The kernel benchmark compares like with like: its naive baselines compute what bnbook computes.

A ratio against a baseline that computes something else would mean nothing, so the
textbook versions in ``benchmarks/kernels.py`` are checked here against
``bnbook.functional`` (itself checked against PyTorch in ``test_functional_torch.py``).
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from bnbook import functional as F

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "kernels.py"
_spec = importlib.util.spec_from_file_location("bench_kernels", _PATH)
kernels = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kernels)


def _inputs(shape, param_shape, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(3.0, 2.0, size=shape)
    dy = rng.normal(size=shape)
    gamma = rng.normal(1.0, 0.3, size=param_shape)
    beta = rng.normal(size=param_shape)
    return x, gamma, beta, dy


def _assert_same(naive, ours):
    for name, a, b in zip(("y", "dx", "dgamma", "dbeta"), naive, ours):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11, err_msg=name)


@pytest.mark.parametrize("shape", [(6, 4), (4, 3, 5, 2)])
def test_naive_batch_norm_matches_bnbook(shape):
    x, gamma, beta, dy = _inputs(shape, (shape[1],))
    y, cache = F.batch_norm_forward(x, gamma, beta)
    _assert_same(kernels.naive_batch_norm(x, gamma, beta, dy), (y, *F.batch_norm_backward(dy, cache)))


@pytest.mark.parametrize("shape", [(6, 4), (4, 3, 5, 2)])
def test_naive_layer_norm_matches_bnbook(shape):
    x, gamma, beta, dy = _inputs(shape, shape[1:])
    y, cache = F.layer_norm_forward(x, gamma, beta)
    _assert_same(kernels.naive_layer_norm(x, gamma, beta, dy), (y, *F.layer_norm_backward(dy, cache)))


@pytest.mark.parametrize("shape", [(3, 2 * kernels.GROUPS), (2, kernels.GROUPS, 3, 2)])
def test_naive_group_norm_matches_bnbook(shape):
    x, gamma, beta, dy = _inputs(shape, (shape[1],))
    y, cache = F.group_norm_forward(x, kernels.GROUPS, gamma, beta)
    _assert_same(kernels.naive_group_norm(x, gamma, beta, dy), (y, *F.group_norm_backward(dy, cache)))


def test_paired_ratio_takes_the_median_of_the_pairs():
    # The third pair ran under load (both slow): its ratio is still 2, like the others.
    median, q1, q3 = kernels.paired_ratio([2.0, 4.0, 40.0, 6.0, 8.0], [1.0, 2.0, 20.0, 3.0, 4.0])
    assert (median, q1, q3) == (2.0, 2.0, 2.0)
