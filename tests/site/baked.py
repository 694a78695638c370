"""The baked widgets of a built page, and a browser driver for them (tests and benchmarks share it).

A baked widget (``bnbook.widgets._bake``) is, in the page's embedded widget state, a ``VBox``
with the class ``bnbook-baked`` holding a row of static controls, a note and a tree of
``Stack`` models whose leaves are the views; ``Link`` models tie each control's ``index`` to the
``selected_index`` of its stacks. :meth:`BakedWidget.view` follows that tree the way the widget
manager does, so a test can say which view the build computed for any setting of the controls
and compare it with what the browser shows.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)
VIEW = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)
IMG_SRC = re.compile(r"<img src='([^']+)'")
KINDS = {"SelectionSliderModel": "slider", "ToggleButtonsModel": "toggle", "DropdownModel": "dropdown"}


@dataclass
class Control:
    model_id: str
    kind: str  # "slider", "toggle" or "dropdown"
    labels: list[str]
    default: int


@dataclass
class BakedWidget:
    """One baked widget of a page: its controls and its views, as the build wrote them."""

    root: str  # the model id of the displayed VBox
    controls: list[Control]
    stack: str  # the outermost stack
    models: dict = field(repr=False)
    owner: dict = field(repr=False)  # stack model id -> position of the control that selects it

    def view(self, indices: list[int]) -> dict[str, str]:
        """``{"src", "html"}`` of the view shown with control ``k`` at ``indices[k]``."""
        node = self.stack
        while self.models[node]["model_name"] == "StackModel":
            children = self.models[node]["state"]["children"]
            node = children[indices[self.owner[node]]].removeprefix("IPY_MODEL_")
        value = self.models[node]["state"]["value"]
        return {"src": IMG_SRC.search(value)[1], "html": value}

    def controls_that_matter(self) -> list[bool]:
        """Per control: whether moving it alone changes the view at some setting of the others."""
        import itertools

        sizes = [len(c.labels) for c in self.controls]
        matter = [False] * len(sizes)
        for point in itertools.product(*(range(n) for n in sizes)):
            for k in range(len(sizes)):
                if not matter[k] and point[k] + 1 < sizes[k]:
                    moved = (*point[:k], point[k] + 1, *point[k + 1:])
                    matter[k] = self.view(list(point))["html"] != self.view(list(moved))["html"]
        return matter

    def views(self) -> set[str]:
        """The image of every view of this widget (the leaves of its stacks)."""
        images, todo = set(), [self.stack]
        while todo:
            model = self.models[todo.pop()]
            if model["model_name"] == "StackModel":
                todo.extend(child.removeprefix("IPY_MODEL_") for child in model["state"]["children"])
            else:
                images.add(IMG_SRC.search(model["state"]["value"])[1])
        return images


def _id(ref: str) -> str:
    return ref.removeprefix("IPY_MODEL_")


def baked_widgets(page_html: str) -> list[BakedWidget]:
    """The page's baked widgets, in the order the page displays them."""
    found = STATE.search(page_html)
    if not found:
        return []
    models = json.loads(found[1].replace(r"<\/script>", "</script>"))["state"]
    links = {}
    for model in models.values():
        if model["model_name"] == "LinkModel":
            (source, _), (target, trait) = model["state"]["source"], model["state"]["target"]
            links.setdefault(_id(source), []).append(_id(target))
    widgets = []
    for view in VIEW.findall(page_html):
        root = json.loads(view)["model_id"]
        state = models.get(root, {}).get("state", {})
        if "bnbook-baked" not in state.get("_dom_classes", []):
            continue
        row, _note, stack = (_id(c) for c in state["children"])
        controls, owner = [], {}
        for position, ref in enumerate(models[row]["state"]["children"]):
            model = models[_id(ref)]
            controls.append(Control(_id(ref), KINDS[model["model_name"]], model["state"]["_options_labels"],
                                    model["state"].get("index", 0)))
            for target in links.get(_id(ref), []):
                owner[target] = position
        widgets.append(BakedWidget(root, controls, stack, models, owner))
    return widgets


