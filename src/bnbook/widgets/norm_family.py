"""Chapter 9 widget and figures: which entries share statistics under BN, LN, IN and GN.

:func:`shared_stats_widget` shows a real batch of four digits after a 3 x 3 convolution
(an ``(N, C, H, W) = (4, 4, 8, 8)`` tensor, drawn as an N x C grid of 8 x 8 maps), lights up
the maps pooled into one mean and variance with the chosen (sample, channel), and shows
what comes out of the normalization. The numbers come from
:mod:`bnbook.experiments.norm_family` (masks) and :mod:`bnbook.functional` (outputs).
:func:`draw_cubes` draws the four classic cubes; :func:`plot_batch_size_sweep` draws the
chapter's small-batch experiment.
"""

from __future__ import annotations

from functools import cache

import ipywidgets as W
import numpy as np
from matplotlib.patches import Polygon, Rectangle

from bnbook import data
from bnbook import layers as L
from bnbook.experiments import norm_family as E
from bnbook.i18n import t
from bnbook.widgets._figure import FigureView, make_widget

__all__ = ["example_batch", "mosaic", "shared_stats_widget", "draw_cubes", "plot_batch_size_sweep",
           "benchmark_cases"]

_GAP = 1  # pixels between the 8 x 8 maps of a mosaic


@cache
def example_batch(n: int = 4, channels: int = 4, seed: int = 0) -> np.ndarray:
    """``n`` test digits through a random 3 x 3 convolution: an (n, channels, 8, 8) float64 tensor.

    The channels get different offsets and scales (as real feature maps do), so the
    statistics of each method differ visibly.
    """
    split = data.load_digits(seed=seed, images=True)
    conv = L.Conv2d(1, channels, 3, padding=1, rng=np.random.default_rng(seed))
    x = conv.forward(split.X_test[:n])
    offset = np.linspace(-1.0, 2.0, channels).reshape(1, -1, 1, 1)
    scale = np.linspace(0.5, 2.0, channels).reshape(1, -1, 1, 1)
    return x * scale + offset


def mosaic(x: np.ndarray, fill: float = np.nan) -> np.ndarray:
    """Lay an (N, C, H, W) array out as one image: row n, column c holds the map x[n, c]."""
    N, C, H, W_ = x.shape
    out = np.full((N * (H + _GAP) - _GAP, C * (W_ + _GAP) - _GAP), fill, dtype=float)
    for n in range(N):
        for c in range(C):
            out[n * (H + _GAP):n * (H + _GAP) + H, c * (W_ + _GAP):c * (W_ + _GAP) + W_] = x[n, c]
    return out


def _method_label(method: str) -> str:
    return t(f"ch09_method_{method}")


def shared_stats_widget(seed: int = 0) -> W.VBox:
    """Pick a normalization, a sample and a channel; see who shares its statistics and the output.

    ``box.state``: ``method``, ``num_groups``, ``n``, ``c``, ``mask`` (bool, (N, C, H, W)),
    ``mean``, ``std`` (of the pooled entries), ``count`` (how many), ``y`` (the normalized
    batch), ``info`` (the text shown under the controls).
    """
    x = example_batch(seed=seed)
    N, C = x.shape[:2]
    view = FigureView(figsize=(7.6, 3.3), dpi=72, ncols=2)
    ax_in, ax_out = view.axes
    limit = float(np.max(np.abs(x)))
    ax_in.imshow(mosaic(x), cmap="gray", vmin=-limit, vmax=limit, interpolation="nearest")
    # One translucent patch per map, shown when the map is pooled (cheaper to redraw than an image).
    tiles = {(n, c): Rectangle((c * 9 - 0.5, n * 9 - 0.5), 8, 8, facecolor="gold", alpha=0.45,
                               edgecolor="none", visible=False)
             for n in range(N) for c in range(C)}
    for tile in tiles.values():
        ax_in.add_patch(tile)
    frame = Rectangle((0, 0), 8, 8, fill=False, edgecolor="tab:red", linewidth=2)
    ax_in.add_patch(frame)
    out_image = ax_out.imshow(mosaic(x), cmap="coolwarm", vmin=-2.5, vmax=2.5, interpolation="nearest")
    for ax, title in ((ax_in, t("ch09_input")), (ax_out, t("ch09_output"))):
        ax.set_title(title, fontsize=10)
        ax.set_xticks([4 + 9 * c for c in range(C)], [f"c={c}" for c in range(C)])
        ax.set_yticks([4 + 9 * n for n in range(N)], [f"n={n}" for n in range(N)])
        ax.tick_params(length=0, labelsize=8)
    view.figure.colorbar(out_image, ax=ax_out, shrink=0.8)
    view.animate(*tiles.values(), frame, out_image)
    info = W.Label()  # the pooled statistics, as text beside the figure (no text redraw in the PNG)

    controls = {
        "method": W.Dropdown(options=[(_method_label(m), m) for m in E.METHODS], value="bn",
                             description=t("ch09_method"), layout=W.Layout(width="260px")),
        "num_groups": W.Dropdown(options=[1, 2, 4], value=2, description=t("ch09_groups"),
                                 layout=W.Layout(width="160px")),
        "n": W.IntSlider(value=0, min=0, max=N - 1, description=t("ch09_sample")),
        "c": W.IntSlider(value=1, min=0, max=C - 1, description=t("ch09_channel")),
    }

    def update() -> dict:
        method = controls["method"].value
        groups = controls["num_groups"].value
        n, c = controls["n"].value, controls["c"].value
        mask = E.shared_statistics_mask(x.shape, method, n, c, groups)
        y = E.normalize(x, method, groups)
        pooled = x[mask]
        for (i, j), tile in tiles.items():
            tile.set_visible(bool(mask[i, j, 0, 0]))
        frame.set_xy((c * 9 - 0.5, n * 9 - 0.5))
        mean, std = float(pooled.mean()), float(pooled.std())
        info.value = t("ch09_pooled", count=int(mask.sum()), mean=mean, std=std)
        out_image.set_data(mosaic(y))
        return {"method": method, "num_groups": groups, "n": n, "c": c, "mask": mask,
                "mean": mean, "std": std, "count": int(mask.sum()), "y": y, "info": info.value}

    return make_widget(controls, view, update, extra=[info])


