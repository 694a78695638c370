"""The words of figures and widgets in English, Simplified and Traditional Chinese.

``strings/*.toml`` hold every label in ``en`` and ``zh-Hans`` (one file per topic, so
chapters can add labels without touching each other's files); the Traditional text is
generated from the Simplified one with OpenCC (``s2twp``), the glossary's terms and the phrase
overrides of ``zh_hant/phrases.toml``, exactly as the book's zh-Hant edition is (see
:mod:`bnbook.i18n.convert`).

Usage::

    from bnbook.i18n import set_language, t
    set_language("zh-Hans")
    ax.set_xlabel(t("training_step"))

The language starts as ``$BNBOOK_LANG`` (set by the book build for each edition) or English.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib.resources import files

__all__ = ["LANGUAGES", "set_language", "get_language", "t", "strings", "glossary"]

LANGUAGES = ("en", "zh-Hans", "zh-Hant")

_language = os.environ.get("BNBOOK_LANG", "en")
if _language not in LANGUAGES:
    _language = "en"


def set_language(lang: str) -> None:
    """Use ``lang`` ("en", "zh-Hans" or "zh-Hant") for every later label; Chinese also sets a CJK font."""
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"lang: expected one of {LANGUAGES}, got {lang!r}.")
    _language = lang
    if lang != "en":
        from bnbook.fonts import use_cjk_font

        use_cjk_font()


def get_language() -> str:
    """The language labels are drawn in now."""
    return _language


def _load_folder(folder: str) -> list[tuple[str, dict]]:
    """``(file name, parsed TOML)`` for every ``*.toml`` in a folder of this package, sorted."""
    root = files(__package__) / folder
    out = []
    for item in sorted(root.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            with item.open("rb") as f:
                out.append((item.name, tomllib.load(f)))
    return out


@cache
def strings() -> dict[str, dict[str, str]]:
    """All labels: ``{key: {"en": ..., "zh-Hans": ...}}`` from ``strings/*.toml``."""
    table: dict[str, dict[str, str]] = {}
    for name, part in _load_folder("strings"):
        for key, entry in part.items():
            if key in table:
                raise ValueError(f"label {key!r} is defined twice (again in strings/{name})")
            if not {"en", "zh-Hans"} <= entry.keys():
                raise ValueError(f"label {key!r} in strings/{name} needs both 'en' and 'zh-Hans'")
            table[key] = entry
    return table


@cache
def glossary() -> list[dict[str, str]]:
    """The glossary from ``glossary/*.toml``: ``{"en", "zh-Hans", "zh-Hant", ...}`` entries, by English term."""
    terms = [term for _, part in _load_folder("glossary") for term in part.get("term", [])]
    return sorted(terms, key=lambda e: e["en"].lower())


@cache
def _translate(key: str, lang: str) -> str:
    table = strings()
    if key not in table:
        raise KeyError(f"no label {key!r} in bnbook/i18n/strings/*.toml; add it there in en and zh-Hans")
    entry = table[key]
    if lang == "zh-Hant":
        if "zh-Hant" in entry:
            return entry["zh-Hant"]
        from bnbook.i18n.convert import to_traditional

        return to_traditional(entry["zh-Hans"])
    return entry[lang]


def t(key: str, lang: str | None = None, **fields: object) -> str:
    """The label ``key`` in ``lang`` (default: the current language), formatted with ``fields``."""
    text = _translate(key, lang or _language)
    return text.format(**fields) if fields else text
