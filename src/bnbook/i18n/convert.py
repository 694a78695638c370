"""Simplified to Traditional Chinese: OpenCC ``s2twp``, then the glossary's overrides.

``s2twp`` converts characters and Taiwan phrasing, but some technical terms come out
in a form the course does not use (参数 becomes 引數 where Taiwan's textbooks write 參數).
The glossary (``glossary/*.toml``) gives the wanted Traditional form of each term; every
term is shielded by a placeholder before OpenCC runs and put back afterwards, so OpenCC
cannot touch it.
"""

from __future__ import annotations

from functools import cache

from bnbook.i18n import glossary

__all__ = ["to_traditional"]


@cache
def _converter():
    import opencc

    return opencc.OpenCC("s2twp")


@cache
def _overrides() -> list[tuple[str, str]]:
    """(Simplified, Traditional) pairs, longest first so 批量归一化 wins over 归一化."""
    pairs = {(e["zh-Hans"], e["zh-Hant"]) for e in glossary() if e.get("zh-Hans") and e.get("zh-Hant")}
    return sorted(pairs, key=lambda p: -len(p[0]))


def to_traditional(text: str) -> str:
    """Convert Simplified Chinese ``text`` to Traditional, with the glossary's terms."""
    shielded = text
    placeholders: list[tuple[str, str]] = []
    for i, (simplified, traditional) in enumerate(_overrides()):
        if simplified in shielded:
            mark = f"\uE000{i}\uE001"  # private-use characters: OpenCC leaves them alone
            shielded = shielded.replace(simplified, mark)
            placeholders.append((mark, traditional))
    converted = _converter().convert(shielded)
    for mark, traditional in placeholders:
        converted = converted.replace(mark, traditional)
    return converted
