"""The widget state a page embeds (bncourse.widget_state): only what its widgets need, nothing they lose."""

from __future__ import annotations

import json

import ipywidgets as W

from bncourse.widget_state import compact_state


def _recorded() -> dict:
    """The state as the build's kernel records it: every open model, every trait, as JSON."""
    return json.loads(json.dumps(W.Widget.get_manager_state(drop_defaults=False)))


def test_models_no_displayed_widget_reaches_are_left_out_and_links_kept():
    slider = W.SelectionSlider(options=[("a", 0), ("b", 1)], value=0)
    stack = W.Stack([W.HTML("<b>one</b>"), W.HTML("two")], selected_index=0)
    link = W.jslink((slider, "index"), (stack, "selected_index"))
    shown = W.VBox([slider, stack])
    hidden = W.FloatSlider(value=0.3)  # a live control the widget closed (nbclient keeps its state)
    state = compact_state(_recorded(), roots=[shown.model_id])["state"]
    assert shown.model_id in state and stack.model_id in state and link.model_id in state
    assert hidden.model_id not in state and hidden.layout.model_id not in state
    for widget in (shown, slider, stack, link, hidden, *stack.children):
        widget.close()


def test_values_and_defaults_the_browser_does_not_share_are_kept():
    slider = W.SelectionSlider(options=[("a", 0), ("b", 1)], value=0)  # index 0: "" in the browser
    html = W.HTML("<i>view</i>", layout=W.Layout(width="10px"))
    state = compact_state(_recorded())["state"]
    traits = state[slider.model_id]["state"]
    assert traits["index"] == 0 and traits["_options_labels"] == ["a", "b"]
    assert "tooltip" not in traits and "_view_count" not in traits and "_model_name" not in traits
    assert state[slider.model_id]["model_name"] == "SelectionSliderModel"  # the identity travels beside
    assert state[html.model_id]["state"]["value"] == "<i>view</i>"
    layout = state[html.layout.model_id]["state"]
    assert layout == {"width": "10px"}  # every other CSS property is null on both sides
    # an HTML view keeps 4 of its 17 traits
    assert set(state[html.model_id]["state"]) == {"_dom_classes", "layout", "style", "value"}
    for widget in (slider, html):
        widget.close()
