"""The gamma/beta explorer of chapter 4: the histogram and regime fractions follow gamma and beta."""

import numpy as np
import pytest

from bnbook.experiments import gamma_beta as E
from bnbook.i18n import set_language, t
from bnbook.widgets import gamma_beta as M


def test_initial_state_is_the_standardized_layer():
    box = M.gamma_beta_explorer()
    s = box.state
    assert s["gamma"] == 1.0 and s["beta"] == 0.0
    assert s["mean"] == pytest.approx(0.0, abs=1e-12) and s["std"] == pytest.approx(1.0, rel=1e-4)
    assert s["counts"].sum() == E.standardized_batch().size
    assert s["regimes"]["relu"]["dead"] == pytest.approx(np.mean(E.standardized_batch() <= 0))


def test_gamma_and_beta_move_the_histogram_and_the_regimes():
    box = M.gamma_beta_explorer()
    png = box.view.image.value
    linear0 = box.state["regimes"]["sigmoid"]["linear"]

    box.controls["gamma"].value = 4.0
    s = box.state
    assert s["std"] == pytest.approx(4.0, rel=1e-4)
    np.testing.assert_array_equal(s["counts"], M.histogram(4.0 * E.standardized_batch().ravel()))
    assert s["regimes"]["sigmoid"]["saturated"] > 0.2
    assert s["regimes"]["sigmoid"]["linear"] < linear0
    assert box.view.image.value != png

    box.controls["beta"].value = 3.0
    s = box.state
    assert s["mean"] == pytest.approx(3.0, abs=1e-12)
    assert s["regimes"]["relu"]["dead"] == pytest.approx(np.mean(4.0 * E.standardized_batch() + 3.0 <= 0))
    assert s["regimes"]["relu"]["dead"] < 0.5

    box.controls["beta"].value = -5.0
    box.controls["gamma"].value = 0.5
    assert box.state["regimes"]["relu"]["dead"] > 0.99  # shifted far left: ReLU outputs 0 everywhere
    assert box.state["regimes"]["sigmoid"]["saturated"] > 0.9


def test_histogram_clips_into_the_drawn_range():
    counts = M.histogram(np.array([-100.0, 0.01, 100.0]))
    assert counts.sum() == 3 and counts[0] == 1 and counts[-1] == 1


def test_labels_follow_the_language():
    set_language("zh-Hans")
    box = M.gamma_beta_explorer()
    assert box.view.axes[0].get_xlabel() == t("ch04_pre_activation")
    assert "预激活值" in box.view.axes[0].get_xlabel()
    assert "近似线性" in box.view.axes[0].texts[0].get_text()


def test_benchmark_cases_name_real_controls():
    for _, factory, steps in M.benchmark_cases():
        box = factory()
        for control, value in steps:
            box.controls[control].value = value
        assert box.state["gamma"] == steps[-2][1] or box.state["beta"] == steps[-1][1]
