"""Chapter 5 widget: each control changes what is shown, and the numbers are BN's."""

from __future__ import annotations

import numpy as np
import pytest

from bnbook import functional as F
from bnbook.i18n import set_language, t
from bnbook.widgets import backprop as WB


def _package(seed, upstream):
    x, gamma, beta, dy = WB.tiny_batch(seed, upstream)
    y, cache = F.batch_norm_forward(x, gamma, beta)
    return x, y, dy, F.batch_norm_backward(dy, cache)


def test_every_node_and_control():
    box = WB.backprop_graph_widget()
    x, y, dy, (dx, dgamma, dbeta) = _package(0, "random")
    assert box.state["node"] == "x"
    np.testing.assert_allclose(box.state["value"], x.ravel())
    np.testing.assert_allclose(box.state["grad"], dx.ravel(), atol=1e-12)
    box.controls["node"].value = "y"
    np.testing.assert_allclose(box.state["value"], y.ravel(), atol=1e-12)
    np.testing.assert_allclose(box.state["grad"], dy.ravel())
    box.controls["node"].value = "gamma"
    np.testing.assert_allclose(box.state["grad"], dgamma, atol=1e-12)
    box.controls["node"].value = "beta"
    np.testing.assert_allclose(box.state["grad"], dbeta, atol=1e-12)
    box.controls["node"].value = "var"
    assert len(box.state["value"]) == 1
    np.testing.assert_allclose(box.state["value"], x.var(axis=0))
    box.controls["seed"].value = 4
    x4, _, _, (dx4, _, _) = _package(4, "random")
    np.testing.assert_allclose(box.state["x"], x4.ravel())
    np.testing.assert_allclose(box.state["dx"], dx4.ravel(), atol=1e-12)
    assert not np.allclose(box.state["dx"], 0)
    box.controls["upstream"].value = "ones"
    np.testing.assert_allclose(box.state["dy"], 1.0)
    assert np.max(np.abs(box.state["dx"])) < 1e-12  # the trap: all-ones dy gives dx = 0


def test_image_changes_with_node():
    box = WB.backprop_graph_widget()
    before = box.view.image.value
    box.controls["node"].value = "x_hat"
    assert box.view.image.value != before


def test_labels_follow_language():
    set_language("zh-Hans")
    box = WB.backprop_graph_widget()
    assert box.controls["node"].description == t("ch05_node", lang="zh-Hans") == "节点"
    assert box.view.axes[0].get_title() == "BN 的计算图"
    set_language("en")
    box = WB.backprop_graph_widget()
    assert box.view.axes[0].get_title() == "BN as a computational graph"


def test_benchmark_cases_run():
    for name, factory, changes in WB.benchmark_cases():
        box = factory()
        for control, value in changes:
            box.controls[control].value = value
        last_node = [v for c, v in changes if c == "node"][-1]
        assert box.state["node"] == last_node, name


def test_bad_upstream():
    with pytest.raises(ValueError, match="upstream"):
        WB.tiny_batch(0, "zeros")
