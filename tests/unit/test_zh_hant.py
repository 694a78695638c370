"""The Traditional edition reads as written in Taiwan; each Chinese edition uses one term per concept.

The zh-Hant text is generated (``bnbook.i18n.convert``): these tests read what the build writes,
every page as ``bncourse.editions.convert_page`` makes it (the files of ``_build/src/zh-Hant``)
and every figure and widget label as ``t(key, "zh-Hant")`` gives it, and fail on the patterns of
``bnbook/i18n/zh_hant/avoid.toml`` (OpenCC's mis-conversions and mainland-only words). They need
no built site.
"""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path

import pytest

from bnbook import i18n
from bnbook.i18n.convert import avoid_patterns, overrides, phrase_tables, phrases, to_traditional
from bncourse.editions import convert_page

ROOT = Path(__file__).resolve().parents[2]
HANS = ROOT / "book" / "zh-Hans"
PAGES = sorted(HANS.glob("*.md"))
CODE_CELL = re.compile(r"^(`{3,}|~{3,})\{code-cell\}.*?^\1\s*$", re.M | re.S)


def _prose(markdown: str) -> str:
    """A page without its code cells (code holds no Chinese; ``set_language`` differs by design)."""
    return CODE_CELL.sub("", markdown)


def _hits(text: str, where: str) -> list[str]:
    found = []
    for entry in avoid_patterns():
        for m in re.finditer(entry["pattern"], text):
            context = text[max(0, m.start() - 12): m.end() + 12].replace("\n", " ")
            found.append(f"{where}: {m.group(0)!r} in {context!r} (use {entry['use']}: {entry['why']})")
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_generated_page_reads_as_taiwan_text(page):
    hant = _prose(convert_page(page.read_text(encoding="utf-8")))
    found = _hits(hant, page.stem)
    assert not found, f"{len(found)} mainland or mis-converted words in the zh-Hant {page.name}:\n" + "\n".join(found)


def test_every_figure_and_widget_label_reads_as_taiwan_text():
    found = [hit for key in i18n.strings() for hit in _hits(i18n.t(key, "zh-Hant"), key)]
    assert not found, f"{len(found)} zh-Hant labels with mainland or mis-converted words:\n" + "\n".join(found)


def test_the_avoid_list_catches_the_known_mis_conversions():
    """The avoid list is what the tests above look for: it must flag what OpenCC alone writes."""
    import opencc

    s2twp = opencc.OpenCC("s2twp")
    for simplified in ["放在线性层之后", "最多只有一个", "损失函数", "全连接层", "“引号”", "均值和方差", "推理时",
                       "正态分布", "协方差矩阵", "这只说明了一点", "拟合并应用", "布尔掩码表达", "循环网络"]:
        assert _hits(s2twp.convert(simplified), simplified), f"avoid.toml does not catch s2twp({simplified!r})"
        assert not _hits(to_traditional(simplified), simplified), f"the conversion of {simplified!r}"


def test_quotation_marks_become_taiwan_ones_without_spaces():
    assert to_traditional("所谓“近亲”，即‘同类’") == "所謂「近親」，即『同類』"
    assert to_traditional("框架里的 “momentum” 意思") == "框架裡的「momentum」意思"
    assert to_traditional("“外层‘内层’外层”") == "「外層『內層』外層」"
    assert to_traditional("报错 “Expected more”。") == "出錯「Expected more」。"
    assert to_traditional("以为 LayerNorm “与批量无关”就") == "以為 LayerNorm「與批次無關」就"


# --- the glossary, inside longer phrases ---

# Phrases that override a glossary term on purpose: a function in code is 函式, not 函數.
DELIBERATE = phrase_tables()["code_functions"]

CONTEXTS = list(product(["", "在", "的", "只", "拟", "最多", "把", "这个", "和"], ["", "的", "中", "了", "层", "和", "时", "里"]))


@pytest.mark.parametrize("term", i18n.glossary(), ids=lambda e: e["en"])
def test_glossary_term_converts_to_its_entry_inside_longer_phrases(term):
    wrong = [f"{before}{term['zh-Hans']}{after} -> {to_traditional(before + term['zh-Hans'] + after)}"
             for before, after in CONTEXTS
             if term["zh-Hant"] not in to_traditional(before + term["zh-Hans"] + after)]
    assert not wrong, f"{term['en']}: " + "; ".join(wrong)


def test_no_override_hides_a_glossary_term_inside_it():
    """A longer override wins over a term inside it: it must then write the term's zh-Hant too.

    (平均值 holds the term 均值 and writes 平均值; a phrase holding 方差 must write 變異數.)
    """
    terms = {e["zh-Hans"]: e["zh-Hant"] for e in i18n.glossary()}
    wrong = [f"{longer!r} -> {written!r} hides {term!r} -> {terms[term]!r}"
             for longer, written in overrides() for term in terms
             if term != longer and term in longer and terms[term] not in written and longer not in DELIBERATE]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_every_glossary_term_of_a_page_is_in_its_zh_hant_text(page):
    """Counted on the real sentences: each zh-Hans occurrence of a term gives one of its zh-Hant form."""
    hans = _prose(page.read_text(encoding="utf-8"))
    hant = _prose(convert_page(page.read_text(encoding="utf-8")))
    for simplified, traditional in DELIBERATE.items():
        hans, hant = hans.replace(simplified, "\u2063"), hant.replace(traditional, "\u2063")
    short = [f"{e['zh-Hans']} x{hans.count(e['zh-Hans'])} -> {e['zh-Hant']} x{hant.count(e['zh-Hant'])}"
             for e in i18n.glossary() if hant.count(e["zh-Hant"]) < hans.count(e["zh-Hans"])]
    assert not short, f"{page.name}: glossary terms lost in conversion: " + "; ".join(short)


def test_phrases_and_glossary_do_not_disagree():
    terms = {e["zh-Hans"]: e["zh-Hant"] for e in i18n.glossary()}
    assert all(terms.get(k, v) == v for k, v in phrases().items())
    assert len(overrides()) == len(set(terms) | set(phrases()))


# --- zh-Hans: one term per concept ---

def _hans_texts():
    yield from ((p.stem, _prose(p.read_text(encoding="utf-8"))) for p in PAGES)
    yield from ((key, entry["zh-Hans"]) for key, entry in i18n.strings().items())


def test_zh_hans_uses_one_term_per_concept():
    """Each glossary term's ``avoid-zh-Hans`` words appear nowhere in zh-Hans prose or labels."""
    found = []
    for term in i18n.glossary():
        for pattern in term.get("avoid-zh-Hans", []):
            for where, text in _hans_texts():
                for m in re.finditer(pattern, text):
                    context = text[max(0, m.start() - 10): m.end() + 10].replace("\n", " ")
                    found.append(f"{where}: {m.group(0)!r} in {context!r}, the glossary says {term['zh-Hans']} ({term['en']})")
    assert not found, "\n".join(found)


def test_every_chapter_states_its_learning_goals_the_same_way():
    lead = "读完本章，你应该能够："
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        if "```{admonition} 学习目标" in text:
            goals = text.split("```{admonition} 学习目标", 1)[1]
            assert lead in goals.split("```", 1)[0], f"{page.name}: the learning goals start otherwise than {lead!r}"
