"""Fixtures of the site tests: the built site (``make book`` first) and a local server for it."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import sys

import pytest

# The site tests share helpers in sitehtml.py; pytest runs with --import-mode=importlib,
# which does not put test folders on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sitehtml import LANGS, SITE  # noqa: E402


@pytest.fixture(scope="session")
def site() -> Path:
    """``_build/html``, or a skip saying how to build it."""
    if not all((SITE / lang / "index.html").is_file() for lang in LANGS):
        pytest.skip("the site is not built: run `make book` (make test does it first)")
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture(scope="session")
def server(site: Path):
    """Serve ``_build/html`` on 127.0.0.1 (a free port); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
