"""Every page in headless Chromium (Debian's ``chromium``): math, widgets, switcher, requests.

Each page is loaded from a local server; every request is recorded and any that leaves the
server fails the test, as does any console error or uncaught exception. Screenshots of a few
pages go to ``_build/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlsplit

import pytest

from sitehtml import LANGS, ROOT, pages

pytestmark = pytest.mark.site

CHROMIUM = os.environ.get("BNBOOK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "_build" / "screenshots"
SHOT_PAGES = ("preface", "glossary", "instructors")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements-test.txt")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed (no {CHROMIUM}): `make test` installs it as root, "
                    "or run `sudo apt-get install -y chromium fonts-noto-cjk`")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


def _all_pages(site):
    return [(lang, page.relative_to(site / lang).as_posix()) for lang in LANGS for page in pages(site / lang)]


class Visit:
    """A browser page that records requests that leave the server and console errors."""

    def __init__(self, browser, server, locale="en-US"):
        self.context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.errors: list[str] = []
        host = urlsplit(server).netloc

        def on_request(request):
            parts = urlsplit(request.url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != host:
                self.outside.append(request.url)

        self.page.on("request", on_request)
        # Abort anything outside, so an offline machine behaves like a campus intranet.
        self.page.route(lambda url: urlsplit(url).netloc != host and urlsplit(url).scheme in ("http", "https"),
                        lambda route: route.abort())
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}"))

    def close(self):
        self.context.close()


def _wait_for_count(page, selector: str, n: int, what: str, timeout_ms: int = 60000) -> None:
    """Wait until ``selector`` matches at least ``n`` elements; on time-out say how many did."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            "([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[selector, n], timeout=timeout_ms
        )
    except PlaywrightTimeout:
        got = page.evaluate("sel => document.querySelectorAll(sel).length", selector)
        pytest.fail(f"{what}: {got} of {n} after {timeout_ms / 1000:.0f} s ({selector})")


def _check_page(visit: Visit, url: str, label: str) -> dict:
    page = visit.page
    page.goto(url, wait_until="load")
    found = page.evaluate(
        """() => ({
            math: document.querySelectorAll('div.math, span.math').length,
            widgets: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
        })"""
    )
    if found["math"]:
        # MathJax replaces each formula's TeX by an <mjx-container>.
        _wait_for_count(page, "mjx-container", found["math"], f"{label}: typeset formulas")
        assert not page.locator("mjx-merror").count(), f"{label}: MathJax reports an error"
    if found["widgets"]:
        # The HTML manager replaces each widget view script by the rendered widget; the saved
        # figure is an <img> holding the PNG of the widget state.
        _wait_for_count(page, ".jupyter-widgets img, .widget-image", found["widgets"], f"{label}: rendered widgets")
        ok = page.evaluate(
            "() => Array.from(document.querySelectorAll('.jupyter-widgets img, img.widget-image'))"
            ".every(img => img.complete && img.naturalWidth > 0)"
        )
        assert ok, f"{label}: a widget snapshot image did not render"
        assert page.locator(".widget-slider, .jupyter-widgets input, .widget-hslider").count(), f"{label}: no slider"
    return found


def test_every_page_renders_with_no_outside_request_and_no_console_error(browser, server, site):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visit = Visit(browser, server)
    seen = {"math": 0, "widgets": 0}
    try:
        for lang, rel in _all_pages(site):
            label = f"{lang}/{rel}"
            found = _check_page(visit, f"{server}/{lang}/{rel}", label)
            seen = {k: seen[k] + found[k] for k in seen}
            name = rel.removesuffix(".html")
            if name in SHOT_PAGES or (found["widgets"] and name != "preface"):
                visit.page.screenshot(path=str(SCREENSHOTS / f"{lang}-{name.replace('/', '-')}.png"), full_page=True)
            assert not visit.errors, f"{label}: console errors: {visit.errors}"
            assert not visit.outside, f"{label}: requests outside the site: {visit.outside}"
    finally:
        visit.close()
    assert seen["math"] > 0 and seen["widgets"] > 0, f"the site should have formulas and widgets: {seen}"


def test_switcher_opens_the_same_page_in_each_edition(browser, server, site):
    visit = Visit(browser, server)
    try:
        page = visit.page
        page.goto(f"{server}/en/instructors.html")
        page.click(".bn-lang-switcher a[lang='zh-Hans']")
        page.wait_for_url(f"{server}/zh-Hans/instructors.html")
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        assert "教师指南" in page.title()
        page.click(".bn-lang-switcher a[lang='zh-Hant']")
        page.wait_for_url(f"{server}/zh-Hant/instructors.html")
        assert "教師指南" in page.title()
        page.click(".bn-lang-switcher a[lang='en']")
        page.wait_for_url(f"{server}/en/instructors.html")
        assert not visit.errors and not visit.outside
    finally:
        visit.close()


@pytest.mark.parametrize(
    ("locale", "edition"), [("zh-TW", "zh-Hant"), ("zh-CN", "zh-Hans"), ("en-GB", "en"), ("fr-FR", None)]
)
def test_root_sends_the_reader_to_their_language(browser, server, site, locale, edition):
    visit = Visit(browser, server, locale=locale)
    try:
        page = visit.page
        page.goto(f"{server}/index.html")
        if edition:
            page.wait_for_url(f"{server}/{edition}/**")
        else:  # no edition in the reader's languages: the chooser stays
            page.wait_for_load_state("load")
            assert page.url == f"{server}/index.html"
            assert page.locator("#editions a").count() == len(LANGS)
        assert not visit.errors and not visit.outside
    finally:
        visit.close()


@pytest.mark.parametrize(("lang", "word"), [("zh-Hans", "方差"), ("zh-Hant", "變異數"), ("en", "variance")])
def test_search_page_finds_the_preface(browser, server, site, lang, word):
    visit = Visit(browser, server)
    try:
        page = visit.page
        page.goto(f"{server}/{lang}/search.html?q={word}")
        page.wait_for_selector("#search-results ul.search li a", timeout=20000)
        hrefs = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.getAttribute('href'))")
        assert any(h.startswith("preface.html") for h in hrefs), hrefs
        assert not visit.errors and not visit.outside
    finally:
        visit.close()
