"""Chapter 6 widgets: running estimates vs the truth, and training-mode vs eval-mode predictions.

The numbers come from :mod:`bnbook.experiments.inference` (cached there or here), so a
slider only indexes precomputed arrays and moves artists.
"""

from __future__ import annotations

from functools import cache

import ipywidgets as W
import numpy as np

from bnbook.experiments.inference import mode_predictions, running_trace, train_recording_batch_stats
from bnbook.i18n import t
from bnbook.widgets._figure import FigureView, make_widget

__all__ = ["MOMENTA", "BATCH_SIZES", "PREDICT_BATCH_SIZES", "running_stats_widget", "predictions",
           "train_eval_widget", "benchmark_cases"]

#: Momentum choices (PyTorch's convention: the weight of the new batch); "None" = cumulative average.
MOMENTA = ("0.01", "0.03", "0.1", "0.3", "0.9", "None")
BATCH_SIZES = (2, 4, 8, 16, 32, 64, 128)
STEPS = 300
#: The widget predicts the first 448 = 7 x 64 test digits, so every batch size below divides it
#: (a last batch of one would make training mode fail; that case is chapter 7's).
N_PREDICT = 448
PREDICT_BATCH_SIZES = (1, 2, 4, 8, 16, 64, N_PREDICT)
N_SHOWN = 16


def _momentum(label: str) -> float | None:
    return None if label == "None" else float(label)


def running_stats_widget(momentum: str = "0.1", batch_size: int = 16) -> W.VBox:
    """Running mean and variance of a BatchNorm layer fed a drifting stream, against the true values."""
    for mom in MOMENTA:  # compute every run once (cached, vectorized): a slider move then only redraws
        for size in BATCH_SIZES:
            running_trace(_momentum(mom), size)
    view = FigureView(figsize=(9.0, 3.2), dpi=80, ncols=2)
    steps = np.arange(1, STEPS + 1)
    trace0 = running_trace(None, 2)  # any run: the true curves are the same for all
    artists = []
    for ax, true, title, ylim in ((view.axes[0], trace0.true_mean, "ch06_mean", (-1.0, 6.0)),
                                  (view.axes[1], trace0.true_var, "ch06_variance", (0.0, 9.0))):
        ax.plot(steps, true, color="k", lw=2, label=t("ch06_true_value"))
        dots = ax.scatter(steps, np.zeros(STEPS), s=4, color="tab:gray", alpha=0.5, label=t("ch06_batch_value"))
        (line,) = ax.plot(steps, np.zeros(STEPS), color="tab:red", lw=2, label=t("ch06_running_value"))
        ax.set_ylim(*ylim)
        ax.set_xlabel(t("training_step"))
        ax.set_title(t(title))
        artists.append((dots, line))
    view.axes[0].legend(loc="upper right", fontsize=8)
    view.animate(*(a for pair in artists for a in pair))

    controls = {
        "momentum": W.SelectionSlider(options=MOMENTA, value=momentum, description=t("ch06_momentum")),
        "batch_size": W.SelectionSlider(options=BATCH_SIZES, value=batch_size, description=t("ch06_batch_size")),
    }

    def update() -> dict:
        tr = running_trace(_momentum(controls["momentum"].value), controls["batch_size"].value)
        for (dots, line), batch, running in ((artists[0], tr.batch_mean, tr.running_mean),
                                             (artists[1], tr.batch_var, tr.running_var)):
            dots.set_offsets(np.column_stack([steps, batch]))
            line.set_ydata(running)
        last = slice(STEPS - 100, STEPS)
        return {"momentum": _momentum(controls["momentum"].value), "batch_size": controls["batch_size"].value,
                "running_mean": tr.running_mean.tolist(), "running_var": tr.running_var.tolist(),
                "final_mean_error": float(tr.running_mean[-1] - tr.true_mean[-1]),
                "final_var_error": float(tr.running_var[-1] - tr.true_var[-1]),
                "rms_mean_error_last100": float(np.sqrt(np.mean((tr.running_mean[last] - tr.true_mean[last]) ** 2)))}

    return make_widget(controls, view, update)


@cache
def predictions(mode: str, batch_size: int, seed: int) -> tuple[np.ndarray, float] | None:
    """:func:`mode_predictions` of the chapter's trained MLP on the first 448 test digits (cached).

    Eval mode does not depend on how the digits are batched (a test checks it), so it is
    computed once, in one batch, for every batch size and seed.
    """
    rec = train_recording_batch_stats()
    if mode == "eval" and (batch_size, seed) != (N_PREDICT, 0):
        return predictions("eval", N_PREDICT, 0)
    return mode_predictions(rec.model, rec.X_test[:N_PREDICT], rec.y_test[:N_PREDICT], batch_size, mode, seed)


def train_eval_widget(mode: str = "train", batch_size: int = 8, seed: int = 0) -> W.VBox:
    """The same test digits predicted in training or eval mode, in batches of a chosen size."""
    for b in PREDICT_BATCH_SIZES:  # warm the cache for the first batching: later moves only index it
        predictions("train", b, seed)
    predictions("eval", N_PREDICT, 0)
    view = FigureView(figsize=(9.0, 3.0), dpi=80)
    ax = view.axes
    idx = np.arange(N_SHOWN)
    bars = ax.bar(idx, np.zeros(N_SHOWN), 0.7, color="tab:blue")
    ax.set_ylim(0, 1.3)  # room above the bars for the accuracy
    ax.set_xticks(idx, [str(i + 1) for i in idx])
    ax.set_xlabel(t("ch06_test_example"))
    ax.set_ylabel(t("ch06_p_true"))
    info = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", fontsize=11,
                   bbox=dict(boxstyle="round", fc="white", ec="0.5"))
    view.animate(*bars, info)

    controls = {
        "mode": W.ToggleButtons(options=[(t("ch06_mode_train"), "train"), (t("ch06_mode_eval"), "eval")],
                                value=mode, description=t("ch06_mode")),
        "batch_size": W.SelectionSlider(options=PREDICT_BATCH_SIZES, value=batch_size,
                                        description=t("ch06_batch_size")),
        "seed": W.IntSlider(value=seed, min=0, max=4, description=t("ch06_shuffle")),
    }

    def update() -> dict:
        out = predictions(controls["mode"].value, controls["batch_size"].value, controls["seed"].value)
        if out is None:
            for bar in bars:
                bar.set_height(0.0)
            info.set_text(t("ch06_error_one_value"))
            info.set_position((0.5, 0.5))
            return {"mode": controls["mode"].value, "batch_size": controls["batch_size"].value,
                    "error": True, "p_true": None, "accuracy": None}
        p_true, acc = out
        for bar, p in zip(bars, p_true[:N_SHOWN]):
            bar.set_height(p)
        info.set_text(t("ch06_accuracy_text", acc=100 * acc, n=N_PREDICT))
        info.set_position((0.5, 0.9))
        return {"mode": controls["mode"].value, "batch_size": controls["batch_size"].value, "error": False,
                "p_true": p_true[:N_SHOWN].tolist(), "accuracy": acc}

    return make_widget(controls, view, update)


def benchmark_cases() -> list:
    """Control changes for ``benchmarks/widgets.py``."""
    return [
        ("running_stats", running_stats_widget,
         [("momentum", m) for m in ("0.01", "0.3", "None", "0.1")]
         + [("batch_size", b) for b in (2, 64, 8)]),
        ("train_eval", train_eval_widget,
         [("batch_size", b) for b in (2, 16, 1, 64)] + [("mode", "eval"), ("batch_size", 2), ("seed", 3),
                                                       ("mode", "train")]),
    ]
