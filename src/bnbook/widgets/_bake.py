"""Baked widgets: views computed when the site is built, so the static page responds with no kernel.

A live widget (Binder, JupyterLab, a local kernel) recomputes its figure in Python whenever a
control moves. A static page has no Python. When the site build sets ``BNBOOK_BAKE_DIR``,
:func:`bnbook.widgets._figure.make_widget` hands the live widget to :func:`bake`, which

1. **takes a grid of the controls' values** (:func:`control_grid`): every option of a
   selection control (dropdown, toggle buttons, selection slider), every value of a small
   integer slider, and for a float slider the values the widget declares
   (``make_widget(..., grid={"gamma": [...]})``); a :class:`Presets` puts several controls
   under one choice (the BN calculator's typed batch becomes a choice of example batches);
2. **computes every view with the live widget's own update**: for each point of the grid it
   sets the controls, runs the same ``update()`` (and so the same ``bnbook`` code) a reader's
   kernel would run, saves the figure as a PNG named by its content hash in
   ``$BNBOOK_BAKE_DIR`` and keeps the text outputs (HTML, labels) as HTML;
3. **builds the static widget from core ipywidgets only**: each control becomes a selection
   control over its grid values (a slider snaps to them), and the views sit in nested
   ``ipywidgets.Stack``s, one level per control. Each control's ``index`` is ``jslink``ed to
   the ``selected_index`` of every stack of its level, so the widget manager in the browser
   switches views by itself. A ``Stack`` renders only its selected child, so a view's image is
   requested only when the view is shown: a page loads one image per widget.

The site build (:mod:`bncourse.sphinx_ext`) copies the images a page refers to into the
edition's ``_static/views/``; the view HTML refers to them as ``_static/views/<hash>.png``.
"""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as W
from ipywidgets.widgets.widget_string import HTMLStyle
import numpy as np
from PIL import Image as PILImage

from bnbook.i18n import t

__all__ = ["BAKE_DIR_VARIABLE", "VIEWS_URL", "Presets", "bake_dir", "control_grid", "grid_values", "bake",
           "png_file"]

#: The environment variable the site build sets to the folder baked images go to.
BAKE_DIR_VARIABLE = "BNBOOK_BAKE_DIR"
#: Where a page finds the images, relative to the page (the editions' pages sit at the top level).
VIEWS_URL = "_static/views"
#: An integer slider with more values than this needs a declared grid.
MAX_NATURAL_VALUES = 60


@dataclass(frozen=True)
class Presets:
    """One choice on the static page standing for several live controls.

    ``options`` are ``(label, {control name: value})``; the first control named in an option
    that the live widget shows in a text box (a typed batch) is thereby replaced by a
    dropdown of examples. Controls an option does not name keep their default value.
    """

    description: str
    options: Sequence[tuple[str, dict[str, Any]]]


@dataclass
class Axis:
    """One static control: its label, the labels of its values and what each value sets."""

    name: str
    description: str
    settings: list[dict[str, Any]]  # per value: {live control name: value}
    labels: list[str]
    default: int
    kind: type  # the static control's class
    source: W.Widget | None  # the live control it mirrors (None for presets)


def bake_dir() -> Path | None:
    """The folder baked images go to, or None when widgets should be live (no site build)."""
    folder = os.environ.get(BAKE_DIR_VARIABLE)
    return Path(folder) if folder else None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (float, np.floating)) or isinstance(b, (float, np.floating)):
        try:
            return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=0.0))
        except (TypeError, ValueError):
            return False
    return a == b


def _format(control: W.Widget, value: Any) -> str:
    fmt = getattr(control, "readout_format", "")
    try:
        return format(value, fmt) if fmt else str(value)
    except (TypeError, ValueError):
        return str(value)


def _selection_axis(name: str, control: W.widget_selection._Selection, values: Sequence | None) -> Axis:
    options = list(zip(control._options_labels, control._options_values))
    if values is not None:
        chosen = []
        for v in values:
            match = [opt for opt in options if _same(opt[1], v)]
            if not match:
                raise ValueError(f"grid for {name!r}: {v!r} is not one of the control's options")
            chosen.append(match[0])
        options = chosen
    default = [i for i, (_, v) in enumerate(options) if _same(v, control.value)]
    if not default:
        raise ValueError(f"grid for {name!r} lacks the control's default {control.value!r}")
    return Axis(name, control.description, [{name: v} for _, v in options], [label for label, _ in options],
                default[0], type(control), control)


