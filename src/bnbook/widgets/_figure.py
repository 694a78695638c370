"""The shared plumbing of every widget: a matplotlib figure shown as a PNG image widget.

A widget draws its figure once, keeps the artists (lines, images, bars) and, when a
control moves, changes their data in place and re-renders the PNG. An ``ipywidgets.Image``
keeps the PNG in the widget state, so the static site shows the saved figure and Binder
or JupyterLab show it live. No pyplot state is touched, so nothing is displayed twice.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import ipywidgets as W
from matplotlib.figure import Figure

from bnbook.i18n import get_language

__all__ = ["FigureView", "make_widget"]


class FigureView:
    """A matplotlib ``Figure`` and the ``ipywidgets.Image`` that shows it.

    Parameters
    ----------
    figsize : (width, height) in inches
    dpi : int
        Kept modest: the PNG is re-encoded on every update.
    **subplots : passed to ``Figure.subplots`` (``nrows``, ``ncols``, ...)
    """

    def __init__(self, figsize: tuple[float, float] = (7.0, 3.2), dpi: int = 80, **subplots: Any) -> None:
        if get_language() != "en":
            from bnbook.fonts import use_cjk_font

            use_cjk_font()
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        self.axes = self.figure.subplots(**subplots)
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%", height="auto"))

    def refresh(self) -> None:
        """Render the figure to PNG and hand it to the image widget."""
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png")
        self.image.value = buf.getvalue()


def make_widget(controls: dict[str, W.Widget], view: FigureView, update: Callable[[], dict],
                extra: list[W.Widget] | None = None) -> W.VBox:
    """Wire ``controls`` to ``update`` and return the widget container.

    ``update()`` reads the controls, recomputes with :mod:`bnbook.functional` or
    :mod:`bnbook.layers`, moves the artists and returns the numbers it plotted; they are
    kept as ``box.state`` so tests can check them against the math. The container also
    carries ``box.controls`` and ``box.view``.

    Returns
    -------
    ipywidgets.VBox
    """
    box = W.VBox([W.HBox(list(controls.values()), layout=W.Layout(flex_flow="row wrap")),
                  *(extra or []), view.image])
    box.controls, box.view = controls, view

    def redraw(_change: object = None) -> None:
        box.state = update()
        view.refresh()

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    return box
