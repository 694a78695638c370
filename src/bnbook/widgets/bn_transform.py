"""Chapter 3 (the BN transform in training): the BN calculator widget.

The numbers come from :func:`bnbook.functional.batch_norm_forward`; this module only
parses the typed batch, lays the entries out on a grid and draws them.

* :func:`parse_batch` turns the text of the batch box into an ``(N, D)`` or
  ``(N, C, H, W)`` array.
* :func:`bn_steps` returns every intermediate of the transform (mean, biased variance,
  ``1 / sqrt(var + eps)``, ``x_hat``, ``y``) per feature or channel.
* :func:`grid_positions` places each entry of a 2-D or 4-D batch on a 2-D grid, so the
  entries that share statistics (one column, or one channel of every example) can be
  highlighted.
* :func:`bn_calculator` is the widget.
"""

from __future__ import annotations

import html
import re

import ipywidgets as W
import numpy as np
from matplotlib import colormaps

from bnbook import functional as F
from bnbook.i18n import t
from bnbook.widgets._bake import Presets
from bnbook.widgets._figure import FigureView, make_widget

__all__ = ["NCHW_EXAMPLE_SHAPE", "DEFAULT_ND", "DEFAULT_NCHW", "parse_batch", "bn_steps",
           "grid_positions", "bn_calculator", "benchmark_cases"]

#: (C, H, W) of one example in the (N, C, H, W) mode: each typed line holds C * H * W numbers.
NCHW_EXAMPLE_SHAPE = (2, 2, 2)

DEFAULT_ND = "2 10\n4 30\n4 50\n6 70"
DEFAULT_NCHW = "1 2 3 4   0 0 1 1\n5 6 7 8   1 1 0 0\n2 2 2 2   4 0 4 0"
#: The static site's batches, for the prose's "things to try": the example batch, the same with
#: feature 1 constant (then raise epsilon), and with one huge value (the others move).
CONSTANT_ND = "2 5\n4 5\n4 5\n6 5"
OUTLIER_ND = "2 10\n4 30\n4 50\n6 700"
#: The static site's values of gamma, beta and epsilon (gamma = 0 is one of the things to try).
GAMMAS = (-1.0, 0.0, 1.0, 2.0)
BETAS = (-1.0, 0.0, 1.0)
EPSILONS = (1e-5, 0.1, 10.0)

_MAX_VALUES = 64  # keeps the grid readable and the redraw fast