def _slider_axis(name: str, control: W.Widget, values: Sequence | None) -> Axis:
    if values is None:
        if not isinstance(control, W.IntSlider):
            raise ValueError(f"control {name!r} ({type(control).__name__}) needs a declared grid: "
                             f"make_widget(..., grid={{{name!r}: [values]}})")
        values = list(range(control.min, control.max + 1, control.step))
        if len(values) > MAX_NATURAL_VALUES:
            raise ValueError(f"control {name!r} has {len(values)} values; declare a grid of at most "
                             f"{MAX_NATURAL_VALUES}")
    values = [type(control.value)(v) for v in values]
    low, high = (control.min, control.max)
    if isinstance(control, W.FloatLogSlider):
        low, high = control.base ** control.min, control.base ** control.max
    outside = [v for v in values if not low - 1e-12 * abs(low) <= v <= high + 1e-12 * abs(high)]
    if outside:
        raise ValueError(f"grid for {name!r}: {outside} outside the slider's range [{low}, {high}]")
    default = [i for i, v in enumerate(values) if _same(v, control.value)]
    if not default:
        raise ValueError(f"grid for {name!r} lacks the control's default {control.value!r}")
    return Axis(name, control.description, [{name: v} for v in values], [_format(control, v) for v in values],
                default[0], W.SelectionSlider, control)


def _presets_axis(name: str, presets: Presets, controls: dict[str, W.Widget]) -> Axis:
    named = {key for _, setting in presets.options for key in setting}
    unknown = named - controls.keys()
    if unknown:
        raise ValueError(f"presets {name!r} set unknown controls {sorted(unknown)}")
    # the default: the option that matches every control's present value
    default = [i for i, (_, setting) in enumerate(presets.options)
               if all(_same(controls[k].value, v) for k, v in setting.items())]
    if not default:
        raise ValueError(f"presets {name!r}: no option matches the controls' defaults")
    return Axis(name, presets.description, [dict(setting) for _, setting in presets.options],
                [label for label, _ in presets.options], default[0], W.Dropdown, None)


def control_grid(controls: dict[str, W.Widget], grid: dict[str, Any] | None = None) -> list[Axis]:
    """The static page's axes: one per control (or per :class:`Presets`), in the controls' order.

    ``grid`` maps a control name to its values, or a new name to a :class:`Presets`.
    Raises ``ValueError`` when a float slider has no declared grid, a value lies outside its
    control's range, or a grid lacks the control's default (the page must open on the view
    the live widget shows first).
    """
    grid = dict(grid or {})
    unknown = [k for k, v in grid.items() if not isinstance(v, Presets) and k not in controls]
    if unknown:
        raise ValueError(f"grid names unknown controls {unknown}; the controls are {list(controls)}")
    presets = {k: v for k, v in grid.items() if isinstance(v, Presets)}
    in_presets = {key for p in presets.values() for _, setting in p.options for key in setting}
    axes = [_presets_axis(name, p, controls) for name, p in presets.items()]
    for name, control in controls.items():
        if name in in_presets:
            continue
        if isinstance(control, W.widget_selection._Selection):
            axes.append(_selection_axis(name, control, grid.get(name)))
        else:
            axes.append(_slider_axis(name, control, grid.get(name)))
    return axes


def grid_values(axes: list[Axis], name: str) -> list[Any]:
    """The values control ``name`` takes on the static page (for a page to check its hints)."""
    values = [setting[name] for axis in axes for setting in axis.settings if name in setting]
    if not values:
        raise KeyError(f"no axis sets control {name!r}")
    return values


def png_file(image: PILImage.Image, folder: Path) -> tuple[str, tuple[int, int]]:
    """Save ``image`` as a PNG named by its content hash; ``(file name, (width, height))``.

    A 256-colour palette halves the file (a figure has few colours); zlib level 6 is 3x
    faster than 9 for 10 % more bytes.
    """
    small = image.quantize(colors=256, method=PILImage.Quantize.FASTOCTREE, dither=PILImage.Dither.NONE)
    buf = io.BytesIO()
    small.save(buf, format="png", compress_level=6)
    data = buf.getvalue()
    name = hashlib.sha256(data).hexdigest()[:24] + ".png"
    target = folder / name
    if not target.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(data)
        partial.replace(target)  # atomic: a concurrent build never reads half a file
    return name, image.size


def _text_html(widget: W.Widget) -> str:
    """What an output widget (HTML, Label, ...) shows, as HTML."""
    value = getattr(widget, "value", "")
    if isinstance(widget, (W.HTML, W.HTMLMath)):
        return value
    return html.escape(str(value))


