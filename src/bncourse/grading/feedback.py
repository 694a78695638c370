"""The students' feedback pages: nbgrader's ``GenerateFeedback`` with a cheaper exporter.

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

The exporter that plugs both in (:class:`.compat.FeedbackExporter`) uses nbconvert's private
methods, so it lives in :mod:`.compat`.
"""
from __future__ import annotations

import re
from pathlib import Path

from jinja2 import BytecodeCache

MISSING_ALT = "No description has been provided for this image"  # HTMLExporter's own text
# The opening tag of a cell's input or of an output (the lab template's class names).
_FOCUSABLE = re.compile(r'<div class="(?:[^"]*\s)?(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?:\s[^"]*)?"')
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)", re.IGNORECASE)


class MemoryBytecodeCache(BytecodeCache):
    """Jinja's compiled templates, kept in memory for the life of the process."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


BYTECODE_CACHE = MemoryBytecodeCache()


def add_accessibility_attributes(html: str) -> str:
    """What ``HTMLExporter`` adds with BeautifulSoup: ``tabindex="0"`` on every cell input and
    output, and an ``alt`` text on every image that has none."""
    html = _FOCUSABLE.sub(lambda m: m.group(0) + ' tabindex="0"', html)
    return _IMG_WITHOUT_ALT.sub(f'<img alt="{MISSING_ALT}"', html)


def feedback(root: Path, assignment: str) -> None:
    """(Re)write the feedback HTML of every graded student of ``assignment`` from the gradebook."""
    from nbgrader.converters import GenerateFeedback

    from .compat import FeedbackExporter
    from .course import coursedir, nbgrader_config, prepare_environment

    prepare_environment()
    cfg = nbgrader_config(root, GenerateFeedback__exporter_class=FeedbackExporter)
    GenerateFeedback(coursedir=coursedir(cfg, assignment, "*"), config=cfg, force=True).start()