def parse_batch(text: str, layout: str = "ND") -> np.ndarray:
    """The batch typed in the widget: one example per line, numbers split by spaces or commas.

    Parameters
    ----------
    text : str
    layout : "ND" or "NCHW"
        ``"ND"``: each line is one example with D features, the result is ``(N, D)``.
        ``"NCHW"``: each line holds the ``C * H * W`` values of one example, channel by
        channel and row by row (see :data:`NCHW_EXAMPLE_SHAPE`); the result is ``(N, C, H, W)``.

    Raises
    ------
    ValueError
        Not a number, lines of different lengths, fewer than 2 examples in ``"ND"`` mode,
        a line that is not ``C * H * W`` long in ``"NCHW"`` mode, or more than 64 values.
    """
    if layout not in ("ND", "NCHW"):
        raise ValueError(f"layout: expected 'ND' or 'NCHW', got {layout!r}.")
    rows = []
    for line in text.strip().splitlines():
        items = [item for item in re.split(r"[\s,;]+", line.strip()) if item]
        if not items:
            continue
        try:
            rows.append([float(item) for item in items])
        except ValueError as err:
            raise ValueError(f"not a number in line {line!r}: {err}") from None
    if not rows:
        raise ValueError("the batch is empty: type one example per line.")
    lengths = {len(row) for row in rows}
    if len(lengths) != 1:
        raise ValueError(f"every line needs as many numbers as the others, got lengths {sorted(lengths)}.")
    x = np.array(rows, dtype=np.float64)
    if x.size > _MAX_VALUES:
        raise ValueError(f"at most {_MAX_VALUES} numbers, got {x.size}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("the batch holds a non-finite number (inf or nan).")
    if layout == "ND":
        if x.shape[0] < 2:
            raise ValueError("a batch needs at least 2 examples (lines) to have a variance.")
        return x
    per_example = int(np.prod(NCHW_EXAMPLE_SHAPE))
    if x.shape[1] != per_example:
        raise ValueError(
            f"each line needs C*H*W = {per_example} numbers (C, H, W = {NCHW_EXAMPLE_SHAPE}), got {x.shape[1]}."
        )
    return x.reshape(x.shape[0], *NCHW_EXAMPLE_SHAPE)


def bn_steps(x: np.ndarray, gamma: float, beta: float, eps: float) -> dict[str, np.ndarray]:
    """Every intermediate of the BN transform of ``x`` with one gamma and beta for all channels.

    Parameters
    ----------
    x : array, shape (N, C) or (N, C, H, W)
    gamma, beta : float, used for every channel
    eps : float > 0

    Returns
    -------
    dict with ``mean``, ``var`` (biased), ``inv_std`` (``1 / sqrt(var + eps)``), each of
    shape (C,); ``x_hat`` and ``y`` of the shape of x; ``m`` the number of values per channel.
    """
    c = x.shape[1]
    y, cache = F.batch_norm_forward(x, np.full(c, float(gamma)), np.full(c, float(beta)), eps)
    stats = cache.stats
    return {
        "mean": stats.mean.reshape(c),
        "var": stats.var.reshape(c),
        "inv_std": stats.inv_std.reshape(c),
        "x_hat": cache.x_hat,
        "y": y,
        "m": x.size // c,
    }


def grid_positions(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Where each entry of a batch goes on a 2-D grid: ``(rows, cols, (n_rows, n_cols))``.

    ``(N, D)``: entry ``[n, d]`` at row n, column d. ``(N, C, H, W)``: each example is a
    band of H rows; inside it the channels sit side by side, W columns each, with one
    empty column between channels. ``rows`` and ``cols`` have the shape of the batch.
    """
    if len(shape) == 2:
        n, d = shape
        rows, cols = np.meshgrid(np.arange(n), np.arange(d), indexing="ij")
        return rows, cols, (n, d)
    if len(shape) == 4:
        n, c, h, w = shape
        nn, cc, hh, ww = np.meshgrid(np.arange(n), np.arange(c), np.arange(h), np.arange(w), indexing="ij")
        rows = nn * (h + 1) + hh  # one empty row between examples
        cols = cc * (w + 1) + ww
        return rows, cols, (n * (h + 1) - 1, c * (w + 1) - 1)
    raise ValueError(f"shape: expected (N, D) or (N, C, H, W), got {shape}.")


def _channel_of(shape: tuple[int, ...]) -> np.ndarray:
    """The channel (feature) index of every entry of a batch of ``shape``."""
    index = np.arange(shape[1]).reshape(1, -1, *([1] * (len(shape) - 2)))
    return np.broadcast_to(index, shape)


def _fmt(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1e4 else f"{v:.2e}"


def _table(steps: dict, x: np.ndarray, channel: int) -> str:
    """An HTML table of the per-channel statistics and the selected channel's entries."""
    c = x.shape[1]
    head = "".join(f"<th>{html.escape(t('ch03_channel'))} {k}</th>" for k in range(c))
    rows = [
        ("ch03_mean", steps["mean"]), ("ch03_var", steps["var"]), ("ch03_inv_std", steps["inv_std"]),
    ]
    body = "".join(
        f"<tr><td>{html.escape(t(key))}</td>" + "".join(f"<td>{_fmt(v)}</td>" for v in vals) + "</tr>"
        for key, vals in rows
    )
    xs = x[:, channel].reshape(-1)
    mu = steps["mean"][channel]
    detail = [
        ("x", xs), ("x - \u03bc", xs - mu),
        ("x\u0302", steps["x_hat"][:, channel].reshape(-1)), ("y", steps["y"][:, channel].reshape(-1)),
    ]
    body2 = "".join(
        f"<tr><td>{html.escape(name)}</td>" + "".join(f"<td>{_fmt(v)}</td>" for v in vals) + "</tr>"
        for name, vals in detail
    )
    caption = html.escape(t("ch03_selected_values", channel=channel, m=steps["m"]))
    # separate cells with a gap: the site theme collapses table borders, which runs the numbers together
    style = "border-collapse:separate;border-spacing:12px 1px;font-family:monospace;font-size:12px"
    return (f"<table style='{style}'><tr><th></th>{head}</tr>{body}</table>"
            f"<div style='font-size:12px;margin-top:4px'>{caption}</div>"
            f"<table style='{style}'>{body2}</table>")


def bn_calculator(text_nd: str = DEFAULT_ND, text_nchw: str = DEFAULT_NCHW) -> W.VBox:
    """The BN calculator: type a batch, move gamma, beta and epsilon, see every intermediate.

    Left panel: the input batch, right panel: the output y; the entries that share
    statistics with the selected feature or channel are coloured. A table below lists
    the mean, biased variance and ``1 / sqrt(var + eps)`` of every channel and the
    selected channel's ``x``, ``x - mu``, ``x_hat`` and ``y``.

    ``box.state`` holds ``layout``, ``x``, ``mean``, ``var``, ``inv_std``, ``x_hat``,
    ``y``, ``shared`` (boolean mask of the highlighted entries), ``channel`` and ``error``.
    """
    layout = W.ToggleButtons(options=[("(N, D)", "ND"), ("(N, C, H, W)", "NCHW")], value="ND",
                             description=t("ch03_layout"), style={"button_width": "110px"})
    text_nd_box = W.Textarea(value=text_nd, description="(N, D)", rows=5, layout=W.Layout(width="230px"))
    text_nchw_box = W.Textarea(value=text_nchw, description="(N, C, H, W)", rows=5,
                               layout=W.Layout(width="330px", display="none"))
    channel = W.IntSlider(value=0, min=0, max=1, description=t("ch03_channel"))
    gamma = W.FloatSlider(value=1.0, min=-3.0, max=3.0, step=0.1, description="\u03b3")
    beta = W.FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.1, description="\u03b2")
    eps = W.FloatLogSlider(value=1e-5, base=10, min=-8, max=1, step=0.5, description="\u03b5",
                           readout_format=".0e")
    controls = {"layout": layout, "text_nd": text_nd_box, "text_nchw": text_nchw_box,
                "channel": channel, "gamma": gamma, "beta": beta, "eps": eps}
    message = W.HTML()
    table = W.HTML()
    view = FigureView(figsize=(7.4, 2.8), dpi=80, ncols=2)
    cmap = colormaps["tab10"]
    panels = []
    for ax, title in zip(view.axes, (t("ch03_input_x"), t("ch03_output_y"))):
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_title(title, fontsize=10)
        image = ax.imshow(np.ones((1, 1, 4)), interpolation="nearest", aspect="auto")
        texts = [ax.text(0, 0, "", ha="center", va="center", fontsize=9, visible=False)
                 for _ in range(_MAX_VALUES)]
        panels.append((ax, image, texts))
    # Speed: drawing text costs most of a redraw. The input panel (its numbers sit on top of
    # its colours) changes only with the batch or the channel: then a full redraw. The output
    # colours and numbers, which gamma, beta and epsilon move, are blitted over the background.
    view.animate(panels[1][1], *panels[1][2])
    last: dict = {}
    drawn = {"key": None}

    def draw_grid(panel, shape, shared, chan) -> None:
        ax, image, _ = panel
        rows, cols, (n_rows, n_cols) = grid_positions(shape)
        rgba = np.ones((n_rows, n_cols, 4))  # white gaps between examples and channels
        colors = cmap(chan % 10)
        colors[..., 3] = np.where(shared, 0.85, 0.15)
        rgba[rows, cols] = colors
        image.set_data(rgba)
        image.set_extent((-0.5, n_cols - 0.5, n_rows - 0.5, -0.5))
        ax.set_xlim(-0.5, n_cols - 0.5)
        ax.set_ylim(n_rows - 0.5, -0.5)

    def draw_numbers(texts, values, shape, where) -> None:
        rows, cols, _ = grid_positions(shape)
        used = 0
        for r, c, v in zip(rows[where], cols[where], values[where]):
            texts[used].set_position((c, r))
            texts[used].set_text(_fmt(v))
            texts[used].set_visible(True)
            used += 1
        for text in texts[used:]:
            text.set_visible(False)

    def update() -> dict:
        mode = layout.value
        text_nd_box.layout.display = None if mode == "ND" else "none"
        text_nchw_box.layout.display = None if mode == "NCHW" else "none"
        try:
            x = parse_batch(text_nd_box.value if mode == "ND" else text_nchw_box.value, mode)
        except ValueError as err:
            message.value = f"<span style='color:#b00'>{html.escape(str(err))}</span>"
            return {**last, "error": str(err)}
        message.value = ""
        channel.max = x.shape[1] - 1
        chan_index = min(channel.value, x.shape[1] - 1)
        steps = bn_steps(x, gamma.value, beta.value, eps.value)
        chan = _channel_of(x.shape)
        shared = chan == chan_index
        for panel in panels:
            draw_grid(panel, x.shape, shared, chan)
        draw_numbers(panels[1][2], steps["y"], x.shape, np.ones(x.shape, dtype=bool))
        key = (mode, x.shape, x.tobytes(), chan_index)
        if key != drawn["key"]:  # a new batch or channel: redraw the input panel
            draw_numbers(panels[0][2], x, x.shape, np.ones(x.shape, dtype=bool))
            view.refresh(full=True)
            drawn["key"] = key
        table.value = _table(steps, x, chan_index)
        last.clear()
        last.update(layout=mode, x=x, shared=shared, channel=chan_index, error=None,
                    **{k: steps[k] for k in ("mean", "var", "inv_std", "x_hat", "y", "m")})
        return dict(last)

    # On the static site the text boxes become a choice of example batches.
    batches = Presets(t("ch03_batch"), [
        (t("ch03_preset_example"), {"layout": "ND", "text_nd": text_nd, "text_nchw": text_nchw}),
        (t("ch03_preset_constant"), {"layout": "ND", "text_nd": CONSTANT_ND, "text_nchw": text_nchw}),
        (t("ch03_preset_outlier"), {"layout": "ND", "text_nd": OUTLIER_ND, "text_nchw": text_nchw}),
        (t("ch03_preset_nchw"), {"layout": "NCHW", "text_nd": text_nd, "text_nchw": text_nchw}),
    ])
    grid = {"batch": batches, "gamma": GAMMAS, "beta": BETAS, "eps": EPSILONS}
    return make_widget(controls, view, update, extra=[message, table], grid=grid)


def benchmark_cases() -> list:
    """``(name, factory, [(control, value), ...])`` for ``benchmarks/widgets.py``.

    A reader drags the sliders (many updates per drag) far more often than they retype the
    batch, switch the layout or pick a channel (each a full redraw), and the list mixes
    them in roughly that proportion; it ends where it started, so every round changes
    every control.
    """
    return [
        ("bn_calculator", bn_calculator, [
            ("gamma", 2.0), ("gamma", 1.5), ("beta", -1.0), ("beta", 0.5), ("eps", 1.0), ("eps", 1e-3),
            ("channel", 1), ("gamma", 0.5), ("text_nd", "1 2 3\n4 5 6\n7 8 10"), ("beta", -0.5),
            ("layout", "NCHW"), ("channel", 0), ("gamma", 1.0), ("eps", 1e-5), ("beta", 1.0),
            ("layout", "ND"), ("text_nd", DEFAULT_ND), ("beta", 0.0),
        ]),
    ]
