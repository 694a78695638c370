"""Simplified to Traditional Chinese as written in Taiwan: OpenCC ``s2twp``, overrides, 「」 quotes.

``s2twp`` converts characters and Taiwan phrasing, but it gets some words wrong for a Taiwan
reader of a machine-learning text:

- technical terms come out in a form Taiwan's textbooks do not use (参数 becomes 引數,
  均值 stays 均值 where Taiwan writes 平均值, 推理 stays 推理 where Taiwan writes 推論);
- it segments across word boundaries (放在线性层 becomes 放線上性層, 最多只有 最多隻有);
- it keeps mainland quotation marks “…” where Taiwan writes 「…」.

So the conversion runs in three steps:

1. every glossary term (``glossary/*.toml``) and every phrase override
   (``zh_hant/phrases.toml``) is shielded by a placeholder, longest first, so OpenCC cannot
   touch it, and put back afterwards in its Traditional form;
2. OpenCC ``s2twp`` converts the rest;
3. punctuation: “…” becomes 「…」 and ‘…’ becomes 『…』, without the spaces that set the
   mainland quotes apart from the Chinese around them.

``zh_hant/avoid.toml`` lists what must never appear in the result (mis-conversions and
mainland-only words); ``tests/unit/test_zh_hant.py`` checks every generated page and label.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib.resources import files

from bnbook.i18n import glossary

__all__ = ["to_traditional", "overrides", "phrases", "phrase_tables", "avoid_patterns"]


@cache
def _converter():
    import opencc

    return opencc.OpenCC("s2twp")


def _load(name: str) -> dict:
    with (files("bnbook.i18n") / "zh_hant" / name).open("rb") as f:
        return tomllib.load(f)


@cache
def phrase_tables() -> dict[str, dict[str, str]]:
    """``zh_hant/phrases.toml`` as written: ``{table: {zh-Hans: zh-Hant}}``."""
    return _load("phrases.toml")


@cache
def phrases() -> dict[str, str]:
    """The phrase overrides of ``zh_hant/phrases.toml``: ``{zh-Hans: zh-Hant}`` (all tables merged)."""
    merged: dict[str, str] = {}
    for table, entries in phrase_tables().items():
        for simplified, traditional in entries.items():
            if simplified in merged:
                raise ValueError(f"zh_hant/phrases.toml: {simplified!r} is given twice (again in [{table}])")
            merged[simplified] = traditional
    return merged


@cache
def avoid_patterns() -> list[dict[str, str]]:
    """What the zh-Hant text must not contain: ``{"pattern" (a regex), "use", "why"}`` entries."""
    entries = _load("avoid.toml")["avoid"]
    for entry in entries:
        re.compile(entry["pattern"])  # a bad pattern fails here, naming nothing silently
    return entries


@cache
def overrides() -> list[tuple[str, str]]:
    """(Simplified, Traditional) pairs of the glossary and the phrases, longest first.

    Longest first, so a longer entry wins over one inside it: 批量归一化 over 批量, 平均值 over 均值.
    A phrase may not redefine a glossary term.
    """
    pairs = {e["zh-Hans"]: e["zh-Hant"] for e in glossary() if e.get("zh-Hans") and e.get("zh-Hant")}
    for simplified, traditional in phrases().items():
        if simplified in pairs and pairs[simplified] != traditional:
            raise ValueError(f"zh_hant/phrases.toml redefines the glossary term {simplified!r}")
        pairs[simplified] = traditional
    return sorted(pairs.items(), key=lambda p: (-len(p[0]), p[0]))


_OPEN = {"“": "「", "‘": "『"}
_CLOSE = {"”": "」", "’": "』"}
# No space between a word and 「, nor between 」 and Chinese: the mainland text sets “…” apart
# with spaces (框架里的 “momentum” 意思), 「…」 carries its own spacing. Markdown syntax before
# a quotation mark (a list bullet, a table bar) keeps its space.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3001-\u303f\uff01-\uff60"
_SPACE_BEFORE_OPEN = re.compile(r"(?<=\w) +(?=[「『])")  # a word (Chinese or Latin) then 「: LayerNorm「…」
_SPACE_AFTER_CLOSE = re.compile(f"(?<=[」』]) +(?=[{_CJK}])")


def _taiwan_punctuation(text: str) -> str:
    for mainland, taiwan in {**_OPEN, **_CLOSE}.items():
        text = text.replace(mainland, taiwan)
    text = _SPACE_BEFORE_OPEN.sub("", text)
    return _SPACE_AFTER_CLOSE.sub("", text)


def to_traditional(text: str) -> str:
    """Convert Simplified Chinese ``text`` to Traditional as written in Taiwan (see the module)."""
    shielded = text
    placeholders: list[tuple[str, str]] = []
    for i, (simplified, traditional) in enumerate(overrides()):
        if simplified in shielded:
            mark = f"\uE000{i}\uE001"  # private-use characters: OpenCC leaves them alone
            shielded = shielded.replace(simplified, mark)
            placeholders.append((mark, traditional))
    converted = _converter().convert(shielded)
    for mark, traditional in placeholders:
        converted = converted.replace(mark, traditional)
    return _taiwan_punctuation(converted)
