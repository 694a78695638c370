"""Chapter 10 widget: the curves shown are the precomputed runs; labels switch language."""

import io

import numpy as np
from matplotlib.figure import Figure

from bnbook.experiments import review as R
from bnbook.i18n import set_language
from bnbook.widgets import review as RW


def test_smooth_is_a_trailing_mean_capped_at_the_top():
    np.testing.assert_allclose(RW.smooth(np.array([0.5, 1.0, 1.5, 2.0]), window=2), [0.5, 0.75, 1.25, 1.75])
    assert RW.smooth(np.array([5.0]))[0] == 3.0  # capped at the top of the plot
    assert RW.smooth(np.array([1.0, np.nan, np.inf]), window=1)[1:].tolist() == [3.0, 3.0]


def test_every_control_shows_the_matching_runs():
    box = RW.grid_widget()
    runs = R.lr_init_grid()
    for _, _, changes in RW.benchmark_cases():
        for control, value in changes:
            box.controls[control].value = value
            s = box.state
            assert s[control] == value
            plain, bn = runs[("none", s["lr"], s["init_std"])], runs[("bn", s["lr"], s["init_std"])]
            np.testing.assert_allclose(s["loss_plain"], RW.smooth(plain.step_loss))
            np.testing.assert_allclose(s["loss_bn"], RW.smooth(bn.step_loss))
            assert s["acc_bn"] == bn.test_accuracy and s["acc_plain"] == plain.test_accuracy
            assert f"{100 * bn.test_accuracy:.1f}%" in s["info"]


def test_labels_switch_with_the_language():
    box_en = RW.grid_widget()
    set_language("zh-Hans")
    box_zh = RW.grid_widget()
    assert box_en.controls["lr"].description == "learning rate"
    assert box_zh.controls["lr"].description == "学习率"
    assert "测试准确率" in box_zh.state["info"]
    fig = Figure()
    tables = RW.plot_grid(*fig.subplots(1, 2), R.lr_init_grid())
    fig.savefig(io.BytesIO(), format="png")
    assert tables["bn"].shape == (3, 3)
