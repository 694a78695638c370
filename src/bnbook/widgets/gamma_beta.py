"""Chapter 4 (gamma and beta): where BN's outputs land on sigmoid, tanh and ReLU.

Two sliders set gamma and beta; for each activation, a histogram of the BN outputs
``y = gamma * x_hat + beta`` of a real hidden layer is drawn over the activation's
curve, with the regimes shaded (near-linear, saturated, dead) and the fraction of values
in each. The numbers come from :mod:`bnbook.experiments.gamma_beta`.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from bnbook.experiments.gamma_beta import ACTIVATIONS, activation, activation_regimes, bn_outputs, regime_bounds
from bnbook.i18n import t
from bnbook.widgets._figure import FigureView, make_widget

__all__ = ["Z_RANGE", "histogram", "gamma_beta_explorer", "benchmark_cases"]

#: The pre-activation range drawn; values outside are counted in the regimes, not drawn.
Z_RANGE = (-8.0, 8.0)
_EDGES = np.linspace(*Z_RANGE, 81)
_Y_LIMITS = {"sigmoid": (-0.05, 1.05), "tanh": (-1.1, 1.1), "relu": (-0.4, 8.0)}
#: The static site's values: the sliders' ranges, with the gamma that saturates a quarter of the
#: sigmoid inputs and the beta that kills 90 % of the ReLU units (the chapter's two targets).
GAMMAS = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0)
BETAS = tuple(float(b) for b in np.round(np.arange(-5.0, 5.01, 0.25), 2))


def histogram(values: np.ndarray) -> np.ndarray:
    """Counts of ``values`` in the 80 bins of :data:`Z_RANGE` (values outside are clipped in)."""
    counts, _ = np.histogram(np.clip(values, _EDGES[0], _EDGES[-1]), bins=_EDGES)
    return counts


def _regime_text(fractions: dict[str, float], name: str) -> str:
    keys = ("dead", "linear") if name == "relu" else ("saturated", "linear")
    return "\n".join(t(f"ch04_regime_{k}", p=100 * fractions[k]) for k in keys)


def gamma_beta_explorer(gamma: float = 1.0, beta: float = 0.0) -> W.VBox:
    """Gamma and beta sliders over the histogram of BN outputs on sigmoid, tanh and ReLU.

    ``box.state`` holds ``gamma``, ``beta``, ``counts`` (the histogram), ``mean`` and
    ``std`` of the outputs, and ``regimes``: ``{activation: {regime: fraction}}``.
    """
    controls = {
        "gamma": W.FloatSlider(value=gamma, min=0.1, max=5.0, step=0.1, description="\u03b3"),
        "beta": W.FloatSlider(value=beta, min=-5.0, max=5.0, step=0.1, description="\u03b2"),
    }
    view = FigureView(figsize=(8.4, 2.8), dpi=80, ncols=3)
    z = np.linspace(*Z_RANGE, 400)
    bars, notes = [], []
    for ax, name in zip(view.axes, ACTIVATIONS):
        bounds = regime_bounds(name)
        if name == "relu":
            ax.axvspan(Z_RANGE[0], 0.0, color="tab:red", alpha=0.12, lw=0)
        else:
            ax.axvspan(-bounds["linear"], bounds["linear"], color="tab:green", alpha=0.15, lw=0)
            for side in (-1, 1):
                far = Z_RANGE[1] if side > 0 else Z_RANGE[0]
                ax.axvspan(side * bounds["saturated"], far, color="tab:red", alpha=0.12, lw=0)
        ax.plot(z, activation(name, z), color="black", lw=1.5)
        ax.set_xlim(*Z_RANGE)
        ax.set_ylim(*_Y_LIMITS[name])
        ax.set_title(t(f"ch04_{name}"), fontsize=10)
        ax.set_xlabel(t("ch04_pre_activation"), fontsize=9)
        ax.tick_params(labelsize=8)
        hist_ax = ax.twinx()  # the histogram on its own scale, peak at 90 % of the height
        hist_ax.set_ylim(0, 1)
        hist_ax.set_yticks([])
        (bar,) = [hist_ax.stairs(np.zeros(len(_EDGES) - 1), _EDGES, fill=True, color="tab:blue", alpha=0.45)]
        note = ax.text(0.03, 0.97, "", transform=ax.transAxes, ha="left", va="top", fontsize=8,
                       bbox=dict(boxstyle="round", facecolor="white", alpha=0.8, lw=0))
        bars.append(bar)
        notes.append(note)
    view.animate(*bars, *notes)

    def update() -> dict:
        g, b = controls["gamma"].value, controls["beta"].value
        y = bn_outputs(g, b)  # (values,) BN outputs of a real layer
        counts = histogram(y)
        heights = 0.9 * counts / max(counts.max(), 1)
        regimes = {name: activation_regimes(name, y) for name in ACTIVATIONS}
        for bar, note, name in zip(bars, notes, ACTIVATIONS):
            bar.set_data(heights)
            note.set_text(_regime_text(regimes[name], name))
        return {"gamma": g, "beta": b, "counts": counts, "mean": float(y.mean()), "std": float(y.std()),
                "regimes": regimes}

    return make_widget(controls, view, update, grid={"gamma": GAMMAS, "beta": BETAS})


def benchmark_cases() -> list:
    """``(name, factory, [(control, value), ...])`` for ``benchmarks/widgets.py``."""
    return [
        ("gamma_beta_explorer", gamma_beta_explorer, [
            ("gamma", 2.0), ("gamma", 4.0), ("beta", 2.5), ("beta", -3.0), ("gamma", 0.5), ("beta", 0.0),
        ]),
    ]
