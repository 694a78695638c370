"""The words of figures and widgets in English, Simplified and Traditional Chinese.

``strings.toml`` holds every label in ``en`` and ``zh-Hans``; the Traditional text is
generated from the Simplified one with OpenCC (``s2twp``) and then the glossary's
overrides, exactly as the book's zh-Hant edition is (see :mod:`bnbook.i18n.convert`).

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


@cache
def strings() -> dict[str, dict[str, str]]:
    """All labels: ``{key: {"en": ..., "zh-Hans": ...}}``."""
    with (files(__package__) / "strings.toml").open("rb") as f:
        return tomllib.load(f)


@cache
def glossary() -> list[dict[str, str]]:
    """The glossary: a list of ``{"en", "zh-Hans", "zh-Hant", ...}`` entries."""
    with (files(__package__) / "glossary.toml").open("rb") as f:
        return tomllib.load(f)["term"]


@cache
def _translate(key: str, lang: str) -> str:
    table = strings()
    if key not in table:
        raise KeyError(f"no label {key!r} in bnbook/i18n/strings.toml; add it there in en and zh-Hans")
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
