"""The reader's text of a built page: what the browser shows as prose (no code, math, scripts).

Shared by the site tests of the Chinese editions (stray spaces, Taiwan vocabulary).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

# Han characters, CJK punctuation and full-width forms (not U+3000, the ideographic space).
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3001-\u303f\uff01-\uff60"
STRAY_SPACE = re.compile(f"[{CJK}][ \t\r\n\u00a0]+[{CJK}]")

# Elements whose text is not prose: code, math (MathJax source), scripts (widget state), styles,
# and the {exercise} role's row of links (name, notebook, Binder), which spaces set apart on purpose.
SKIP_TAGS = {"script", "style", "pre", "code", "kbd", "samp", "textarea", "math", "svg", "template"}
SKIP_CLASSES = {"math", "highlight", "notranslate", "headerlink", "MathJax", "bn-exercise"}
# Elements that end a run of text: a line break in the source between two of them is not a space.
BLOCKS = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead",
    "tbody", "tr", "td", "th", "caption", "figcaption", "figure", "section", "article", "aside", "nav",
    "header", "footer", "main", "blockquote", "br", "hr", "details", "summary", "button", "label",
    "option", "select", "title", "body", "head", "html", "form", "input", "img",
}
VOID = {"br", "hr", "img", "input", "meta", "link", "source", "wbr", "area", "base", "col", "embed", "track"}


class _ProseText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = [""]
        self._skip: list[str] = []  # the stack of open elements, for those inside a skipped one

    def _boundary(self) -> None:
        if self.runs[-1]:
            self.runs.append("")

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        if tag in BLOCKS:
            self._boundary()
        if tag in VOID:
            return
        if self._skip or tag in SKIP_TAGS or classes & SKIP_CLASSES:
            self._skip.append(tag)
            if len(self._skip) == 1:
                self.runs[-1] += "\u2060"  # skipped content (code, math): never a CJK neighbour
            return

    def handle_startendtag(self, tag, attrs):
        if tag in BLOCKS:
            self._boundary()

    def handle_endtag(self, tag):
        if self._skip:
            if tag in self._skip:
                while self._skip and self._skip.pop() != tag:
                    pass
            return
        if tag in BLOCKS:
            self._boundary()

    def handle_data(self, data):
        if not self._skip:
            self.runs[-1] += data


def prose_runs(path: Path) -> list[str]:
    """The page's prose, one string per block of text (paragraph, list item, heading, cell...)."""
    parser = _ProseText()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return [run for run in parser.runs if run.strip()]


def stray_spaces(path: Path) -> list[str]:
    """Each place where whitespace separates two Chinese characters, with some context."""
    found = []
    for run in prose_runs(path):
        for m in STRAY_SPACE.finditer(run):
            start, end = max(0, m.start() - 12), min(len(run), m.end() + 12)
            found.append(run[start:end].replace("\n", "⏎").replace("\u2060", "‹code›"))
    return found