# ------------------------------------------------------------------------------------ browser
# True once the widget shows the view whose HTML is ``html``: its image loaded, its text the same.
SHOWN = """([root, src, html]) => {
    const box = document.querySelector(`[data-bnbook-root="${root}"]`);
    const view = box && box.querySelector('.bnbook-view');
    if (!view) return false;
    const img = view.querySelector('img');
    const text = node => node.textContent.split(/\\s+/).filter(Boolean).join(' ');
    const expected = new DOMParser().parseFromString(html, 'text/html').body;
    return img && img.getAttribute('src') === src && img.complete && img.naturalWidth > 0
        && text(view) === text(expected);
}"""

# Marks each baked widget's element with its model id: the widget manager renders a widget
# just before the <script> that names its model.
MARK = """() => {
    for (const script of document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')) {
        const id = JSON.parse(script.textContent).model_id;
        const box = script.parentElement.querySelector('.bnbook-baked');
        if (box) box.setAttribute('data-bnbook-root', id);
    }
    return document.querySelectorAll('[data-bnbook-root]').length;
}"""


def wait_for_view(page, widget: BakedWidget, indices: list[int], timeout_ms: int = 10000) -> float:
    """Wait until the browser shows the view the build computed for ``indices``; seconds waited."""
    expected = widget.view(indices)
    start = time.perf_counter()
    page.wait_for_function(SHOWN, arg=[widget.root, expected["src"], expected["html"]], timeout=timeout_ms,
                           polling="raf")
    return time.perf_counter() - start


def control_element(page, widget: BakedWidget, position: int):
    """The DOM element of the widget's ``position``-th control."""
    box = page.locator(f'[data-bnbook-root="{widget.root}"]')
    return box.locator(".widget-hbox").first.locator(":scope > *").nth(position)


def set_control(page, widget: BakedWidget, position: int, current: int, target: int) -> None:
    """Move control ``position`` from index ``current`` to ``target`` as a reader would.

    Slider: keyboard arrows on its handle, one step per key; toggle buttons: a click; dropdown:
    a selection.
    """
    control, element = widget.controls[position], control_element(page, widget, position)
    if control.kind == "slider":
        handle = element.locator(".noUi-handle")
        handle.focus()
        key = "ArrowRight" if target > current else "ArrowLeft"
        for _ in range(abs(target - current)):
            handle.press(key)
    elif control.kind == "toggle":
        element.locator("button").nth(target).click()
    else:
        element.locator("select").select_option(index=target)


def drive(page, url: str, widgets: list[BakedWidget], label: str) -> list[list[float]]:
    """Load ``url`` and move every control of every baked widget through all its values.

    Each control goes from its default to its last value, back to its first and back to its
    default; after every step the page must show the view built for the controls' indices
    (``AssertionError`` naming the widget, control and value otherwise). Returns, per widget,
    the seconds each view change took to show.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(url, wait_until="load")
    page.wait_for_function(f"() => ({MARK})() >= {len(widgets)}", timeout=60000)
    times: list[list[float]] = []
    for w, widget in enumerate(widgets, 1):
        times.append([])
        indices = [c.default for c in widget.controls]
        try:
            wait_for_view(page, widget, indices)
        except PlaywrightTimeout:
            raise AssertionError(f"{label}, widget {w}: the page does not open on the built default view") from None
        for position, control in enumerate(widget.controls):
            last = len(control.labels) - 1
            path = [*range(control.default + 1, last + 1), *range(last - 1, -1, -1), *range(1, control.default + 1)]
            for target in path:
                set_control(page, widget, position, indices[position], target)
                indices[position] = target
                try:
                    times[-1].append(wait_for_view(page, widget, indices))
                except PlaywrightTimeout:
                    raise AssertionError(
                        f"{label}, widget {w}, control {position + 1} at {control.labels[target]!r}: the page "
                        f"does not show the built view {widget.view(indices)['src']}") from None
    return times
