"""Widget of chapter 7 (``07_practice``): how the batch size shapes the batch statistics.

A slider picks the batch size m; the two histograms show the means and the (biased)
variances that BN computes on 2,000 random batches of one real feature (a hidden unit's
pre-activation over the training digits), against the population values.
The numbers come from :func:`bnbook.experiments.practice.sample_batch_stats`.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as W
import numpy as np

from bnbook.experiments.practice import sample_batch_stats, widget_population
from bnbook.i18n import t
from bnbook.widgets._figure import FigureView, make_widget

__all__ = ["batch_stats_theory", "batch_statistics_widget", "benchmark_cases"]

_BINS = 40


def batch_stats_theory(population: np.ndarray, m: int) -> dict[str, float]:
    """Exact moments of the batch mean and biased batch variance for batches of ``m``
    drawn without replacement from ``population`` (size P, variance sigma^2 over P):

    * ``E[mu_B] = mu``, ``std(mu_B) = sigma / sqrt(m) * sqrt((P - m) / (P - 1))``;
    * ``E[var_B] = (m - 1) / m * P / (P - 1) * sigma^2`` (BN's biased variance runs low).
    """
    p = len(population)
    mu, var = float(population.mean()), float(population.var())
    return {
        "mean": mu,
        "var": var,
        "std_mu_B": float(np.sqrt(var / m * (p - m) / (p - 1))),
        "mean_var_B": (m - 1) / m * p / (p - 1) * var,
    }


def batch_statistics_widget(batch_sizes: Sequence[int] = (1, 2, 4, 8, 16, 32, 64, 128),
                            n_batches: int = 2000, value: int = 8) -> W.VBox:
    """Histograms of mu_B and sigma_B^2 over ``n_batches`` batches, for a batch size slider."""
    pop = widget_population()
    theory_all = batch_stats_theory(pop, 2)
    mu, var = theory_all["mean"], theory_all["var"]
    # Fixed bins wide enough for the smallest batch (m = 2) that has a variance.
    mu_edges = np.linspace(mu - 4 * np.sqrt(var), mu + 4 * np.sqrt(var), _BINS + 1)
    _, v2 = sample_batch_stats(pop, 2, n_batches)
    var_edges = np.linspace(0.0, float(np.quantile(v2, 0.98)), _BINS + 1)
    largest = max(batch_sizes)
    mu_big, var_big = sample_batch_stats(pop, largest, n_batches)
    peak_mu = np.histogram(mu_big, mu_edges, density=True)[0].max()
    peak_var = np.histogram(var_big, var_edges, density=True)[0].max()

    view = FigureView(figsize=(8.0, 3.0), ncols=2)
    ax_mu, ax_var = view.axes
    stairs_mu = ax_mu.stairs(np.zeros(_BINS), mu_edges, fill=True, alpha=0.6, color="C0")
    stairs_var = ax_var.stairs(np.zeros(_BINS), var_edges, fill=True, alpha=0.6, color="C1")
    ax_mu.axvline(mu, color="k", lw=1.5, label=t("ch07_population_value"))
    ax_var.axvline(var, color="k", lw=1.5, label=t("ch07_population_value"))
    expected = ax_var.axvline(var, color="C3", ls="--", lw=1.5, label=t("ch07_expected_var_B"))
    ax_mu.set(xlabel=t("ch07_batch_mean"), ylabel=t("ch07_density"), ylim=(0, 1.1 * peak_mu))
    ax_var.set(xlabel=t("ch07_batch_var"), ylim=(0, 1.1 * peak_var))
    ax_mu.legend(loc="upper left", fontsize=8)
    ax_var.legend(loc="upper right", fontsize=8)
    caption = ax_mu.text(0.98, 0.95, "", transform=ax_mu.transAxes, ha="right", va="top", fontsize=9)
    view.animate(stairs_mu, stairs_var, expected, caption)

    slider = W.SelectionSlider(options=list(batch_sizes), value=value, description=t("ch07_batch_size"),
                               continuous_update=True, style={"description_width": "initial"})

    def update() -> dict:
        m = int(slider.value)
        mu_b, var_b = sample_batch_stats(pop, m, n_batches)
        th = batch_stats_theory(pop, m)
        stairs_mu.set_data(np.histogram(mu_b, mu_edges, density=True)[0])
        # a batch of one has variance exactly 0: all its mass sits in the first bin
        stairs_var.set_data(np.histogram(np.clip(var_b, 0, var_edges[-1]), var_edges, density=True)[0])
        expected.set_xdata([th["mean_var_B"]] * 2)
        caption.set_text(f"m = {m}\nstd = {mu_b.std():.3f}")
        return {"batch_size": m, "mean_mu_B": float(mu_b.mean()), "std_mu_B": float(mu_b.std()),
                "mean_var_B": float(var_b.mean()), "theory": th,
                "zero_variance_fraction": float(np.mean(var_b == 0.0))}

    return make_widget({"batch_size": slider}, view, update)


def benchmark_cases() -> list:
    """``(name, factory, [(control, value), ...])`` for ``benchmarks/widgets.py``."""
    return [("practice.batch_statistics", batch_statistics_widget,
             [("batch_size", m) for m in (2, 16, 128, 1, 32, 4, 64, 8)])]
