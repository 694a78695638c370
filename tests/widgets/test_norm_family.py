"""Chapter 9 widget: the pooled entries and the output match bnbook.functional; labels switch language."""

import io

import numpy as np
from matplotlib.figure import Figure

from bnbook import functional as F
from bnbook.i18n import set_language
from bnbook.widgets import norm_family as NW


def test_every_control_changes_the_state_consistently_with_functional():
    box = NW.shared_stats_widget()
    x = NW.example_batch()
    N, C = x.shape[:2]
    ones, zeros = np.ones(C), np.zeros(C)
    for name, _, changes in NW.benchmark_cases():
        for control, value in changes:
            box.controls[control].value = value
            s = box.state
            assert s[control] == value
            n, c, g = s["n"], s["c"], s["num_groups"]
            expected_y = {
                "bn": lambda: F.batch_norm_forward(x, ones, zeros)[0],
                "ln": lambda: F.layer_norm_forward(x, np.ones(x.shape[1:]), np.zeros(x.shape[1:]))[0],
                "in": lambda: F.instance_norm_forward(x, ones, zeros)[0],
                "gn": lambda: F.group_norm_forward(x, g, ones, zeros)[0],
            }[s["method"]]()
            np.testing.assert_allclose(s["y"], expected_y, rtol=1e-12, atol=1e-12)
            # The pooled entries, normalized with their own mean and std, are exactly the output there.
            pooled = x[s["mask"]]
            np.testing.assert_allclose(s["y"][s["mask"]], (pooled - s["mean"]) / np.sqrt(s["std"] ** 2 + 1e-5),
                                       rtol=1e-10, atol=1e-10)
            expected_count = {"bn": N * 64, "ln": C * 64, "in": 64, "gn": C // g * 64}[s["method"]]
            assert s["count"] == expected_count
            assert s["mask"][n, c].all()


def test_the_mask_follows_the_selection():
    box = NW.shared_stats_widget()
    box.controls["method"].value = "in"
    box.controls["n"].value, box.controls["c"].value = 2, 3
    mask = box.state["mask"]
    assert mask.sum() == 64 and mask[2, 3].all()
    box.controls["method"].value = "bn"
    assert box.state["mask"][:, 3].all() and not box.state["mask"][:, :3].any()


def test_mosaic_places_each_map_and_leaves_gaps():
    x = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    m = NW.mosaic(x)
    assert m.shape == (2 * 3 - 1, 3 * 3 - 1)
    np.testing.assert_array_equal(m[3:5, 6:8], x[1, 2])
    assert np.isnan(m[2]).all()


def test_labels_switch_with_the_language():
    box_en = NW.shared_stats_widget()
    set_language("zh-Hans")
    box_zh = NW.shared_stats_widget()
    assert box_en.controls["c"].description == "channel c"
    assert box_zh.controls["c"].description == "通道 c"
    assert "均值" in box_zh.state["info"] and "mean" in box_en.state["info"]
    assert box_en.view.image.value != box_zh.view.image.value  # titles are drawn in the figure


def test_figures_draw_in_both_languages():
    from bnbook.experiments import norm_family as E

    for lang in ("en", "zh-Hans"):
        set_language(lang)
        masks = NW.draw_cubes(Figure())
        assert masks["bn"][:, 0].all() and masks["bn"].sum() == 4
        assert masks["ln"][0].all() and masks["ln"].sum() == 6
        fig = Figure()
        NW.plot_batch_size_sweep(fig.subplots(), E.SweepResult("mlp", (2, 4), {"bn": [0.5, 0.9]}))
        fig.savefig(io.BytesIO(), format="png")  # renders every label (a missing glyph warns)
