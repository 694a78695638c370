"""Every baked widget responds on the static site: in headless Chromium (Debian's ``chromium``),
served from a local folder with no network, every control of every widget on every page of
every edition is moved as a reader would (arrow keys on sliders, clicks on toggle buttons,
selections in dropdowns), and after each move the page must show the view the build computed
for that setting (its image, loaded, and its printed numbers), with no console error and no
request outside the site.
"""

from __future__ import annotations

import json

import pytest

from baked import MARK, baked_widgets, drive, wait_for_view
from sitehtml import LANGS, ROOT, pages
from test_browser import Visit, browser  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.site

#: The time of each view change, for benchmarks/static_widgets.py to summarize.
TIMINGS = ROOT / "_build" / "baked-widget-timings.json"


def _baked_pages(site, lang):
    out = []
    for page in pages(site / lang):
        widgets = baked_widgets(page.read_text(encoding="utf-8"))
        if widgets:
            out.append((page.relative_to(site / lang).as_posix(), widgets))
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_every_control_of_every_baked_widget_shows_the_built_view(browser, server, site, lang):  # noqa: F811
    found = _baked_pages(site, lang)
    assert len(found) >= 10, f"{lang}: expected the book's widget pages, found {[p for p, _ in found]}"
    assert sum(len(w) for _, w in found) >= 12, f"{lang}: expected at least 12 baked widgets"
    timings = json.loads(TIMINGS.read_text()) if TIMINGS.is_file() else {}
    visit = Visit(browser, server)
    try:
        for rel, widgets in found:
            label = f"{lang}/{rel}"
            timings[label] = drive(visit.page, f"{server}/{lang}/{rel}", widgets, label)
            assert not visit.errors, f"{label}: console errors: {visit.errors}"
            assert not visit.outside, f"{label}: requests outside the site: {visit.outside}"
    finally:
        visit.close()
    TIMINGS.write_text(json.dumps(timings))


@pytest.mark.parametrize("lang", LANGS)
def test_every_control_of_every_baked_widget_changes_some_view(site, lang):
    for rel, widgets in _baked_pages(site, lang):
        for w, widget in enumerate(widgets, 1):
            dead = [c + 1 for c, matters in enumerate(widget.controls_that_matter()) if not matters]
            assert not dead, f"{lang}/{rel}, widget {w}: control(s) {dead} never change the view"


def test_a_page_loads_only_the_default_view_of_each_widget(browser, server, site):  # noqa: F811
    """The other views' images are fetched only when shown (a Stack renders its selected child)."""
    rel, widgets = next((r, w) for r, w in _baked_pages(site, "en") if r.startswith("04_"))
    visit = Visit(browser, server)
    images = []
    visit.page.on("request", lambda r: "/_static/views/" in r.url and images.append(r.url))
    try:
        visit.page.goto(f"{server}/en/{rel}", wait_until="load")
        visit.page.wait_for_function(f"() => ({MARK})() >= {len(widgets)}", timeout=60000)
        for widget in widgets:
            wait_for_view(visit.page, widget, [c.default for c in widget.controls])
        assert len(images) == len(widgets), images
        assert sum(len(w.views()) for w in widgets) > 100 * len(widgets) / 2  # many more were built
    finally:
        visit.close()
