"""The preface's first widget: one feature of a mini-batch before and after batch normalization.

Two sliders move the feature's mean (shift) and spread (scale); the left panel shows the raw
values, the right one the normalized values, which stay at mean 0 and variance 1 whatever the
sliders say. Numbers come from :func:`bnbook.functional.batch_norm_forward`.
"""

from __future__ import annotations

from functools import cache

import ipywidgets as W
import numpy as np

from bnbook.functional import batch_norm_forward
from bnbook.i18n import t
from bnbook.widgets._figure import FigureView, make_widget

__all__ = ["normalize_feature", "batch_preview", "benchmark_cases"]


@cache
def _base_sample(n: int, seed: int) -> np.ndarray:
    """A fixed standard-normal sample ``(n,)``; the sliders only shift and scale it."""
    return np.random.default_rng(seed).standard_normal(n)


def normalize_feature(shift: float, scale: float, n: int = 64, seed: int = 0) -> dict[str, np.ndarray | float]:
    """One feature ``x = shift + scale * z`` of a batch of ``n`` and its batch-normalized values.

    Returns ``x`` and ``y`` (both ``(n,)``) and the batch statistics of each
    (``x_mean``, ``x_var``, ``y_mean``, ``y_var``; biased variances, as BN uses).
    """
    x = shift + scale * _base_sample(n, seed)
    y, _ = batch_norm_forward(x[:, None], gamma=np.ones(1), beta=np.zeros(1))
    y = y[:, 0]
    return {"x": x, "y": y, "x_mean": float(x.mean()), "x_var": float(x.var()),
            "y_mean": float(y.mean()), "y_var": float(y.var())}


def batch_preview(n: int = 64, seed: int = 0) -> W.VBox:
    """Sliders for a feature's shift and scale; raw values (left) and after BN (right)."""
    controls = {
        "shift": W.FloatSlider(value=3.0, min=-10.0, max=10.0, step=0.5, description=t("site_preview_shift")),
        "scale": W.FloatSlider(value=4.0, min=0.1, max=10.0, step=0.1, description=t("site_preview_scale")),
    }
    view = FigureView(figsize=(7.0, 2.4), ncols=2, sharey=True)
    ax_raw, ax_bn = view.axes
    position = np.linspace(0.0, 1.0, n)  # spread the points vertically so they do not overlap
    raw = ax_raw.scatter(np.zeros(n), position, s=12, color="tab:gray")
    bn = ax_bn.scatter(np.zeros(n), position, s=12, color="tab:blue")
    for ax, title in ((ax_raw, t("site_preview_raw")), (ax_bn, t("site_preview_bn"))):
        ax.set_title(title)
        ax.set_yticks([])
        ax.axvline(0.0, color="black", lw=0.6)
    ax_raw.set_xlim(-40.0, 40.0)
    ax_bn.set_xlim(-4.0, 4.0)
    ax_raw.set_xlabel(t("site_preview_value"))
    ax_bn.set_xlabel(t("site_preview_value"))
    view.animate(raw, bn)

    def update() -> dict:
        out = normalize_feature(controls["shift"].value, controls["scale"].value, n, seed)
        raw.set_offsets(np.column_stack([out["x"], position]))
        bn.set_offsets(np.column_stack([out["y"], position]))
        return {k: v for k, v in out.items() if k.endswith(("_mean", "_var"))}

    grid = {"shift": (-10.0, -6.0, -3.0, 0.0, 3.0, 6.0, 10.0), "scale": (0.1, 0.5, 1.0, 2.0, 4.0, 7.0, 10.0)}
    return make_widget(controls, view, update, grid=grid)


def benchmark_cases():
    return [("batch_preview", batch_preview, [("shift", -4.0), ("scale", 9.0), ("shift", 7.5), ("scale", 0.5)])]
