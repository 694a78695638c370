"""The batch-statistics widget of chapter 7: its numbers are the statistics of real batches."""

import numpy as np
import pytest

from bnbook.experiments.practice import sample_batch_stats, widget_population
from bnbook.i18n import set_language, t
from bnbook.widgets.practice import batch_stats_theory, batch_statistics_widget, benchmark_cases


def test_every_batch_size_matches_the_sampled_batches_and_the_theory():
    box = batch_statistics_widget(n_batches=2000)
    pop = widget_population()
    for m in (2, 16, 128, 4):
        box.controls["batch_size"].value = m
        s = box.state
        assert s["batch_size"] == m
        mu_b, var_b = sample_batch_stats(pop, m, 2000)
        assert s["mean_mu_B"] == pytest.approx(mu_b.mean())
        assert s["std_mu_B"] == pytest.approx(mu_b.std())
        th = batch_stats_theory(pop, m)
        # Monte Carlo with 2,000 batches: within a few standard errors of the exact moments
        assert s["std_mu_B"] == pytest.approx(th["std_mu_B"], rel=0.08)
        assert s["mean_var_B"] == pytest.approx(th["mean_var_B"], rel=0.08)
        assert s["mean_mu_B"] == pytest.approx(pop.mean(), abs=4 * th["std_mu_B"] / np.sqrt(2000))


def test_a_batch_of_one_has_no_variance_and_the_spread_shrinks_with_m():
    box = batch_statistics_widget()
    box.controls["batch_size"].value = 1
    assert box.state["zero_variance_fraction"] == 1.0
    assert box.state["mean_var_B"] == 0.0
    spreads = []
    for m in (2, 8, 32, 128):
        box.controls["batch_size"].value = m
        spreads.append(box.state["std_mu_B"])
    assert all(a > b for a, b in zip(spreads, spreads[1:]))


def test_biased_batch_variance_runs_low_by_m_minus_1_over_m():
    pop = np.random.default_rng(3).normal(2.0, 3.0, size=500)
    _, var_b = sample_batch_stats(pop, 4, 4000, seed=1)
    th = batch_stats_theory(pop, 4)
    assert th["mean_var_B"] == pytest.approx(0.75 * 500 / 499 * pop.var())
    assert var_b.mean() == pytest.approx(th["mean_var_B"], rel=0.05)
    assert var_b.mean() < 0.85 * pop.var()


def test_labels_follow_the_language():
    box = batch_statistics_widget()
    assert box.controls["batch_size"].description == "batch size"
    assert box.view.axes[0].get_xlabel() == t("ch07_batch_mean")
    set_language("zh-Hans")
    box_zh = batch_statistics_widget()
    assert box_zh.controls["batch_size"].description == "批量大小"
    assert box_zh.view.axes[1].get_xlabel() == "批量方差 σ²_B"


def test_benchmark_cases_drive_real_controls():
    (name, factory, steps), = benchmark_cases()
    box = factory()
    for control, value in steps:
        box.controls[control].value = value
        assert box.state["batch_size"] == value
    assert box.view.image.value[:4] == b"\x89PNG"
