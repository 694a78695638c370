"""nbgrader's feedback exporter, made cheap enough to run once per student in a grading worker.

``GenerateFeedback`` makes a new ``HTMLExporter`` for every student. Two things made that slow:

* each new exporter parses and compiles the same Jinja templates again. Jinja's bytecode
  cache, kept here in memory for the life of the process (one grading worker), skips that
  from the second student on; Jinja checks each template's source against the cached code,
  so an edited template is compiled afresh.
* after rendering, ``HTMLExporter`` parses the whole page again with BeautifulSoup only to
  add two kinds of attributes (alternative text on images without one, ``tabindex="0"`` on
  cell inputs and outputs, for keyboard users), and serializes it back: more than half of
  the time feedback takes. :func:`add_accessibility_attributes` makes the same two edits on
  the rendered text.
"""
from __future__ import annotations

import re

from jinja2 import BytecodeCache
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

MISSING_ALT = "No description has been provided for this image"  # HTMLExporter's own text
# The opening tag of a cell's input or of an output (the lab template's class names).
_FOCUSABLE = re.compile(r'<div class="(?:[^"]*\s)?(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?:\s[^"]*)?"')
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)", re.IGNORECASE)


class _MemoryBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_CACHE = _MemoryBytecodeCache()


def add_accessibility_attributes(html: str) -> str:
    """What ``HTMLExporter`` adds with BeautifulSoup: ``tabindex="0"`` on every cell input and
    output, and an ``alt`` text on every image that has none."""
    html = _FOCUSABLE.sub(lambda m: m.group(0) + ' tabindex="0"', html)
    return _IMG_WITHOUT_ALT.sub(f'<img alt="{MISSING_ALT}"', html)


class FeedbackExporter(HTMLExporter):
    """``HTMLExporter`` with the process's compiled templates and without the second parse."""

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _CACHE
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        # HTMLExporter.from_notebook_node up to the rendering, then the attributes as text.
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        self.register_filter(
            "highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        )
        resources = self._init_resources(resources)
        self.register_filter(
            "filter_data_type",
            WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
        )
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return add_accessibility_attributes(html), resources
