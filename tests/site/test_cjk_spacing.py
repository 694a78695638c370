"""The Chinese editions, read as built: no space between two Chinese characters.

A source line wrapped between two Chinese characters must not show as a space (Chinese has no
spaces between words); ``bncourse.sphinx_ext._join_cjk_lines`` removes such breaks. This reads
the prose of every built page (code, math and scripts left out).
"""

from __future__ import annotations

import pytest

from cjktext import stray_spaces
from sitehtml import pages

pytestmark = pytest.mark.site


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant"])
def test_no_whitespace_between_two_chinese_characters(site, lang):
    found = {
        page.relative_to(site / lang).as_posix(): spaces
        for page in pages(site / lang)
        if (spaces := stray_spaces(page))
    }
    count = sum(len(v) for v in found.values())
    report = "\n".join(f"{page}: {s!r}" for page, spaces in found.items() for s in spaces)
    assert not found, f"{lang}: {count} spaces between Chinese characters:\n{report}"


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant"])
def test_no_bold_marker_is_left_unrendered(site, lang):
    """CommonMark closes ``**`` after punctuation only before a space or punctuation (**代价**。)."""
    from cjktext import prose_runs

    left = [f"{page.name}: {run.strip()[:60]!r}" for page in pages(site / lang) for run in prose_runs(page) if "**" in run]
    assert not left, "\n".join(left)
