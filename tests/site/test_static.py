"""The built site, read as files: editions, parity, switcher, links, zero external fetches, search."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from sitehtml import ABSOLUTE, LANGS, ROOT, css_urls, pages, parse, redirect_target

pytestmark = pytest.mark.site

CODE_CELL = re.compile(r"^(`{3,}|~{3,})\{code-cell\}", re.M)


def _sources(lang: str) -> dict[str, Path]:
    folder = ROOT / ("_build/src/zh-Hant" if lang == "zh-Hant" else f"book/{lang}")
    return {p.relative_to(folder).with_suffix("").as_posix(): p for p in folder.rglob("*.md")}


def test_every_edition_has_the_same_pages(site):
    names = {lang: {p.relative_to(site / lang).as_posix() for p in pages(site / lang)} for lang in LANGS}
    assert names["en"], "the en edition has no pages"
    assert names["en"] == names["zh-Hans"] == names["zh-Hant"]
    for lang in LANGS:
        for page in _sources(lang):
            assert (site / lang / f"{page}.html").is_file(), f"{lang}: {page}.md was not built"


def test_edition_index_redirects_to_the_root_page(site):
    for lang in LANGS:
        target = redirect_target(site / lang / "index.html")
        assert target == "preface.html" and (site / lang / target).is_file(), f"{lang}/index.html -> {target}"


def test_pages_have_the_same_code_cells_in_every_edition(site):
    en = _sources("en")
    for lang in ("zh-Hans", "zh-Hant"):
        assert set(_sources(lang)) == set(en), f"{lang} does not have the same page files as en"
    for page, path in en.items():
        counts = {lang: len(CODE_CELL.findall(_sources(lang)[page].read_text(encoding="utf-8"))) for lang in LANGS}
        assert len(set(counts.values())) == 1, f"{page}: code cells per edition differ: {counts}"
        built = {lang: parse(site / lang / f"{page}.html").code_cells for lang in LANGS}
        assert len(set(built.values())) == 1, f"{page}: rendered code cells differ: {built}"


def test_zh_hant_code_is_the_zh_hans_code():
    hans, hant = _sources("zh-Hans"), _sources("zh-Hant")
    cell = re.compile(r"^(`{3,})\{code-cell\}.*?^\1\s*$", re.M | re.S)
    for page in hans:
        a_cells = [m.group(0) for m in cell.finditer(hans[page].read_text(encoding="utf-8"))]
        b_cells = [m.group(0) for m in cell.finditer(hant[page].read_text(encoding="utf-8"))]
        assert len(a_cells) == len(b_cells), f"{page}: zh-Hant has {len(b_cells)} code cells, zh-Hans {len(a_cells)}"
        if not a_cells:  # a page of prose only
            continue
        if 'set_language("zh-Hans")' in a_cells[0]:
            assert b_cells[0] == a_cells[0].replace('set_language("zh-Hans")', 'set_language("zh-Hant")'), page
        else:
            assert b_cells[0] == a_cells[0], page
        assert b_cells[1:] == a_cells[1:], f"{page}: the generated zh-Hant changed a code cell"


def test_switcher_on_every_page_points_at_existing_pages(site):
    for lang in LANGS:
        for page in pages(site / lang):
            switcher = parse(page).switcher
            rel = page.relative_to(site / lang).as_posix()
            assert set(switcher) == set(LANGS), f"{lang}/{rel}: switcher lists {sorted(switcher)}"
            assert switcher[lang] is None, f"{lang}/{rel}: the current edition should not be a link"
            for other in set(LANGS) - {lang}:
                target = (page.parent / switcher[other]).resolve()
                assert target == (site / other / rel).resolve(), f"{lang}/{rel} -> {switcher[other]}"
                assert target.is_file(), f"{lang}/{rel}: switcher target {switcher[other]} is missing"


def test_no_broken_internal_link_or_anchor(site):
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = parse(path).ids
        return ids[path]

    broken = []
    for lang in LANGS:
        for page in pages(site / lang):
            for href in parse(page).links:
                parts = urlsplit(href)
                if parts.scheme or href.startswith("//") or href.startswith(("mailto:", "javascript:")):
                    continue
                target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
                if target.is_dir():
                    target = target / "index.html"
                if not target.is_file():
                    broken.append(f"{page.relative_to(site)}: {href} (no file)")
                elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in ids_of(target):
                    broken.append(f"{page.relative_to(site)}: {href} (no anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_nothing_is_fetched_from_outside_the_site(site):
    outside = []
    for page in [site / "index.html", *(p for lang in LANGS for p in pages(site / lang))]:
        parsed = parse(page)
        urls = parsed.fetched + [u for style in parsed.inline_styles for u in css_urls(style)]
        outside += [f"{page.relative_to(site)}: {u}" for u in urls if ABSOLUTE.match(u)]
    for css in site.rglob("*.css"):
        urls = css_urls(css.read_text(encoding="utf-8", errors="replace"))
        outside += [f"{css.relative_to(site)}: {u}" for u in urls if ABSOLUTE.match(u)]
    assert not outside, "resources fetched from outside the site:\n" + "\n".join(outside)


def test_vendored_scripts_are_local_and_present(site):
    for lang in LANGS:
        text = (site / lang / "preface.html").read_text(encoding="utf-8")
        for script in ("_static/vendor/mathjax/tex-mml-chtml.js",):
            assert script in text, f"{lang}: MathJax is not loaded from {script}"
            assert (site / lang / script).is_file()
        assert (site / lang / "_static/vendor/html-manager/dist/embed-amd.js").is_file()
        assert (site / lang / "_static/vendor/requirejs/require.js").is_file()


def test_each_edition_speaks_its_language(site):
    expected = {"en": "en", "zh-Hans": "zh-CN", "zh-Hant": "zh-TW"}
    for lang in LANGS:
        parsed = parse(site / lang / "preface.html")
        assert parsed.html_lang == expected[lang], f"{lang}: <html lang={parsed.html_lang!r}>"
    assert "搜索本课程" in (site / "zh-Hans/preface.html").read_text(encoding="utf-8")
    assert "搜尋本課程" in (site / "zh-Hant/preface.html").read_text(encoding="utf-8")


def _search_index(site: Path, lang: str) -> dict:
    text = (site / lang / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


@pytest.mark.parametrize(("lang", "word"), [("zh-Hans", "归一化"), ("zh-Hant", "正規化"), ("zh-Hans", "方差"), ("zh-Hant", "變異數")])
def test_chinese_search_finds_a_page_by_a_chinese_word(site, lang, word):
    index = _search_index(site, lang)
    terms = index["terms"]
    assert word in terms, f"{lang}: {word!r} is not in the search index (is jieba installed?)"
    hits = terms[word] if isinstance(terms[word], list) else [terms[word]]
    assert "preface" in {index["docnames"][i] for i in hits}


def test_zh_hant_uses_the_glossary_terms(site):
    text = (site / "zh-Hant/preface.html").read_text(encoding="utf-8")
    assert "參數" in text and "引數" not in text
    assert "批次正規化" in text
    assert not re.search("[参数归这变]", text), "Simplified characters left in zh-Hant"


def test_root_index_offers_every_edition(site):
    text = (site / "index.html").read_text(encoding="utf-8")
    for lang in LANGS:
        match = re.search(rf'href="({re.escape(lang)}/[^"]+)"', text)
        assert match, f"index.html has no link to {lang}"
        assert (site / match.group(1)).is_file()
    assert "navigator.languages" in text


def test_glossary_page_lists_every_term_in_three_scripts(site):
    from bnbook.i18n import glossary

    for lang in LANGS:
        text = (site / lang / "glossary.html").read_text(encoding="utf-8")
        assert "<table" in text, f"{lang}: the glossary is not rendered as a table"
        for term in glossary():
            row = f"<td><p>{term['en']}</p></td>\n<td><p>{term['zh-Hans']}</p></td>\n<td><p>{term['zh-Hant']}</p></td>"
            assert row in text, f"{lang}: glossary row for {term['en']!r} missing"
