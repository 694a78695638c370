"""Chapter 10 widget: training with and without BN over a grid of learning rates and initial scales.

The runs are precomputed once (:func:`bnbook.experiments.review.lr_init_grid`, cached); the
sliders only pick which two loss curves to show.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from bnbook.experiments import review as R
from bnbook.i18n import t
from bnbook.widgets._figure import FigureView, make_widget

__all__ = ["smooth", "grid_widget", "plot_grid", "benchmark_cases"]

_YMAX = 3.0


def smooth(loss: np.ndarray, window: int = 5) -> np.ndarray:
    """Running mean over the last ``window`` steps (fewer at the start), capped at the plot's top.

    NaN or infinite losses (a diverged run) are shown at the top of the plot.
    """
    loss = np.where(np.isfinite(loss), np.minimum(loss, _YMAX), _YMAX)
    cumsum = np.cumsum(np.insert(loss, 0, 0.0))
    end = np.arange(1, len(loss) + 1)
    start = np.maximum(end - window, 0)
    return (cumsum[end] - cumsum[start]) / (end - start)


def grid_widget() -> W.VBox:
    """Pick a learning rate and an initial weight scale; see the loss with and without BN.

    ``box.state``: ``lr``, ``init_std``, ``loss_bn``, ``loss_plain`` (the plotted smoothed
    curves), ``acc_bn``, ``acc_plain`` (test accuracies), ``info`` (the text shown).
    """
    runs = R.lr_init_grid()
    lrs = sorted({key[1] for key in runs})
    stds = sorted({key[2] for key in runs})
    steps = max(len(run.step_loss) for run in runs.values())
    view = FigureView(figsize=(6.4, 3.0), dpi=72)
    ax = view.axes
    (line_plain,) = ax.plot([], [], color="tab:red", label=t("without_bn"))
    (line_bn,) = ax.plot([], [], color="tab:blue", label=t("with_bn"))
    ax.set_xlim(0, steps)
    ax.set_ylim(0, _YMAX)
    ax.set_xlabel(t("training_step"))
    ax.set_ylabel(t("loss"))
    ax.legend(loc="upper right", fontsize=9)
    ax.grid(alpha=0.3)
    view.animate(line_plain, line_bn)
    info = W.Label()
    controls = {
        "lr": W.SelectionSlider(options=lrs, value=0.1, description=t("ch10_lr"),
                                style={"description_width": "initial"}),
        "init_std": W.SelectionSlider(options=stds, value=0.1, description=t("ch10_init_std"),
                                      style={"description_width": "initial"}),  # the whole label
    }

    def update() -> dict:
        lr, std = controls["lr"].value, controls["init_std"].value
        plain, bn = runs[("none", lr, std)], runs[("bn", lr, std)]
        loss_plain, loss_bn = smooth(plain.step_loss), smooth(bn.step_loss)
        line_plain.set_data(np.arange(1, len(loss_plain) + 1), loss_plain)
        line_bn.set_data(np.arange(1, len(loss_bn) + 1), loss_bn)
        info.value = t("ch10_accuracies", plain=100 * plain.test_accuracy, bn=100 * bn.test_accuracy)
        return {"lr": lr, "init_std": std, "loss_plain": loss_plain, "loss_bn": loss_bn,
                "acc_plain": plain.test_accuracy, "acc_bn": bn.test_accuracy, "info": info.value}

    return make_widget(controls, view, update, extra=[info])


def plot_grid(ax_plain, ax_bn, runs: dict) -> dict[str, np.ndarray]:
    """Two heat maps of test accuracy (%) over (init std, learning rate); returns the two tables."""
    lrs = sorted({key[1] for key in runs})
    stds = sorted({key[2] for key in runs})
    tables = {}
    for ax, norm, title in ((ax_plain, "none", "ch10_grid_title_plain"), (ax_bn, "bn", "ch10_grid_title_bn")):
        table = np.array([[100 * runs[(norm, lr, std)].test_accuracy for lr in lrs] for std in stds])
        tables[norm] = table
        ax.imshow(table, cmap="viridis", vmin=0, vmax=100, origin="lower")
        for i in range(len(stds)):
            for j in range(len(lrs)):
                ax.text(j, i, f"{table[i, j]:.0f}", ha="center", va="center",
                        color="white" if table[i, j] < 60 else "black", fontsize=10)
        ax.set_xticks(range(len(lrs)), [str(v) for v in lrs])
        ax.set_yticks(range(len(stds)), [str(v) for v in stds])
        ax.set_xlabel(t("ch10_lr"))
        ax.set_ylabel(t("ch10_init_std"))
        ax.set_title(t(title), fontsize=10)
    return tables


def benchmark_cases() -> list:
    """``(name, factory, [(control, value), ...])`` for ``benchmarks/widgets.py``."""
    return [("ch10 learning rate and init", grid_widget,
             [("lr", 1.0), ("init_std", 1.0), ("lr", 0.01), ("init_std", 0.01), ("lr", 0.1), ("init_std", 0.1)])]
