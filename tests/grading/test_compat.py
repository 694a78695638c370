"""One test per patch of bncourse.grading.compat (nbgrader's and nbconvert's internals), and the pins.

Each test fails if a new nbgrader or nbconvert changes what its patch relies on."""
from __future__ import annotations

import base64
import copy
from importlib.metadata import version
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter

from bncourse.grading import compat, mathjax
from bncourse.grading.compat import FeedbackExporter, one_engine_per_database, record_only_preprocessors
from bncourse.grading.feedback import MISSING_ALT, add_accessibility_attributes

# A 1 x 1 PNG
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000000000500010d0a2db40000000049454e44ae426082")).decode()


def _notebook():
    v4 = nbformat.v4
    return v4.new_notebook(cells=[
        v4.new_markdown_cell("# Feedback\nSome *text* and an image ![](data:image/png;base64," + PNG + ")"),
        v4.new_code_cell("print('hello')", outputs=[v4.new_output("stream", name="stdout", text="hello\n")]),
        v4.new_code_cell("plot()", outputs=[v4.new_output("display_data", data={"image/png": PNG})]),
        v4.new_code_cell("1/0", outputs=[v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                                       traceback=["ZeroDivisionError: division by zero"])]),
        v4.new_code_cell("html()", outputs=[v4.new_output("display_data", data={"text/html": "<b>bold</b>"})]),
    ], metadata={"language_info": {"name": "python"}})


def _elements(html: str) -> list[tuple[str, tuple]]:
    """Every tag of the page with its attributes, whatever their order."""
    soup = BeautifulSoup(html, features="html.parser")
    return [(tag.name, tuple(sorted((k, str(v)) for k, v in tag.attrs.items()))) for tag in soup.find_all(True)]


def test_same_page_as_nbconverts_html_exporter():
    notebook = _notebook()
    ours, _ = FeedbackExporter().from_notebook_node(copy.deepcopy(notebook))
    theirs, _ = HTMLExporter().from_notebook_node(copy.deepcopy(notebook))
    # the same page, but for nbconvert's CDN MathJax block, which ours replaces by MathJax inlined
    assert "libs/mathjax/" in theirs and "libs/mathjax/" not in ours and "window.MathJax" in ours
    assert _elements(ours) == _elements(mathjax.inline(theirs, mathjax.script()))
    soup = BeautifulSoup(ours, features="html.parser")
    assert len(soup.select("div.jp-Cell-inputWrapper[tabindex='0']")) == 5  # every cell's input
    assert len(soup.select("div.jp-OutputArea-output[tabindex='0']")) == 4
    # the Markdown image has an (empty) alt text of its own; the plot had none
    assert [img.get("alt") for img in soup.select("img")] == ["", MISSING_ALT]


def test_the_exporter_keeps_compiled_templates_for_the_process():
    from bncourse.grading.feedback import BYTECODE_CACHE

    FeedbackExporter().from_notebook_node(_notebook())
    exporter = FeedbackExporter()
    assert exporter.environment.bytecode_cache is BYTECODE_CACHE
    assert BYTECODE_CACHE._code, "rendering a page stored its compiled templates"


def test_attributes_are_added_only_where_missing():
    html = ('<div class="jp-Cell-inputWrapper x">a</div><div class="not-jp-OutputArea-outputs">b</div>'
            '<img src="a.png" alt="a plot"><IMG src="b.png">')
    assert add_accessibility_attributes(html) == (
        '<div class="jp-Cell-inputWrapper x" tabindex="0">a</div><div class="not-jp-OutputArea-outputs">b</div>'
        f'<img src="a.png" alt="a plot"><img alt="{MISSING_ALT}" src="b.png">')


# ----------------------------------------------------------------------------- the pins
def _pinned_in_requirements() -> dict[str, str]:
    lines = (Path(__file__).resolve().parents[2] / "requirements.txt").read_text().splitlines()
    pins = {}
    for line in lines:
        name, sep, ver = line.split("#")[0].strip().partition("==")
        if sep:
            pins[name.strip()] = ver.strip()
    return pins


def test_requirements_pin_the_versions_compat_was_checked_against():
    pins = _pinned_in_requirements()
    assert {name: pins.get(name) for name in compat.PINNED} == compat.PINNED


def test_the_installed_versions_are_the_pinned_ones():
    assert compat.version_mismatches() == {}, "upgrade checked? change compat.PINNED and requirements.txt"
    assert {name: version(name) for name in compat.PINNED} == compat.PINNED


# ----------------------------------------------------------------------------- the engine swap
def test_gradebooks_share_one_engine_inside_the_block_only(tmp_path, monkeypatch):
    import os
    import sys

    import nbgrader.api
    from nbgrader.api import Gradebook

    # a new gradebook runs `alembic` from PATH
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    original = nbgrader.api.create_engine
    with one_engine_per_database():
        with Gradebook(url, "c") as a:
            a.add_assignment("a1")
            a.update_or_create_student("s1")
        with Gradebook(url, "c") as b:
            assert b.engine is a.engine, "nbgrader no longer makes its engine with nbgrader.api.create_engine"
            assert [s.id for s in b.students] == ["s1"]  # written through the shared engine
    assert nbgrader.api.create_engine is original
    with Gradebook(url, "c") as c, Gradebook(url, "c") as d:
        assert c.engine is not d.engine
        assert c.find_assignment("a1").name == "a1"


# ----------------------------------------------------------------------------- recording only
def test_record_only_steps_are_the_tail_of_nbgraders_autograde_after_execution():
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    pipeline = Autograde().autograde_preprocessors
    steps = record_only_preprocessors()
    assert steps and all(step in pipeline for step in steps)
    assert all(pipeline.index(step) > pipeline.index(Execute) for step in steps), "they must not execute"
