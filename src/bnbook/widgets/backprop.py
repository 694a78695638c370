"""Chapter 5 widget: pick a node of the BN graph of a tiny batch, see its value and gradient.

The numbers come from :func:`bnbook.experiments.backprop.staged_backward` (whose ``dx``
is tested against :func:`bnbook.functional.batch_norm_backward`); the callback only
moves bars and a marker.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
from matplotlib.patches import FancyArrowPatch

from bnbook.experiments.backprop import NODES, staged_backward
from bnbook.i18n import t
from bnbook.widgets._figure import FigureView, make_widget

__all__ = ["GRAPH_LAYOUT", "tiny_batch", "backprop_graph_widget", "benchmark_cases"]

#: (column, row) of each node in the drawn graph, and the edges between them.
GRAPH_LAYOUT = {
    "x": (0, 0), "mu": (1, 1), "xc": (2, 0), "var": (3, 1), "inv_std": (4, 1),
    "x_hat": (5, 0), "gamma": (5, 1.6), "beta": (6, 1.6), "y": (6.5, 0),
}
EDGES = (("x", "mu"), ("x", "xc"), ("mu", "xc"), ("xc", "var"), ("var", "inv_std"),
         ("inv_std", "x_hat"), ("xc", "x_hat"), ("x_hat", "y"), ("gamma", "y"), ("beta", "y"))
MATH = {"x": r"$x$", "mu": r"$\mu$", "xc": r"$x-\mu$", "var": r"$\sigma^2$", "inv_std": r"$s$",
        "x_hat": r"$\hat{x}$", "gamma": r"$\gamma$", "beta": r"$\beta$", "y": r"$y$"}
PLAIN = {"x": "x", "mu": "μ", "xc": "x − μ", "var": "σ²", "inv_std": "s = 1/√(σ²+ε)",
         "x_hat": "x̂", "gamma": "γ", "beta": "β", "y": "y"}
N_EXAMPLES = 4
SEEDS = 10
BAR_LIMIT = 6.0


def tiny_batch(seed: int, upstream: str = "random") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The widget's batch: ``x`` (4, 1), ``gamma = 1.5``, ``beta = 0.5`` and ``dy`` (random or all ones)."""
    if upstream not in ("random", "ones"):
        raise ValueError(f"upstream: expected 'random' or 'ones', got {upstream!r}.")
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0, 1.5, size=(N_EXAMPLES, 1))
    dy = rng.normal(size=(N_EXAMPLES, 1)) if upstream == "random" else np.ones((N_EXAMPLES, 1))
    return x, np.array([1.5]), np.array([0.5]), dy


def backprop_graph_widget(seed: int = 0, node: str = "x", upstream: str = "random") -> W.VBox:
    """Graph of BN on a batch of 4 (one feature); the chosen node's value and gradient as bars."""
    view = FigureView(figsize=(9.0, 3.3), dpi=80, ncols=2, width_ratios=[1.25, 1.0])
    ax_g, ax_b = view.axes
    for a, b in EDGES:
        (x0, y0), (x1, y1) = GRAPH_LAYOUT[a], GRAPH_LAYOUT[b]
        ax_g.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=12,
                                       shrinkA=13, shrinkB=13, color="0.55"))
    for name, (cx, cy) in GRAPH_LAYOUT.items():
        ax_g.text(cx, cy, MATH[name], ha="center", va="center", fontsize=13,
                  bbox=dict(boxstyle="round", fc="white", ec="0.3"))
    ax_g.set_xlim(-0.6, 7.1)
    ax_g.set_ylim(-0.6, 2.2)
    ax_g.set_axis_off()
    ax_g.set_title(t("ch05_graph_title"))
    (marker,) = ax_g.plot([], [], "o", ms=30, mfc="none", mec="tab:red", mew=2.5)

    slots = np.arange(N_EXAMPLES)
    val_bars = ax_b.bar(slots - 0.2, np.zeros(N_EXAMPLES), 0.4, color="tab:blue", label=t("ch05_forward_value"))
    grad_bars = ax_b.bar(slots + 0.2, np.zeros(N_EXAMPLES), 0.4, color="tab:orange", label=t("ch05_gradient"))
    ax_b.axhline(0, color="0.3", lw=0.8)
    ax_b.set_xticks(slots, [t("ch05_example", i=i + 1) for i in slots])
    ax_b.legend(loc="upper left", fontsize=9, ncols=2)
    info = ax_b.text(0.98, 0.04, "", transform=ax_b.transAxes, ha="right", va="bottom", fontsize=9)
    ax_b.set_ylim(-BAR_LIMIT, BAR_LIMIT)  # one scale for every node and batch: no axes redraw
    labels = [ax_b.text(0, 0, "", ha="center", fontsize=8) for _ in range(2 * N_EXAMPLES)]
    view.animate(marker, *val_bars, *grad_bars, *labels, info)

    controls = {
        "node": W.Dropdown(options=[(PLAIN[n], n) for n in NODES], value=node, description=t("ch05_node")),
        "upstream": W.ToggleButtons(options=[(t("ch05_upstream_random"), "random"), (t("ch05_upstream_ones"), "ones")],
                                    value=upstream, description=t("ch05_upstream")),
        "seed": W.IntSlider(value=seed, min=0, max=SEEDS - 1, description=t("ch05_batch_seed")),
    }

    def update() -> dict:
        x, gamma, beta, dy = tiny_batch(controls["seed"].value, controls["upstream"].value)
        gp = staged_backward(x, gamma, beta, dy)
        name = controls["node"].value
        value, grad = gp.values[name].reshape(-1), gp.grads[name].reshape(-1)
        for i in range(N_EXAMPLES):
            shown = i < value.size
            val_bars[i].set_visible(shown)
            grad_bars[i].set_visible(shown)
            for bar, label, h in ((val_bars[i], labels[2 * i], value), (grad_bars[i], labels[2 * i + 1], grad)):
                label.set_visible(shown)
                if shown:  # the label carries the exact number, also when the bar is clipped
                    bar.set_height(h[i])
                    top = float(np.clip(h[i], -0.9 * BAR_LIMIT, 0.9 * BAR_LIMIT))
                    label.set_position((bar.get_x() + bar.get_width() / 2, top))
                    label.set_va("bottom" if h[i] >= 0 else "top")
                    label.set_text(f"{h[i]:.2f}")
        marker.set_data([GRAPH_LAYOUT[name][0]], [GRAPH_LAYOUT[name][1]])
        per = t("ch05_per_example") if value.size > 1 else t("ch05_per_channel")
        info.set_text(f"{MATH[name]}: {per}")
        return {"node": name, "value": value.tolist(), "grad": grad.tolist(),
                "dx": gp.grads["x"].reshape(-1).tolist(), "x": x.reshape(-1).tolist(),
                "dy": dy.reshape(-1).tolist()}

    return make_widget(controls, view, update)


def benchmark_cases() -> list:
    """Control changes for ``benchmarks/widgets.py``: node changes (blit) and batch changes (full redraw)."""
    return [
        ("backprop_graph", backprop_graph_widget,
         [("node", n) for n in ("mu", "var", "inv_std", "x_hat", "gamma", "y", "x")]
         + [("upstream", "ones"), ("upstream", "random"), ("seed", 3), ("seed", 4)]),
    ]
