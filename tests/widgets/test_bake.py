"""Baking (bnbook.widgets._bake): the static widget shows, for every grid point, the view the live
widget computes there, and its controls select that view in the browser through jslinks alone."""

from __future__ import annotations

import itertools
from pathlib import Path

import ipywidgets as W
from ipywidgets.widgets.widget import _instances
from ipywidgets.widgets.widget_link import Link
import numpy as np
import pytest
from PIL import Image

from bnbook.widgets import _bake
from bnbook.widgets._bake import BAKE_DIR_VARIABLE, Presets, control_grid, grid_values, png_file
from bnbook.widgets.bn_transform import CONSTANT_ND, bn_calculator
from bnbook.widgets.inference import train_eval_widget
from bnbook.widgets.preface import batch_preview


@pytest.fixture
def baking(tmp_path, monkeypatch) -> Path:
    """Widgets made in the test bake into a fresh folder, as in the site build."""
    folder = tmp_path / "views"
    monkeypatch.setenv(BAKE_DIR_VARIABLE, str(folder))
    return folder


def _links() -> dict[str, list]:
    """Every live jslink: source model id -> [(target widget, trait)]."""
    out: dict[str, list] = {}
    for widget in list(_instances.values()):
        if isinstance(widget, Link) and widget.comm is not None:
            (source, _), (target, trait) = widget.source, widget.target
            out.setdefault(source.model_id, []).append((target, trait))
    return out


def _shown(static: W.VBox, indices: dict[str, int]) -> W.HTML:
    """The view the browser shows when each static control is at ``indices[name]``.

    Follows the stacks from the root the way the widget manager would: each stack shows the
    child picked by the control whose ``index`` is jslinked to its ``selected_index``.
    """
    links = _links()
    owner = {}
    for name, control in static.static_controls.items():
        for target, trait in links.get(control.model_id, []):
            assert trait == "selected_index"
            owner[target.model_id] = name
    node = static.children[2]
    while isinstance(node, W.Stack):
        node = node.children[indices[owner[node.model_id]]]
    return node


def _image_name(view: W.HTML) -> str:
    return view.value.split(f"{_bake.VIEWS_URL}/")[1].split("'")[0]


def test_a_float_slider_needs_a_declared_grid_that_holds_its_default():
    slider = W.FloatSlider(value=0.5, min=0.0, max=1.0)
    with pytest.raises(ValueError, match="needs a declared grid"):
        control_grid({"x": slider})
    with pytest.raises(ValueError, match="lacks the control's default 0.5"):
        control_grid({"x": slider}, {"x": [0.0, 1.0]})
    with pytest.raises(ValueError, match="outside the slider's range"):
        control_grid({"x": slider}, {"x": [0.5, 2.0]})
    with pytest.raises(ValueError, match="unknown controls"):
        control_grid({"x": slider}, {"y": [0.5]})
    (axis,) = control_grid({"x": slider}, {"x": [0.0, 0.5, 1.0]})
    assert axis.labels == ["0.00", "0.50", "1.00"] and axis.default == 1


def test_selection_controls_and_small_integer_sliders_need_no_declaration():
    axes = control_grid({
        "mode": W.ToggleButtons(options=[("train", "t"), ("eval", "e")], value="e"),
        "k": W.IntSlider(value=2, min=0, max=4),
        "size": W.SelectionSlider(options=[2, 4, 8], value=4),
    })
    assert [a.labels for a in axes] == [["train", "eval"], ["0", "1", "2", "3", "4"], ["2", "4", "8"]]
    assert [a.default for a in axes] == [1, 2, 1]
    with pytest.raises(ValueError, match="declare a grid of at most"):
        control_grid({"k": W.IntSlider(value=0, min=0, max=500)})


