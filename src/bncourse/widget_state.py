"""Smaller pages: the widget state a page embeds holds only what its widgets need.

The build's kernel (through nbclient) records every widget model it ever opened, closed ones
included, with every trait, and myst-nb embeds all of it in the page. Two things need not travel:

- **Models no displayed widget reaches.** A baked widget (``bnbook.widgets._bake``) closes its
  live controls and figure once its views are computed; nbclient keeps their state anyway (the
  live figure is a PNG of tens of kilobytes). A model is kept when a displayed widget refers to
  it, directly or through other models, or when it is a link between two kept models.
- **Traits at a default the browser's widget manager shares.** An empty ``HTML`` view is about
  900 bytes, mostly defaults. Only traits whose Python and JavaScript defaults are the same are
  left out (checked against the vendored html-manager 1.0.15): not every trait qualifies (a
  ``SelectionSlider``'s ``index`` defaults to 0 in Python and to "" in the browser).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from sphinx.application import Sphinx

__all__ = ["WIDGET_STATE_TYPE", "compact_state", "compact_page_state"]

WIDGET_STATE_TYPE = "application/vnd.jupyter.widget-state+json"
VIEW_SCRIPT = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)
REFERENCE = re.compile(r"IPY_MODEL_([0-9a-f]{32})")
LINKS = {"LinkModel", "DirectionalLinkModel"}
# Traits whose default is the same in ipywidgets 8.1 and in the html-manager's models; the model's
# identity (_model_*, _view_*) travels beside its state as well (ipywidgets' own embedding drops it).
SHARED_DEFAULTS = {"_model_module", "_model_module_version", "_model_name", "_view_module",
                   "_view_module_version", "_view_name", "_view_count", "tabbable", "tooltip",
                   "description", "description_allow_html", "placeholder", "box_style"}


@cache
def _defaults(model_module: str, model_name: str) -> dict[str, Any]:
    """The synced traits' Python defaults of a model, as JSON ({} for a model ipywidgets does not know)."""
    from ipywidgets.widgets.widget import _registry

    for (m_module, _, m_name, _, _, _), widget_class in _registry.items():
        if (m_module, m_name) == (model_module, model_name):
            defaults = {}
            for name, trait in widget_class.class_traits(sync=True).items():
                try:
                    defaults[name] = json.loads(json.dumps(trait.default_value))  # tuples become lists
                except (TypeError, ValueError):  # no plain default (an instance, Undefined)
                    pass
            return defaults
    return {}


def _droppable(model_name: str, key: str, value: Any, defaults: dict[str, Any]) -> bool:
    if key not in defaults or defaults[key] != value:
        return False
    # every CSS property of a Layout defaults to null on both sides
    return key in SHARED_DEFAULTS or (model_name == "LayoutModel" and value is None)


def _reachable(models: dict[str, dict], roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = [r for r in roots if r in models]
    while todo:
        model_id = todo.pop()
        if model_id in seen:
            continue
        seen.add(model_id)
        todo.extend(r for r in REFERENCE.findall(json.dumps(models[model_id].get("state", {}))) if r in models)
    for model_id, model in models.items():  # links: nothing refers to them, they refer to two kept models
        if model.get("model_name") in LINKS and set(REFERENCE.findall(json.dumps(model.get("state", {})))) <= seen:
            seen.add(model_id)
    return seen


def compact_state(document: dict, roots: list[str] | None = None) -> dict:
    """The widget-state document with only what the displayed widgets ``roots`` need.

    ``document`` is ``{"version_major", "version_minor", "state": {model id: {"model_name",
    "model_module", "model_module_version", "state": {trait: value}}}}``; ``roots`` are the model
    ids the page displays (None: keep every model).
    """
    models = document.get("state", {})
    kept = _reachable(models, roots) if roots is not None else set(models)
    out = {}
    for model_id in kept:
        model = models[model_id]
        name = model.get("model_name", "")
        defaults = _defaults(model.get("model_module", ""), name)
        traits = {k: v for k, v in model.get("state", {}).items() if not _droppable(name, k, v, defaults)}
        out[model_id] = {**model, "state": traits}
    return {**document, "state": out}


def compact_page_state(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Rewrite the page's embedded widget state (myst-nb adds it as an inline script)."""
    roots = [json.loads(view).get("model_id", "") for view in VIEW_SCRIPT.findall(context.get("body") or "")]
    scripts = context.get("script_files") or []
    for i, script in enumerate(scripts):
        attributes = getattr(script, "attributes", {})
        if attributes.get("type") != WIDGET_STATE_TYPE or not attributes.get("body"):
            continue
        body = json.dumps(compact_state(json.loads(attributes["body"]), roots))
        scripts[i] = type(script)(script.filename, priority=script.priority,
                                  **{**attributes, "body": body.replace("</script>", r"<\/script>")})
