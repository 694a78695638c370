"""Widget of chapter 8 (``08_why_bn_works``): the loss landscape along the gradient.

A slider picks one probed training step; the left panel shows the loss at ``w - eta g``
for the step sizes eta tried, the right panel how much the gradient changed there, for the
MLP with and without BN. The probes are computed once by
:func:`bnbook.experiments.why_bn_works.cached_probes` (training is never run in a callback).
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from bnbook.experiments.why_bn_works import cached_probes
from bnbook.i18n import t
from bnbook.widgets._figure import FigureView, make_widget

__all__ = ["gradient_landscape_widget", "benchmark_cases"]


def gradient_landscape_widget(lr: float = 0.1, epochs: int = 2, index: int = 0) -> W.VBox:
    """Loss and gradient change along the gradient at a chosen training step, with and without BN."""
    probes = {"plain": cached_probes(None, lr, epochs), "bn": cached_probes("bn", lr, epochs)}
    etas = probes["bn"].etas
    view = FigureView(figsize=(8.0, 3.0), ncols=2)
    ax_loss, ax_grad = view.axes
    lines = {}
    for key, style, label in (("plain", "o-", t("ch08_plain")), ("bn", "s-", t("ch08_bn"))):
        p = probes[key]
        lines[key, "loss"], = ax_loss.plot(etas, p.loss[0], style, label=label)
        lines[key, "grad"], = ax_grad.plot(etas, p.grad_change[0], style, label=label)
        lines[key, "loss0"] = ax_loss.axhline(p.loss0[0], ls=":", lw=1, color=lines[key, "loss"].get_color())
    loss_max = max(float(np.max(p.loss)) for p in probes.values())
    grad_max = max(float(np.max(p.grad_change)) for p in probes.values())
    ax_loss.set(xscale="log", xlabel=t("ch08_eta"), ylabel=t("ch08_loss_along"), ylim=(0, 1.05 * loss_max))
    ax_grad.set(xscale="log", xlabel=t("ch08_eta"), ylabel=t("ch08_grad_change"), ylim=(0, 1.05 * grad_max))
    ax_loss.legend(fontsize=8, loc="upper left")
    view.animate(*lines.values())

    steps = probes["bn"].steps
    slider = W.SelectionSlider(options=[(str(int(s)), i) for i, s in enumerate(steps)], value=index,
                               description=t("ch08_training_step"), continuous_update=True,
                               style={"description_width": "initial"})

    def update() -> dict:
        i = int(slider.value)
        state = {"step": int(steps[i])}
        for key, p in probes.items():
            lines[key, "loss"].set_ydata(p.loss[i])
            lines[key, "grad"].set_ydata(p.grad_change[i])
            lines[key, "loss0"].set_ydata([p.loss0[i]] * 2)
            state[key] = {"loss": p.loss[i].copy(), "grad_change": p.grad_change[i].copy(),
                          "loss0": float(p.loss0[i]), "loss_range": float(p.loss_range[i]),
                          "smoothness": float(p.smoothness[i])}
        return state

    return make_widget({"step": slider}, view, update)


def benchmark_cases() -> list:
    """``(name, factory, [(control, value), ...])`` for ``benchmarks/widgets.py``."""
    return [("why_bn_works.gradient_landscape", gradient_landscape_widget,
             [("step", i) for i in (3, 7, 1, 10, 5, 0, 9, 2)])]
