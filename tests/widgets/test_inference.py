"""Chapter 6 widgets: states match the experiments, every control acts, labels follow the language."""

from __future__ import annotations

import numpy as np

from bnbook.experiments import inference as I
from bnbook.i18n import set_language
from bnbook.widgets import inference as WI


def test_running_stats_widget_controls():
    box = WI.running_stats_widget()
    tr = I.running_trace(0.1, 16)
    np.testing.assert_allclose(box.state["running_mean"], tr.running_mean)
    box.controls["momentum"].value = "0.01"
    slow = I.running_trace(0.01, 16)
    np.testing.assert_allclose(box.state["running_var"], slow.running_var)
    assert box.state["momentum"] == 0.01
    # a small momentum lags behind the drifting truth
    lag = np.sqrt(np.mean((np.array(box.state["running_mean"]) - slow.true_mean) ** 2))
    assert lag > 2 * np.sqrt(np.mean((tr.running_mean - tr.true_mean) ** 2))
    box.controls["momentum"].value = "None"
    cum = I.running_trace(None, 16)
    np.testing.assert_allclose(box.state["running_mean"][-1], cum.batch_mean.mean())
    box.controls["batch_size"].value = 128
    np.testing.assert_allclose(box.state["running_mean"], I.running_trace(None, 128).running_mean)


def test_train_eval_widget_controls():
    box = WI.train_eval_widget()
    assert box.state["mode"] == "train" and not box.state["error"]
    train8 = box.state["accuracy"]
    box.controls["batch_size"].value = 1
    assert box.state["error"] and box.state["p_true"] is None
    box.controls["mode"].value = "eval"
    assert not box.state["error"]
    eval1 = box.state["accuracy"]
    box.controls["batch_size"].value = 64
    assert box.state["accuracy"] == eval1  # eval mode: the batch does not matter
    p_eval = np.array(box.state["p_true"])
    box.controls["mode"].value = "train"
    box.controls["batch_size"].value = 2
    assert box.state["accuracy"] < eval1 and box.state["accuracy"] < train8
    box.controls["seed"].value = 2
    p2 = np.array(box.state["p_true"])
    box.controls["seed"].value = 0
    assert np.max(np.abs(p2 - np.array(box.state["p_true"]))) > 1e-3
    assert len(p_eval) == WI.N_SHOWN


def test_labels_follow_language():
    set_language("zh-Hans")
    box = WI.running_stats_widget()
    assert box.view.axes[0].get_title() == "均值"
    assert box.controls["batch_size"].description == "批量大小"
    box = WI.train_eval_widget(mode="eval")
    assert "准确率" in box.view.axes.texts[0].get_text()
    set_language("en")
    box = WI.train_eval_widget(mode="eval")
    assert "accuracy" in box.view.axes.texts[0].get_text()


def test_benchmark_cases_run():
    for name, factory, changes in WI.benchmark_cases():
        box = factory()
        for control, value in changes:
            box.controls[control].value = value
        last_size = [v for c, v in changes if c == "batch_size"][-1]
        assert box.state["batch_size"] == last_size, name
