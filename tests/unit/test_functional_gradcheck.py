"""Finite-difference checks of every analytic backward in bnbook.functional.

The loss is L = sum(y * R) with a fixed random R, so dL/dy = R: a random upstream
gradient (an all-ones one would make the true dx zero and prove nothing).
"""

from __future__ import annotations

import numpy as np
import pytest

from bnbook import functional as F
from bnbook.gradcheck import numerical_gradient

NORMS = {
    "batch": (lambda x, g, b: F.batch_norm_forward(x, g, b, eps=1e-3), F.batch_norm_backward, lambda s: (s[1],)),
    "layer": (lambda x, g, b: F.layer_norm_forward(x, g, b, eps=1e-3), F.layer_norm_backward, lambda s: s[1:]),
    "instance": (lambda x, g, b: F.instance_norm_forward(x, g, b, eps=1e-3), F.instance_norm_backward,
                 lambda s: (s[1],)),
    "group": (lambda x, g, b: F.group_norm_forward(x, 2, g, b, eps=1e-3), F.group_norm_backward, lambda s: (s[1],)),
}


CASES = [(name, shape) for name in sorted(NORMS) for shape in [(5, 4), (3, 4, 2, 3)]
         if not (name == "instance" and len(shape) < 3)]  # instance norm needs spatial axes


@pytest.mark.parametrize("name, shape", CASES)
def test_backward_matches_finite_differences(name, shape, rng, rel_err):
    forward, backward, param_shape = NORMS[name]
    x = rng.normal(size=shape)
    gamma, beta = rng.normal(size=param_shape(shape)), rng.normal(size=param_shape(shape))
    upstream = rng.normal(size=shape)

    def loss(_changed: np.ndarray) -> float:  # the array under test is changed in place
        return float(np.sum(forward(x, gamma, beta)[0] * upstream))

    _, cache = forward(x, gamma, beta)
    dx, dgamma, dbeta = backward(upstream, cache)
    for got, wrt, label in ((dx, x, "dx"), (dgamma, gamma, "dgamma"), (dbeta, beta, "dbeta")):
        expected = numerical_gradient(loss, wrt)
        assert rel_err(got, expected) < 1e-6, f"{name} {label}: relative error {rel_err(got, expected):.2e}"


def test_all_ones_upstream_gradient_gives_zero_dx(rng):
    """Why tests never use dy = 1: the true dx is exactly zero for any x, gamma, beta."""
    x = rng.normal(size=(6, 3))
    _, cache = F.batch_norm_forward(x, rng.normal(size=3), rng.normal(size=3))
    dx, _, _ = F.batch_norm_backward(np.ones_like(x), cache)
    np.testing.assert_allclose(dx, 0.0, atol=1e-12)
