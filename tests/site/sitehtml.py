"""Reading the built HTML: pages, links, fetched resources (shared by the site tests)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
LANGS = ("en", "zh-Hans", "zh-Hant")

# Tags and attributes whose URL the browser fetches by itself (as opposed to links a reader follows).
FETCHING = {
    ("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"), ("video", "src"),
    ("audio", "src"), ("embed", "src"), ("object", "data"), ("input", "src"), ("track", "src"),
}
FETCHING_LINK_RELS = {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest",
                      "apple-touch-icon", "shortcut"}
ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


class PageParser(HTMLParser):
    """Collects ids, links, fetched URLs, switcher links and code cells of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.fetched: list[str] = []
        self.switcher: dict[str, str | None] = {}
        self.code_cells = 0
        self.html_lang: str | None = None
        self._in_switcher = False
        self.inline_styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "html":
            self.html_lang = a.get("lang")
        for key in ("id", "name"):
            if a.get(key) and (key == "id" or tag == "a"):
                self.ids.add(a[key])
        if tag == "nav" and "bn-lang-switcher" in classes:
            self._in_switcher = True
        if self._in_switcher and tag == "a":
            self.switcher[a.get("lang", "")] = a.get("href")
        if self._in_switcher and tag == "span" and "bn-lang-current" in classes:
            self.switcher[a.get("lang", "")] = None
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "div" and "cell" in classes and "docutils" not in classes:
            self.code_cells += 1
        for t, attr in FETCHING:
            if tag == t and a.get(attr):
                self.fetched.append(a[attr])
        if tag == "link" and a.get("href"):
            rels = set((a.get("rel") or "").lower().split())
            if rels & FETCHING_LINK_RELS:
                self.fetched.append(a["href"])
        if a.get("style"):
            self.inline_styles.append(a["style"])
        if tag == "style":
            self._in_style = True

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_switcher = False
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.inline_styles.append(data)


def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


REFRESH = re.compile(r'<meta http-equiv="Refresh" content="0; url=([^"]+)"', re.I)


def redirect_target(path: Path) -> str | None:
    """Where a redirect stub (the edition's ``index.html`` -> its root page) points, else None."""
    m = REFRESH.match(path.read_text(encoding="utf-8")[:600].strip())
    return m.group(1) if m else None


def pages(edition: Path) -> list[Path]:
    """The HTML pages of an edition: not the vendored files under _static, not redirect stubs."""
    return sorted(
        p for p in edition.rglob("*.html")
        if "_static" not in p.relative_to(edition).parts and redirect_target(p) is None
    )


def css_urls(text: str) -> list[str]:
    return [m.group(1) or m.group(2) for m in CSS_URL.finditer(text)]
