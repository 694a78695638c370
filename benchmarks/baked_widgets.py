"""The baked widgets on the built site: how many views, how many bytes, how fast a view changes.

    .venv/bin/python benchmarks/baked_widgets.py [--lang en] [--baseline OLD_SITE]

Reads ``_build/html`` (``make book`` first). Per widget: the number of distinct views (images)
the build baked, their bytes, and the 95th percentile of the time from a control move to the
new view shown in headless Chromium (Debian's ``chromium``) from a local server, every control
moved through every value (the site test's driver). Per page: the bytes a first visit loads
for its widgets (the page's HTML, which embeds the widget state, plus each widget's default
image); with ``--baseline`` (the ``_build/html`` of an earlier build, e.g. before baking) also
the difference to that page there. Then each edition's size and the three together.
Targets: a view change p95 < 100 ms; first view < about 1 MB more than the baseline; the three
editions < about 150 MB.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "site"))

from baked import baked_widgets, drive  # noqa: E402

SITE = ROOT / "_build" / "html"
LANGS = ("en", "zh-Hans", "zh-Hant")
CHROMIUM = "/usr/bin/chromium"


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def serve(directory: Path) -> str:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else (values or [0.0])[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", action="append", choices=LANGS)
    parser.add_argument("--baseline", type=Path, help="an earlier build's _build/html, for first-view differences")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    url = serve(SITE)
    all_times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for lang in args.lang or LANGS:
            print(f"\n{lang}: {'page / widget':34s} {'views':>6s} {'MB':>6s} {'p95 ms':>7s}   first view")
            for html in sorted((SITE / lang).glob("*.html")):
                widgets = baked_widgets(html.read_text(encoding="utf-8"))
                if not widgets:
                    continue
                views = SITE / lang / "_static" / "views"
                first = html.stat().st_size + sum(
                    (views / Path(w.view([c.default for c in w.controls])["src"]).name).stat().st_size for w in widgets)
                change = ""
                if args.baseline and (args.baseline / lang / html.name).is_file():
                    change = f" ({(first - (args.baseline / lang / html.name).stat().st_size) / 1e6:+.2f} MB)"
                per_widget = drive(page, f"{url}/{lang}/{html.name}", widgets, f"{lang}/{html.name}")
                for i, (widget, times) in enumerate(zip(widgets, per_widget), 1):
                    all_times += times
                    images = widget.views()
                    size = sum((views / Path(src).name).stat().st_size for src in images)
                    note = f"{first / 1e6:.2f} MB{change}" if i == 1 else ""
                    print(f"    {html.stem[:28] + ' #' + str(i):34s} {len(images):6d} {size / 1e6:6.2f} "
                          f"{1000 * p95(times):7.1f}   {note}")
            print(f"  {lang} edition: {folder_bytes(SITE / lang) / 1e6:.1f} MB")
        browser.close()
    print(f"\nall view changes: {len(all_times)}, p95 {1000 * p95(all_times):.1f} ms (target < 100 ms)")
    print(f"three editions: {sum(folder_bytes(SITE / lang) for lang in LANGS) / 1e6:.1f} MB (target < 150 MB)")


if __name__ == "__main__":
    main()
