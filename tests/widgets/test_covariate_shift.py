"""The covariate-shift explorer of chapter 2: built, every control moved, numbers checked."""

import numpy as np

from bnbook.experiments.covariate_shift import record_training
from bnbook.i18n import set_language
from bnbook.widgets import covariate_shift as wcs

SMALL = dict(epochs=2, every=7, probe_size=64, bins=20)


def test_step_and_layer_show_the_recorded_snapshot():
    set_language("en")
    box = wcs.covariate_shift_explorer(step=0, layer=3, **SMALL)
    plain, bn = record_training(None, **SMALL), record_training("bn", **SMALL)
    s = box.state
    assert s["step"] == 0 and s["layer"] == 3
    np.testing.assert_allclose(s["plain"]["hist"], plain.hist[0, 2])
    np.testing.assert_allclose(s["bn"]["pooled_mean"], 0.0, atol=1e-10)  # BN output at step 0: beta = 0
    np.testing.assert_allclose(s["bn"]["pooled_std"], 1.0, rtol=1e-3)  # and gamma = 1

    box.controls["step"].value = 28
    s = box.state
    i = list(plain.steps).index(28)
    np.testing.assert_allclose(s["plain"]["hist"], plain.hist[i, 2])
    np.testing.assert_allclose(s["bn"]["unit_percentiles"], bn.percentiles[i, 2, wcs.UNIT])
    # the drawn histogram is the recorded one
    drawn = box.view.axes[0, 0].patches[1].get_data().values
    np.testing.assert_allclose(drawn, plain.hist[i, 2])
    cursor = box.view.axes[1, 0].lines[-1]
    assert cursor.get_xdata()[0] == 28

    box.controls["layer"].value = 1
    np.testing.assert_allclose(box.state["plain"]["hist"], plain.hist[i, 0])
    m, sd = wcs.pooled_stats(plain.mean[i, 0], plain.std[i, 0])
    assert box.state["plain"]["pooled_mean"] == m and box.state["plain"]["pooled_std"] == sd
    assert f"mean {m:.2f}, std {sd:.2f}" in box.children[1].value


def test_pooled_stats_equal_the_stats_of_the_pooled_values():
    x = np.random.default_rng(0).normal([0.0, 3.0, -1.0], [1.0, 2.0, 0.5], size=(50, 3))
    m, sd = wcs.pooled_stats(x.mean(axis=0), x.std(axis=0))
    np.testing.assert_allclose([m, sd], [x.mean(), x.std()], rtol=1e-12)


def test_labels_follow_the_language():
    set_language("zh-Hans")
    try:
        box = wcs.covariate_shift_explorer(**SMALL)
        assert box.view.axes[0, 1].get_title() == "使用 BN"
        assert box.controls["layer"].description == "隐藏层"
        assert "均值" in box.children[1].value
    finally:
        set_language("en")
    assert wcs.covariate_shift_explorer(**SMALL).view.axes[0, 1].get_title() == "with BN"


def test_benchmark_cases_name_real_controls():
    for name, factory, changes in wcs.benchmark_cases():
        box = factory(**SMALL)
        for control, value in changes:
            box.controls[control].value = min(value, box.controls[control].max) if control == "step" else value