def _static_control(axis: Axis) -> W.Widget:
    options = [(label, i) for i, label in enumerate(axis.labels)]
    source = axis.source
    kwargs: dict[str, Any] = {"options": options, "value": axis.default, "description": axis.description}
    if source is not None:
        kwargs["layout"] = W.Layout(width=source.layout.width) if source.layout.width else W.Layout()
    if axis.kind is W.SelectionSlider:
        kwargs["continuous_update"] = True  # views switch while the slider is dragged
    control = axis.kind(**kwargs)
    if source is not None:  # same label width and button width as the live control
        for key in ("description_width", "button_width"):
            if key in control.style.keys and key in source.style.keys:
                setattr(control.style, key, getattr(source.style, key))
    return control


def bake(box: W.VBox, redraw: Callable[[], None], grid: dict[str, Any] | None, folder: Path) -> W.VBox:
    """The static widget for the live widget ``box`` (see the module docstring).

    ``redraw()`` runs the live widget's update for the controls' present values (the
    function :func:`~bnbook.widgets._figure.make_widget` wires to them). The returned box
    carries the live one's ``controls``, ``view`` and ``state`` (at the default setting),
    plus ``axes`` (the grid) and ``views`` (the number of distinct views); the live widgets
    are closed, so the page stores only the static ones.
    """
    controls, view, extras = box.controls, box.view, box.extras
    axes = control_grid(controls, grid)
    defaults = {name: c.value for name, c in controls.items()}
    state = box.state
    # Nest the stacks with the fewest values outermost: the fewest stack models.
    order = sorted(range(len(axes)), key=lambda a: len(axes[a].labels))
    shared_layout, shared_style = W.Layout(), HTMLStyle()
    views: dict[tuple[str, str], W.HTML] = {}
    leaves: dict[tuple[int, ...], W.HTML] = {}
    view.publish = False  # no PNG goes to the (unused) live image while baking
    try:
        for point in itertools.product(*(range(len(axes[a].labels)) for a in order)):
            setting = dict(defaults)
            for a, i in zip(order, point):
                setting.update(axes[a].settings[i])
            for name, value in setting.items():
                if controls[name].value != value:
                    controls[name].value = value
            redraw()
            image, size = png_file(view.frame(), folder)
            text = "".join(f"<div class='bnbook-view-text'>{_text_html(w)}</div>" for w in extras if w.value)
            key = (image, text)
            if key not in views:
                index = dict(zip(order, point))  # axis -> value index, for the controls' order
                alt = html.escape(", ".join(f"{ax.description or ax.name}: {ax.labels[index[a]]}"
                                            for a, ax in enumerate(axes)), quote=True)
                views[key] = W.HTML(
                    f"<div class='bnbook-view'>{text}<img src='{VIEWS_URL}/{image}' width='{size[0]}' "
                    f"height='{size[1]}' alt='{alt}' style='max-width:100%;height:auto'></div>",
                    layout=shared_layout, style=shared_style)
            leaves[point] = views[key]
    finally:
        view.publish = True
        for name, value in defaults.items():  # leave the live controls as the page set them
            with controls[name].hold_trait_notifications():
                controls[name].value = value
    static_controls = [_static_control(axis) for axis in axes]
    root = _nest(order, [static_controls[a] for a in order], [axes[a].default for a in order], leaves,
                 shared_layout)
    note = W.HTML(f"<span class='bnbook-static-note'>{html.escape(t('widget_static_note'))}</span>")
    static = W.VBox([W.HBox(static_controls, layout=W.Layout(flex_flow="row wrap")), note, root],
                    _dom_classes=["bnbook-baked"])
    static.controls, static.view, static.state, static.extras = controls, view, state, extras
    static.axes, static.views, static.static_controls = axes, len(views), dict(zip((a.name for a in axes),
                                                                                      static_controls))
    for widget in (*controls.values(), *extras, view.image, *box.children[0].children, box.children[0], box):
        widget.close()
    return static


def _nest(order: list[int], controls: list[W.Widget], defaults: list[int], leaves: dict, layout: W.Layout,
          prefix: tuple[int, ...] = ()) -> W.Widget:
    """The stack for the grid points that start with ``prefix`` (a leaf view once all are fixed)."""
    depth = len(prefix)
    if depth == len(order):
        return leaves[prefix]
    children = [_nest(order, controls, defaults, leaves, layout, prefix + (i,))
                for i in range(len(controls[depth].options))]
    stack = W.Stack(children, selected_index=defaults[depth], layout=layout)
    W.jslink((controls[depth], "index"), (stack, "selected_index"))
    return stack
