"""Chapter 1 widget: the error-surface explorer (raw vs standardized features, side by side).

Two features on scales ``ratio`` apart (:func:`bnbook.data.make_two_scale_regression`);
the left panel shows the loss contours and the gradient-descent path in the raw weights
``(w1, w2)``, the right one in the weights of the standardized features. Both start from
zero weights (the same predictions, so the same loss), use the same learning rate and
draw the same loss levels. The numerics are :mod:`bnbook.experiments.feature_scaling`.
"""

from __future__ import annotations

from functools import cache

import ipywidgets as W
import numpy as np

from bnbook.data import make_two_scale_regression
from bnbook.experiments.feature_scaling import (fit_standardizer, gradient_descent_closed_form, hessian,
                                                least_squares, level_ellipse, mse, standardize)
from bnbook.i18n import t
from bnbook.widgets._figure import FigureView, make_widget

__all__ = ["error_surface_explorer", "surface_problem", "benchmark_cases"]

MAX_STEPS = 1000
LEVELS = (1.0, 0.3, 0.08, 0.02, 0.004)  # fractions of the starting excess loss
LIMITS = (-1.5, 4.5, -4.5, 1.5)  # both panels: x from -1.5 to 4.5, y from -4.5 to 1.5
#: The static site's scale ratios and learning rates: the sliders' ranges, roughly evenly in
#: log scale, with the chapter's setting (10, 0.018) and the values its "things to try" name.
RATIOS = (1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 50.0, 100.0)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.018, 0.03, 0.1, 0.3, 0.5, 1.0, 1.5)


@cache
def surface_problem(ratio: float, n: int = 200, seed: int = 0) -> dict[str, np.ndarray]:
    """Data, Hessians and minimizers for one scale ratio, raw and standardized (cached)."""
    X, y, _ = make_two_scale_regression(n=n, scale_ratio=ratio, seed=seed)
    mean, std = fit_standardizer(X)
    # Both panels use centred data (and target), so no intercept is needed and the only
    # difference left is the scale: the standardized weights are the raw ones times std,
    # and the two panels show the same models. (Chapter 1 shows what centring adds.)
    X = X - mean
    Z = standardize(X, 0.0, std)
    yc = y - y.mean()
    out = {"X_raw": X, "X_std": Z, "y": yc, "std": std,
           "start_excess": float(mse(np.zeros(2), X, yc) - mse(least_squares(X, yc), X, yc))}
    for key, A in (("raw", X), ("std", Z)):
        H, w = hessian(A), least_squares(A, yc)
        out[f"H_{key}"], out[f"w_{key}"], out[f"eig_{key}"] = H, w, np.linalg.eigvalsh(H)
        out[f"ellipses_{key}"] = [level_ellipse(H, w, f * out["start_excess"]) for f in LEVELS]
    return out


def _verdict(result) -> str:
    if result.diverged:
        return t("ch01_diverged")
    if result.converged_at is None:
        return t("ch01_not_converged", steps=MAX_STEPS)
    return t("ch01_converged", steps=result.converged_at)


def error_surface_explorer(ratio: float = 10.0, lr: float = 0.018) -> W.VBox:
    """Sliders for the scale ratio and the learning rate; contours and paths, raw vs standardized.

    ``box.state`` holds ``ratio``, ``lr``, per panel (``raw``/``std``) the ``steps``
    (``None`` if not converged within ``MAX_STEPS``), ``diverged``, ``kappa`` (condition
    number of the Hessian), ``w_star``, the ``path`` drawn and the ``levels`` of the contours.
    """
    view = FigureView(figsize=(8.0, 4.0), dpi=72, ncols=2)
    artists = {}
    for ax, key, title in zip(view.axes, ("raw", "std"), ("ch01_raw_features", "ch01_standardized_features")):
        ax.set_xlim(LIMITS[0], LIMITS[1])
        ax.set_ylim(LIMITS[2], LIMITS[3])
        ax.set_aspect("equal")
        ax.set_title(t(title))
        ax.set_xlabel("$w_1$")
        ax.set_ylabel("$w_2$")
        contours = [ax.plot([], [], color="0.55", lw=0.9)[0] for _ in LEVELS]
        # markers on the first steps only: a thousand markers would cost more than the rest of the frame
        (path,) = ax.plot([], [], "-o", color="tab:red", ms=2.5, lw=1.0, markevery=slice(0, 60))
        (star,) = ax.plot([], [], "*", color="black", ms=11)
        view.animate(*contours, path, star)
        artists[key] = (contours, path, star)
    # The verdicts live in an HTML line under the figure: text costs more to rasterize than lines.
    verdict = W.HTML()

    controls = {
        "ratio": W.FloatLogSlider(value=ratio, base=10, min=0, max=2, step=0.05,
                                  description=t("ch01_scale_ratio"), readout_format=".3g",
                                  style={"description_width": "initial"}),
        "lr": W.FloatLogSlider(value=lr, base=10, min=-4, max=0.3, step=0.05,
                               description=t("ch01_learning_rate"), readout_format=".2g",
                               style={"description_width": "initial"}),
    }

    def update() -> dict:
        r = float(controls["ratio"].value)
        lr_ = float(controls["lr"].value)
        p = surface_problem(r)
        levels = [f * p["start_excess"] for f in LEVELS]
        state = {"ratio": r, "lr": lr_, "levels": levels}
        for key in ("raw", "std"):
            H, w_star = p[f"H_{key}"], p[f"w_{key}"]
            result = gradient_descent_closed_form(H, w_star, np.zeros(2), lr_, MAX_STEPS)
            contours, path, star = artists[key]
            for line, pts in zip(contours, p[f"ellipses_{key}"]):
                line.set_data(pts[:, 0], pts[:, 1])
            shown = np.clip(result.path, -1e3, 1e3)  # a diverging path leaves the axes; keep it drawable
            path.set_data(shown[:, 0], shown[:, 1])
            star.set_data([w_star[0]], [w_star[1]])
            lam = p[f"eig_{key}"]
            state[key] = {"verdict": _verdict(result), "steps": result.converged_at, "diverged": result.diverged,
                          "kappa": float(lam[-1] / lam[0]), "lr_max": float(2.0 / lam[-1]),
                          "w_star": w_star, "path": result.path, "final_excess": float(result.excess[-1])}
        verdict.value = (f"<b>{t('ch01_raw_features')}</b>: {state['raw']['verdict']} &nbsp;|&nbsp; "
                         f"<b>{t('ch01_standardized_features')}</b>: {state['std']['verdict']}")
        return state

    return make_widget(controls, view, update, extra=[verdict], grid={"ratio": RATIOS, "lr": LEARNING_RATES})


def benchmark_cases() -> list:
    """``(name, factory, [(control, value), ...])`` for ``benchmarks/widgets.py``."""
    return [("error_surface_explorer", error_surface_explorer,
             [("ratio", 3.0), ("ratio", 30.0), ("ratio", 100.0), ("lr", 0.001), ("lr", 0.5), ("lr", 1.5),
              ("ratio", 1.0), ("lr", 0.018)])]