# --------------------------------------------------------------------------------------
# Static figures of the chapter
# --------------------------------------------------------------------------------------


def _cube(ax, mask_nc: np.ndarray, title: str) -> None:
    """One N x C x (H, W) cube in oblique projection, cells of mask_nc[n, c] shaded."""
    N, C = mask_nc.shape
    depth = np.array([0.45, 0.35])  # the C axis runs up and to the right
    height = 2.2  # the H, W axis (one tall cell per (n, c))

    def quad(p0, du, dv):
        p0 = np.asarray(p0, float)
        return [p0, p0 + du, p0 + du + dv, p0 + dv]

    def face(cells, colors):
        for pts, on in zip(cells, colors):
            ax.add_patch(Polygon(pts, closed=True, facecolor="tab:blue" if on else "white",
                                 edgecolor="0.3", linewidth=0.8, alpha=0.85 if on else 1.0))

    # front face: n along x, channel c = 0, full height
    face([quad((n, 0), np.array([1, 0]), np.array([0, height])) for n in range(N)],
         [mask_nc[n, 0] for n in range(N)])
    # top face: n along x, c along depth
    face([quad(np.array([n, height]) + c * depth, np.array([1, 0]), depth)
          for c in range(C) for n in range(N)], [mask_nc[n, c] for c in range(C) for n in range(N)])
    # right face: c along depth at n = N - 1
    face([quad(np.array([N, 0]) + c * depth, depth, np.array([0, height])) for c in range(C)],
         [mask_nc[N - 1, c] for c in range(C)])
    ax.annotate("", xy=(N, -0.35), xytext=(0, -0.35), arrowprops={"arrowstyle": "->", "lw": 0.8})
    ax.text(N / 2, -0.45, "N", ha="center", va="top", fontsize=9)
    ax.text(-0.25, height / 2, "H, W", ha="right", va="center", fontsize=9)
    ax.text(N + C * depth[0] + 0.15, height + C * depth[1] - 0.5, "C", fontsize=9)
    ax.set_title(title, fontsize=10)
    ax.set_xlim(-1.3, N + C * depth[0] + 0.6)
    ax.set_ylim(-1.0, height + C * depth[1] + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_cubes(fig, N: int = 4, C: int = 6, num_groups: int = 2) -> dict[str, np.ndarray]:
    """Draw the four methods as cubes on ``fig`` (1 x 4 axes); returns the (N, C) masks drawn.

    Shaded: the entries pooled into one mean and variance with sample 0, channel 0 (for
    BN the first channel's slice, which is the front face).
    """
    axes = fig.subplots(1, 4)
    masks = {}
    for ax, method in zip(axes, E.METHODS):
        mask = E.shared_statistics_mask((N, C, 1, 1), method, 0, 0, num_groups)[:, :, 0, 0]
        masks[method] = mask
        _cube(ax, mask, _method_label(method))
    return masks


def plot_batch_size_sweep(ax, result: E.SweepResult) -> None:
    """Test accuracy against batch size, one line per method (log-2 x axis)."""
    markers = {"bn": "o", "gn": "s", "ln": "^"}
    for method, acc in result.accuracy.items():
        ax.plot(result.batch_sizes, acc, marker=markers.get(method, "o"), label=_method_label(method))
    ax.set_xscale("log", base=2)
    ax.set_xticks(result.batch_sizes, [str(b) for b in result.batch_sizes])
    ax.minorticks_off()
    ax.set_xlabel(t("ch09_batch_size"))
    ax.set_ylabel(t("ch09_test_accuracy"))
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)


def benchmark_cases() -> list:
    """``(name, factory, [(control, value), ...])`` for ``benchmarks/widgets.py``."""
    return [
        ("ch09 shared statistics", shared_stats_widget,
         [("method", "ln"), ("method", "in"), ("method", "gn"), ("num_groups", 4), ("n", 2),
          ("c", 3), ("method", "bn"), ("c", 0), ("n", 1), ("num_groups", 1)]),
    ]