def test_presets_stand_for_several_controls():
    controls = {"text": W.Textarea(value="1 2"), "mode": W.ToggleButtons(options=["a", "b"], value="a")}
    presets = Presets("batch", [("first", {"text": "1 2", "mode": "a"}), ("second", {"text": "3 4", "mode": "b"})])
    (axis,) = control_grid(controls, {"batch": presets})
    assert axis.labels == ["first", "second"] and axis.default == 0 and axis.kind is W.Dropdown
    assert grid_values([axis], "text") == ["1 2", "3 4"]
    with pytest.raises(ValueError, match="no option matches"):
        control_grid(controls, {"batch": Presets("batch", [("second", {"text": "3 4", "mode": "b"})])})


def test_live_widget_without_the_build_variable(monkeypatch):
    monkeypatch.delenv(BAKE_DIR_VARIABLE, raising=False)
    box = batch_preview()
    assert isinstance(box.children[-1], W.Image)  # the live figure, redrawn by the kernel
    assert grid_values(box.axes, "shift")[0] == -10.0


def test_every_baked_view_is_the_live_widgets_view_at_that_setting(baking, monkeypatch):
    static = batch_preview()
    live = {}
    monkeypatch.delenv(BAKE_DIR_VARIABLE)  # the reference: a live widget, moved by its controls
    reference = batch_preview()
    names = [axis.name for axis in static.axes]
    assert names == ["shift", "scale"]
    for indices in itertools.product(*(range(len(a.labels)) for a in static.axes)):
        for axis, i in zip(static.axes, indices):
            reference.controls[axis.name].value = axis.settings[i][axis.name]
        expected, _ = png_file(reference.view.frame(), baking)
        view = _shown(static, dict(zip(names, indices)))
        live[indices] = expected
        assert _image_name(view) == expected, f"view at {indices}"
        assert (baking / expected).is_file()
    assert static.views == len(set(live.values())) == 49
    # the page opens on the live widget's defaults (shift 3, scale 4) and the same numbers
    assert static.state == batch_preview().state
    assert [c.value for c in static.static_controls.values()] == [4, 4]


def test_static_controls_mirror_the_live_ones(baking):
    static = train_eval_widget(mode="train", batch_size=8)
    controls = static.static_controls
    assert isinstance(controls["mode"], W.ToggleButtons)
    assert isinstance(controls["batch_size"], W.SelectionSlider)  # a slider snaps to its grid values
    assert isinstance(controls["seed"], W.SelectionSlider)
    assert controls["batch_size"].description == static.controls["batch_size"].description
    assert [label for label, _ in controls["batch_size"].options] == ["1", "2", "4", "8", "16", "64", "448"]
    assert "bnbook-baked" in static._dom_classes
    note = static.children[1].value
    assert "Binder" in note
    # eval mode does not depend on the batching: one view serves every batch size and seed
    assert static.views < 2 * 7 * 5
    # the live widgets are closed: the page stores only the static ones
    assert all(c.comm is None for c in static.controls.values()) and static.view.image.comm is None


def test_calculator_presets_replace_the_typed_batch(baking):
    static = bn_calculator()
    batch = static.static_controls["batch"]
    assert isinstance(batch, W.Dropdown) and len(batch.options) == 4
    assert "text_nd" not in static.static_controls and "layout" not in static.static_controls
    assert CONSTANT_ND in grid_values(static.axes, "text_nd")
    assert 0.0 in grid_values(static.axes, "gamma")  # a thing to try: gamma = 0
    view = _shown(static, {"batch": 0, "channel": 0, "gamma": 3, "beta": 1, "eps": 0}).value
    assert "<table" in view and "<img" in view
    # the numbers stay apart: cells are spaced, not run together
    assert "border-spacing" in view


def test_png_file_is_named_by_its_content(tmp_path):
    image = Image.fromarray(np.full((4, 6, 3), 200, dtype=np.uint8))
    name, size = png_file(image, tmp_path)
    again, _ = png_file(image.copy(), tmp_path)
    assert name == again and size == (6, 4) and len(list(tmp_path.iterdir())) == 1
    assert Image.open(tmp_path / name).mode == "P"  # a palette image: small files
