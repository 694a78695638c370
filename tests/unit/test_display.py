"""bnbook.display: the numbers chapters glue into their prose."""

from __future__ import annotations

import numpy as np
import pytest

from bnbook.display import power_of_ten


@pytest.mark.parametrize("x, text", [(1e-7, "$10^{-7}$"), (1.0, "$1$"), (1000, "$1000$"), (1e4, "$10^{4}$"),
                                     (np.logspace(-9, 1, 101)[0], "$10^{-9}$"), (np.int64(100), "$100$")])
def test_power_of_ten_as_markdown_math(x, text):
    assert power_of_ten(x).data == text


@pytest.mark.parametrize("x", [3e-12, 2000, 0.0, -1e-3, float("nan"), "1e-5"])
def test_anything_else_is_refused(x):
    with pytest.raises(ValueError, match="x: expected a"):
        power_of_ten(x)
