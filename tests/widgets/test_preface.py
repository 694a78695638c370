"""The preface widget: its numbers are batch normalization's, its labels follow the language."""

import numpy as np
import pytest

from bnbook.functional import batch_norm_forward
from bnbook.i18n import set_language, t
from bnbook.widgets.preface import batch_preview, benchmark_cases, normalize_feature


def test_normalize_feature_matches_functional():
    out = normalize_feature(shift=-2.5, scale=7.0, n=32, seed=3)
    y, _ = batch_norm_forward(out["x"][:, None], np.ones(1), np.zeros(1))
    np.testing.assert_allclose(out["y"], y[:, 0])
    assert out["x_mean"] == pytest.approx(out["x"].mean())
    assert out["y_mean"] == pytest.approx(0.0, abs=1e-12)
    # biased batch variance of y is 1 - eps / (var + eps): slightly below one
    assert out["y_var"] == pytest.approx(out["x_var"] / (out["x_var"] + 1e-5))


def test_sliders_move_the_raw_statistics_but_not_the_normalized_ones():
    box = batch_preview(n=48, seed=1)
    before = dict(box.state)
    box.controls["shift"].value = -6.0
    box.controls["scale"].value = 0.5
    after = box.state
    assert after["x_mean"] != pytest.approx(before["x_mean"])
    assert after["x_var"] == pytest.approx(before["x_var"] * (0.5 / 4.0) ** 2)
    assert after["y_mean"] == pytest.approx(0.0, abs=1e-9)
    assert after["y_var"] == pytest.approx(1.0, abs=1e-3)
    assert box.view.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_labels_follow_the_language():
    assert batch_preview().controls["shift"].description == "shift"
    set_language("zh-Hans")
    assert batch_preview().controls["shift"].description == t("site_preview_shift") == "平移"
    set_language("zh-Hant")
    assert t("site_preview_scale") == "縮放"


def test_benchmark_cases_name_real_controls():
    for name, factory, steps in benchmark_cases():
        box = factory()
        for control, value in steps:
            box.controls[control].value = value
