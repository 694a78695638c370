"""The shared plumbing of every widget: a matplotlib figure shown as a PNG image widget.

A widget draws its figure once, keeps the artists (lines, images, bars) and, when a
control moves, changes their data in place and re-renders the PNG. An ``ipywidgets.Image``
keeps the PNG in the widget state, so the static site shows the saved figure and Binder
or JupyterLab show it live. No pyplot state is touched, so nothing is displayed twice.

Speed: drawing the text of a figure (ticks, labels) costs most of a redraw. Artists
registered with :meth:`FigureView.animate` are left out of a cached background, and an
update redraws only them over it (blitting): a few milliseconds instead of ~50. When a
change moves the axes (new limits, new ticks), call ``refresh(full=True)``.

On the static site there is no kernel to run the update: when the site build sets
``BNBOOK_BAKE_DIR``, :func:`make_widget` bakes the widget (:mod:`bnbook.widgets._bake`):
it runs the same update over a grid of the controls' values and returns a widget that
switches between those precomputed views in the browser.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import ipywidgets as W
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from bnbook.i18n import get_language
from bnbook.widgets._bake import bake, bake_dir, control_grid

__all__ = ["FigureView", "make_widget"]


class FigureView:
    """A matplotlib ``Figure`` and the ``ipywidgets.Image`` that shows it.

    Parameters
    ----------
    figsize : (width, height) in inches
    dpi : int
    **subplots : passed to ``Figure.subplots`` (``nrows``, ``ncols``, ...)

    Attributes
    ----------
    figure, axes : the matplotlib figure and what ``subplots`` returned
    image : ipywidgets.Image holding the last PNG
    publish : whether a render is handed to ``image`` (baking turns it off and reads :meth:`frame`)
    """

    def __init__(self, figsize: tuple[float, float] = (7.0, 3.2), dpi: int = 80, **subplots: Any) -> None:
        if get_language() != "en":
            from bnbook.fonts import use_cjk_font

            use_cjk_font()
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.figure)
        self.axes = self.figure.subplots(**subplots)
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%", height="auto"))
        self._animated: list[Artist] = []
        self._background = None
        self.renders = 0  # how many PNGs were made: lets make_widget skip a second one
        self.publish = True

    def animate(self, *artists: Artist) -> None:
        """Mark artists whose data change on updates; they are redrawn over a cached background."""
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)

    def refresh(self, full: bool = False) -> None:
        """Render the figure to PNG and hand it to the image widget.

        ``full=True`` redraws everything (needed after limits, ticks or texts change);
        otherwise only the animated artists are redrawn over the cached background.
        """
        if full or self._background is None:
            self.canvas.draw()  # lays out and draws everything but the animated artists
            self.figure.set_layout_engine("none")  # keep the layout: later draws skip it
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for artist in self._animated:
            if artist.get_visible():
                artist.axes.draw_artist(artist) if artist.axes else artist.draw(renderer)
        if self.publish:
            self.image.value = self._png()
        self.renders += 1

    def frame(self) -> PILImage.Image:
        """The last render as an RGB image."""
        rgba = PILImage.frombuffer("RGBA", self.canvas.get_width_height(), self.canvas.buffer_rgba())
        return rgba.convert("RGB")

    def _png(self) -> bytes:
        buf = io.BytesIO()
        self.frame().save(buf, format="png", compress_level=1)  # speed over size
        return buf.getvalue()


def make_widget(controls: dict[str, W.Widget], view: FigureView, update: Callable[[], dict],
                extra: list[W.Widget] | None = None, grid: dict[str, Any] | None = None) -> W.VBox:
    """Wire ``controls`` to ``update`` and return the widget container.

    ``update()`` reads the controls, recomputes with :mod:`bnbook.functional` or
    :mod:`bnbook.layers`, moves the artists (and calls ``view.refresh(full=True)`` itself
    if it changed limits or texts) and returns the numbers it plotted; they are kept as
    ``box.state`` so tests can check them against the math. ``extra`` are output widgets
    (HTML, labels) shown above the figure. The container also carries ``box.controls``,
    ``box.view``, ``box.extras`` and ``box.axes``: the static site's grid of control values
    (:func:`bnbook.widgets._bake.control_grid`), which ``grid`` declares for float sliders
    and may narrow for the others. It is checked here, in the live widget too, so a grid
    that lacks a default or a declaration fails in the widget's own tests.

    Returns
    -------
    ipywidgets.VBox: live; baked (:func:`bnbook.widgets._bake.bake`) when the site is built
    """
    box = W.VBox([W.HBox(list(controls.values()), layout=W.Layout(flex_flow="row wrap")),
                  *(extra or []), view.image])
    box.controls, box.view, box.extras = controls, view, list(extra or [])
    box.axes = control_grid(controls, grid)

    def redraw(_change: object = None) -> None:
        renders_before = view.renders
        box.state = update()
        if view.renders == renders_before:  # update() did not already refresh(full=True)
            view.refresh()

    redraw()
    folder = bake_dir()
    if folder is not None:
        return bake(box, redraw, grid, folder)
    for control in controls.values():
        control.observe(redraw, names="value")
    return box
