"""The error-surface explorer of chapter 1: built, every control moved, numbers checked."""

import numpy as np

from bnbook.experiments import feature_scaling as fs
from bnbook.i18n import set_language
from bnbook.widgets import feature_scaling as wfs


def test_controls_change_the_plotted_runs_as_the_math_says():
    set_language("en")
    box = wfs.error_surface_explorer(ratio=10.0, lr=0.018)
    s = box.state
    p = wfs.surface_problem(10.0)
    np.testing.assert_allclose(s["raw"]["w_star"], fs.least_squares(p["X_raw"], p["y"]))
    # the standardized weights are the raw ones times the feature std: same models
    np.testing.assert_allclose(s["std"]["w_star"], s["raw"]["w_star"] * p["std"], rtol=1e-10)
    assert s["raw"]["kappa"] > 50 and s["std"]["kappa"] < 1.5
    assert s["raw"]["steps"] == fs.steps_to_converge(p["H_raw"], -s["raw"]["w_star"], 0.018)
    # and to the plain step-by-step loop on the data
    loop = fs.gradient_descent(p["X_raw"], p["y"], 0.018, np.zeros(2), wfs.MAX_STEPS)
    assert s["raw"]["steps"] == loop.converged_at
    np.testing.assert_allclose(s["raw"]["path"], loop.path, rtol=1e-6, atol=1e-9)

    # a learning rate past 2 / lambda_max of the raw problem: raw diverges, standardized converges fast
    box.controls["lr"].value = 0.5
    s = box.state
    assert s["raw"]["diverged"] and not s["std"]["diverged"]
    assert s["std"]["steps"] is not None and s["std"]["steps"] < 50
    assert "diverged" in box.children[1].value  # the verdict line under the controls

    # a larger scale ratio makes the raw valley narrower (kappa ~ ratio^2); standardized is unchanged
    k10 = box.state["raw"]["kappa"]
    box.controls["ratio"].value = 100.0
    assert box.state["raw"]["kappa"] > 50 * k10
    assert box.state["std"]["kappa"] < 1.5
    # the contour lines drawn are the levels of the loss
    line = box.view.axes[1].lines[0]
    d = np.c_[line.get_xdata(), line.get_ydata()] - box.state["std"]["w_star"]
    H = wfs.surface_problem(100.0)["H_std"]
    np.testing.assert_allclose(0.5 * np.einsum("ni,ij,nj->n", d, H, d), box.state["levels"][0], rtol=1e-9)


def test_labels_follow_the_language():
    set_language("zh-Hans")
    try:
        box = wfs.error_surface_explorer()
        assert box.view.axes[0].get_title() == "原始特征"
        assert box.controls["lr"].description == "学习率"
        assert "收敛" in box.children[1].value
    finally:
        set_language("en")
    box = wfs.error_surface_explorer()
    assert box.view.axes[0].get_title() == "raw features"


def test_benchmark_cases_name_real_controls():
    for name, factory, changes in wfs.benchmark_cases():
        box = factory()
        for control, value in changes:
            box.controls[control].value = value
