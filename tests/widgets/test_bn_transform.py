"""The BN calculator of chapter 3: every control moves the plotted numbers as the math says."""

import numpy as np
import pytest

from bnbook import functional as F
from bnbook.i18n import set_language, t
from bnbook.widgets import bn_transform as M


def reference(x, gamma, beta, eps):
    """BN written out with NumPy, independent of the widget module."""
    axes = (0, *range(2, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return mu.reshape(-1), var.reshape(-1), x_hat, gamma * x_hat + beta


def test_parse_batch_layouts_and_errors():
    x = M.parse_batch("1, 2\n3 4\n\n5;6", "ND")
    np.testing.assert_array_equal(x, [[1, 2], [3, 4], [5, 6]])
    x4 = M.parse_batch("1 2 3 4 5 6 7 8\n8 7 6 5 4 3 2 1", "NCHW")
    assert x4.shape == (2, 2, 2, 2)
    np.testing.assert_array_equal(x4[0, 1], [[5, 6], [7, 8]])  # channel by channel, row by row
    for text, layout in [("1 2\n3", "ND"), ("1 a\n2 3", "ND"), ("1 2", "ND"), ("", "ND"),
                         ("1 2 3\n4 5 6", "NCHW"), ("1 2\n3 4", "CHW")]:
        with pytest.raises(ValueError):
            M.parse_batch(text, layout)


def test_grid_positions_put_every_entry_in_its_own_cell():
    for shape in [(3, 2), (2, 3, 2, 2)]:
        rows, cols, (n_rows, n_cols) = M.grid_positions(shape)
        cells = set(zip(rows.ravel().tolist(), cols.ravel().tolist()))
        assert len(cells) == int(np.prod(shape))
        assert rows.max() < n_rows and cols.max() < n_cols


def test_bn_steps_match_the_formulas_and_bnbook():
    rng = np.random.default_rng(3)
    for shape in [(5, 3), (4, 2, 3, 3)]:
        x = rng.normal(2.0, 3.0, size=shape)
        steps = M.bn_steps(x, 1.7, -0.4, 1e-3)
        mu, var, x_hat, y = reference(x, 1.7, -0.4, 1e-3)
        np.testing.assert_allclose(steps["mean"], mu, rtol=1e-12)
        np.testing.assert_allclose(steps["var"], var, rtol=1e-12)
        np.testing.assert_allclose(steps["inv_std"], 1 / np.sqrt(var + 1e-3), rtol=1e-12)
        np.testing.assert_allclose(steps["x_hat"], x_hat, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(steps["y"], y, rtol=1e-12, atol=1e-12)
        assert steps["m"] == x.size // shape[1]


def test_every_control_changes_the_state_as_the_math_says():
    box = M.bn_calculator()
    s = box.state
    x = np.array([[2, 10], [4, 30], [4, 50], [6, 70]], float)
    np.testing.assert_array_equal(s["x"], x)
    np.testing.assert_allclose(s["mean"], [4, 40])
    np.testing.assert_allclose(s["var"], [2, 500])  # biased: divided by m = 4, not 3
    png = box.view.image.value

    box.controls["gamma"].value = 2.0
    np.testing.assert_allclose(box.state["y"], reference(x, 2.0, 0.0, 1e-5)[3])
    assert box.view.image.value != png
    box.controls["beta"].value = -1.0
    np.testing.assert_allclose(box.state["y"], reference(x, 2.0, -1.0, 1e-5)[3])
    np.testing.assert_allclose(box.state["y"].mean(axis=0), [-1, -1], atol=1e-12)

    box.controls["eps"].value = 1.0  # a large epsilon shrinks x_hat: var / (var + eps)
    np.testing.assert_allclose(box.state["x_hat"].var(axis=0), [2 / 3, 500 / 501])

    box.controls["channel"].value = 1
    assert box.state["shared"][:, 1].all() and not box.state["shared"][:, 0].any()

    box.controls["text_nd"].value = "1 2 3\n4 5 6\n7 8 10"
    assert box.state["x"].shape == (3, 3)
    np.testing.assert_allclose(box.state["mean"], [4, 5, 19 / 3])

    box.controls["text_nd"].value = "1 2 3\nnot numbers"
    assert box.state["error"] and "not a number" in box.state["error"]
    assert box.state["x"].shape == (3, 3)  # the last good batch stays on screen

    box.controls["layout"].value = "NCHW"
    s = box.state
    assert s["x"].shape == (3, 2, 2, 2) and s["layout"] == "NCHW"
    assert s["m"] == 3 * 2 * 2  # a channel shares statistics over N, H and W
    x4 = M.parse_batch(M.DEFAULT_NCHW, "NCHW")
    np.testing.assert_allclose(s["y"], F.batch_norm_forward(x4, np.full(2, 2.0), np.full(2, -1.0), 1.0)[0])
    assert s["shared"][:, s["channel"]].all() and s["shared"].sum() == 12
    box.controls["channel"].value = 0
    assert box.state["shared"][:, 0].all() and not box.state["shared"][:, 1].any()
    box.controls["text_nchw"].value = "1 2 3 4 5 6 7 8\n0 0 0 0 1 1 1 1"
    np.testing.assert_allclose(box.state["mean"], [1.25, 3.75])


def test_labels_follow_the_language():
    set_language("en")
    en = M.bn_calculator().controls["channel"].description
    set_language("zh-Hans")
    box = M.bn_calculator()
    assert box.controls["channel"].description == t("ch03_channel") == "通道" != en
    assert "均值" in box.children[2].value or "均值" in box.children[3].value


def test_benchmark_cases_name_real_controls():
    for name, factory, steps in M.benchmark_cases():
        box = factory()
        for control, value in steps:
            box.controls[control].value = value
        assert box.state["error"] is None, name
