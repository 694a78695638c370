"""The feedback exporter writes what nbgrader's HTMLExporter writes, without its second parse."""
from __future__ import annotations

import base64
import copy

import nbformat
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter

from bncourse.grading.feedback import MISSING_ALT, FeedbackExporter, add_accessibility_attributes

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
    assert _elements(ours) == _elements(theirs)
    soup = BeautifulSoup(ours, features="html.parser")
    assert len(soup.select("div.jp-Cell-inputWrapper[tabindex='0']")) == 5  # every cell's input
    assert len(soup.select("div.jp-OutputArea-output[tabindex='0']")) == 4
    # the Markdown image has an (empty) alt text of its own; the plot had none
    assert [img.get("alt") for img in soup.select("img")] == ["", MISSING_ALT]


def test_attributes_are_added_only_where_missing():
    html = ('<div class="jp-Cell-inputWrapper x">a</div><div class="not-jp-OutputArea-outputs">b</div>'
            '<img src="a.png" alt="a plot"><IMG src="b.png">')
    assert add_accessibility_attributes(html) == (
        '<div class="jp-Cell-inputWrapper x" tabindex="0">a</div><div class="not-jp-OutputArea-outputs">b</div>'
        f'<img src="a.png" alt="a plot"><img alt="{MISSING_ALT}" src="b.png">')
