"""The gradient-landscape widget of chapter 8 shows the probes of the experiment."""

import numpy as np
import pytest

from bnbook.experiments.why_bn_works import cached_probes
from bnbook.i18n import set_language
from bnbook.widgets.why_bn_works import benchmark_cases, gradient_landscape_widget


def test_each_step_shows_the_recorded_probes():
    box = gradient_landscape_widget()
    plain, bn = cached_probes(None, 0.1, 2), cached_probes("bn", 0.1, 2)
    for i in (0, 3, len(bn.steps) - 1):
        box.controls["step"].value = i
        s = box.state
        assert s["step"] == bn.steps[i]
        np.testing.assert_array_equal(s["bn"]["loss"], bn.loss[i])
        np.testing.assert_array_equal(s["plain"]["grad_change"], plain.grad_change[i])
        assert s["bn"]["smoothness"] == pytest.approx(bn.smoothness[i])
        line = box.view.axes[0].get_lines()[0]
        np.testing.assert_array_equal(line.get_ydata(), plain.loss[i])


def test_labels_follow_the_language():
    box = gradient_landscape_widget()
    assert box.controls["step"].description == "training step"
    set_language("zh-Hans")
    box_zh = gradient_landscape_widget()
    assert box_zh.controls["step"].description == "训练步数"
    assert box_zh.view.axes[0].get_ylabel() == "w − ηg 处的损失"


def test_benchmark_cases_drive_real_controls():
    (name, factory, steps), = benchmark_cases()
    box = factory()
    for control, value in steps:
        box.controls[control].value = value
        assert box.state["step"] == cached_probes("bn", 0.1, 2).steps[value]
