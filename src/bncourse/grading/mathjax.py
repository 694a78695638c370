"""MathJax inside every feedback page, so its formulas render offline and the page asks nothing
of any server outside the course.

nbconvert's template loads MathJax 2 from a public CDN. The feedback exporter
(:class:`.compat.FeedbackExporter`) replaces that block with MathJax 3's self-contained SVG
component (``es5/tex-svg.js``: no font files to fetch), inlined, so one HTML file is the whole
feedback and can be returned through any LMS. The file comes from the same npm tarball the site
uses (:mod:`bncourse.vendor`), cached in the repository's ``_build/vendor/npm``; :func:`ensure` is
called once before grading. Without it (no npm, no network, no cache) the pages keep the TeX
source of their formulas and still load nothing from outside.
"""
from __future__ import annotations

import functools
import re
import tarfile
from pathlib import Path

from .. import vendor

SPEC = "mathjax@3.2.2"
MEMBER = "package/es5/tex-svg.js"
NPM_DIR = Path(__file__).resolve().parents[3] / "_build" / "vendor" / "npm"

# nbconvert's MathJax block (base/mathjax.html.j2): the CDN script and its MathJax 2 configuration.
_BLOCK = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
_CONFIG = ("window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], "
           "displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true}, "
           "svg: {fontCache: 'global'}};")


def ensure(npm_dir: Path = NPM_DIR) -> Path:
    """The MathJax tarball, downloaded with ``npm pack`` if it is not cached yet."""
    tarball = vendor.PACKAGES[SPEC][0]
    return vendor._fetch(npm_dir, SPEC, tarball)


@functools.lru_cache(maxsize=1)
def script(npm_dir: Path = NPM_DIR) -> str | None:
    """The text of ``tex-svg.js``, or None when the tarball is not cached."""
    tarball = npm_dir / vendor.PACKAGES[SPEC][0]
    if not tarball.exists():
        return None
    with tarfile.open(tarball) as tar:
        member = tar.extractfile(MEMBER)
        return None if member is None else member.read().decode("utf-8")


def inline(html: str, js: str | None) -> str:
    """``html`` with nbconvert's CDN MathJax block replaced by ``js`` inlined (or by nothing)."""
    if js is None:
        replacement = "<!-- MathJax was not available when this page was made: formulas show as TeX -->"
    else:
        safe = js.replace("</script", "<\\/script")
        replacement = f"<script>{_CONFIG}</script>\n<script>{safe}</script>"
    return _BLOCK.sub(lambda _: replacement, html, count=1)
