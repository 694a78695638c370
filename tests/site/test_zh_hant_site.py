"""The built zh-Hant edition, read as a Taiwan reader reads it: prose and widget text.

``tests/unit/test_zh_hant.py`` checks the generated Markdown and the labels; this reads the
built pages (theme strings, glued values and the widgets' state included) for the same
patterns of ``bnbook/i18n/zh_hant/avoid.toml``.
"""

from __future__ import annotations

import json
import re

import pytest

from cjktext import CJK, prose_runs
from sitehtml import pages

pytestmark = pytest.mark.site

WIDGET_STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)
HAS_CJK = re.compile(f"[{CJK}]")


def _widget_strings(html: str) -> list[str]:
    """Every Chinese string in the page's embedded widget state (descriptions, options, labels)."""
    found = []

    def walk(value):
        if isinstance(value, str):
            if HAS_CJK.search(value):
                found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for block in WIDGET_STATE.findall(html):
        walk(json.loads(block))
    return found


def test_zh_hant_pages_and_widgets_read_as_taiwan_text(site):
    from bnbook.i18n import glossary
    from bnbook.i18n.convert import avoid_patterns

    simplified_terms = {term["zh-Hans"] for term in glossary()}  # the glossary page's zh-Hans column
    found = []
    for page in pages(site / "zh-Hant"):
        name = page.relative_to(site / "zh-Hant").as_posix()
        texts = [run for run in prose_runs(page) if run.strip() not in simplified_terms]
        texts += _widget_strings(page.read_text(encoding="utf-8"))
        for text in texts:
            for entry in avoid_patterns():
                for m in re.finditer(entry["pattern"], text):
                    context = text[max(0, m.start() - 12): m.end() + 12].replace("\n", " ")
                    found.append(f"{name}: {m.group(0)!r} in {context!r} (use {entry['use']})")
    assert not found, f"{len(found)} mainland or mis-converted words in the built zh-Hant site:\n" + "\n".join(found)
