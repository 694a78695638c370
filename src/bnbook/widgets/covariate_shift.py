"""Chapter 2 widget: a training-step slider over the pre-activations of a sigmoid MLP, with and without BN.

The two trainings are run once (:func:`bnbook.experiments.covariate_shift.record_training`,
cached); the slider only indexes the recorded snapshots. Top row: the histogram of one
hidden layer's pre-activations on a fixed probe batch (pooled over the layer's units) at
the chosen step, over the step-0 histogram. Bottom row: the 15th, 50th and 85th
percentile of one unit's pre-activation over the whole training, with a cursor at the step.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from bnbook.experiments.covariate_shift import record_training
from bnbook.i18n import t
from bnbook.widgets._figure import FigureView, make_widget

__all__ = ["covariate_shift_explorer", "pooled_stats", "benchmark_cases"]

UNIT = 0  # the unit whose percentiles the bottom row follows


def pooled_stats(mean: np.ndarray, std: np.ndarray) -> tuple[float, float]:
    """Mean and std of all values pooled over units, from per-unit means and stds (U,) of equal-size groups."""
    pooled_mean = float(mean.mean())
    return pooled_mean, float(np.sqrt(np.mean(std ** 2 + mean ** 2) - pooled_mean ** 2))


def covariate_shift_explorer(step: int | None = None, layer: int = 3, **training) -> W.VBox:
    """Slider over training steps and a choice of hidden layer; histograms and percentile traces.

    ``training`` is passed to ``record_training`` (e.g. ``epochs=4`` in tests). ``box.state``
    holds ``step``, ``layer``, and per run (``plain``, ``bn``) the ``hist`` drawn, the
    ``pooled_mean`` / ``pooled_std`` of the layer and the ``unit_percentiles`` at the step.
    """
    runs = {"plain": record_training(None, **training), "bn": record_training("bn", **training)}
    steps = runs["plain"].steps
    edges = runs["plain"].bin_edges
    n_layers = runs["plain"].hist.shape[1]
    view = FigureView(figsize=(8.0, 5.2), dpi=70, nrows=2, ncols=2)  # fewer pixels: PNG encoding dominates an update
    hist_top = max(r.hist.max() for r in runs.values()) * 1.05
    pct_lo = min(r.percentiles[:, :, UNIT].min() for r in runs.values())
    pct_hi = max(r.percentiles[:, :, UNIT].max() for r in runs.values())
    pad = 0.05 * (pct_hi - pct_lo)
    art = {}
    for col, (key, title) in enumerate((("plain", "without_bn"), ("bn", "with_bn"))):
        ax_h, ax_p = view.axes[0, col], view.axes[1, col]
        ax_h.set_title(t(title))
        ax_h.set_xlim(edges[0], edges[-1])
        ax_h.set_ylim(0, hist_top)
        ax_h.set_xlabel(t("ch02_preactivation"))
        ax_h.set_ylabel(t("ch02_density"))
        ref = ax_h.stairs(np.zeros(len(edges) - 1), edges, color="0.6", ls="--", label=t("ch02_at_start"))
        now = ax_h.stairs(np.zeros(len(edges) - 1), edges, color="tab:blue", fill=True, alpha=0.5)
        ax_h.legend(loc="upper right", fontsize=8)
        ax_p.set_xlim(steps[0], steps[-1])
        ax_p.set_ylim(pct_lo - pad, pct_hi + pad)
        ax_p.set_xlabel(t("training_step"))
        ax_p.set_title(t("ch02_percentiles", unit=UNIT), fontsize=9)
        lines = [ax_p.plot([], [], color=c, lw=1.2)[0] for c in ("tab:orange", "tab:red", "tab:orange")]
        cursor = ax_p.axvline(0, color="black", lw=0.8)
        view.animate(ref, now, *lines, cursor)
        art[key] = (ref, now, lines, cursor)
    # The pooled mean and std go in an HTML line under the figure: text is costly to rasterize.
    stats_line = W.HTML()

    controls = {
        "step": W.IntSlider(value=int(steps[-1] if step is None else step), min=int(steps[0]),
                            max=int(steps[-1]), step=int(steps[1] - steps[0]), description=t("training_step"),
                            style={"description_width": "initial"}, continuous_update=True),
        "layer": W.ToggleButtons(options=list(range(1, n_layers + 1)), value=layer,
                                 description=t("ch02_hidden_layer"), style={"button_width": "3em"}),
    }

    def update() -> dict:
        s, li = int(controls["step"].value), int(controls["layer"].value) - 1
        i = int(np.clip(np.searchsorted(steps, s), 0, len(steps) - 1))
        state = {"step": int(steps[i]), "layer": li + 1}
        for key, rec in runs.items():
            ref, now, lines, cursor = art[key]
            ref.set_data(rec.hist[0, li])
            now.set_data(rec.hist[i, li])
            m, sd = pooled_stats(rec.mean[i, li], rec.std[i, li])
            for q, line in enumerate(lines):
                line.set_data(steps, rec.percentiles[:, li, UNIT, q])
            cursor.set_xdata([steps[i], steps[i]])
            state[key] = {"hist": rec.hist[i, li], "pooled_mean": m, "pooled_std": sd,
                          "unit_percentiles": rec.percentiles[i, li, UNIT]}
        stats_line.value = " &nbsp;|&nbsp; ".join(
            f"<b>{t(label)}</b>: {t('ch02_mean_std', mean=state[key]['pooled_mean'], std=state[key]['pooled_std'])}"
            for key, label in (("plain", "without_bn"), ("bn", "with_bn")))
        return state

    # The static site: every other recorded step (and the first, last and chosen ones).
    shown = sorted({int(s) for s in steps[::2]} | {int(steps[-1]), controls["step"].value})
    return make_widget(controls, view, update, extra=[stats_line], grid={"step": shown})


def benchmark_cases() -> list:
    """``(name, factory, [(control, value), ...])`` for ``benchmarks/widgets.py``."""
    return [("covariate_shift_explorer", covariate_shift_explorer,
             [("step", 0), ("step", 50), ("step", 200), ("layer", 1), ("step", 400), ("layer", 2),
              ("step", 100), ("layer", 3)])]
