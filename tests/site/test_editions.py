"""Generating zh-Hant: glossary terms, prose converted, code kept (no built site needed)."""

from __future__ import annotations

import pytest

from bnbook.i18n import glossary
from bnbook.i18n.convert import to_traditional
from bncourse.editions import convert_page
from bncourse.repository import Repository
from bncourse.sphinx_ext import exercise_urls, switcher_links


@pytest.mark.parametrize("term", glossary(), ids=lambda e: e["en"])
def test_each_glossary_term_converts_to_its_traditional_entry(term):
    assert to_traditional(term["zh-Hans"]) == term["zh-Hant"]


def test_terms_inside_sentences_follow_the_glossary():
    assert to_traditional("这个参数的方差") == "這個參數的變異數"
    assert "引數" not in to_traditional("学习率是一个超参数")


PAGE = '''---
kernelspec:
  name: python3
---

```{code-cell} ipython3
:tags: [remove-cell]
from bnbook.i18n import set_language
set_language("zh-Hans")
```

# 批量归一化的参数

````{code-cell} ipython3
text = "set_language(\\"zh-Hans\\")"  # 参数 in a comment stays
```python
nested fence
```
````

正文里的参数和方差。
'''


def test_convert_page_converts_prose_and_keeps_code():
    out = convert_page(PAGE)
    assert "# 批次正規化的參數" in out
    assert "正文裡的參數和變異數。" in out
    assert 'set_language("zh-Hant")' in out
    # later code cells are byte for byte the same, nested fences included
    start = PAGE.index("````{code-cell}")
    end = PAGE.index("````\n", start + 4) + 5
    assert PAGE[start:end] in out
    assert out.startswith("---\nkernelspec:\n  name: python3\n---\n")


def test_switcher_links_are_relative_to_the_page_folder():
    links = dict((lang, href) for lang, _, href in switcher_links("preface", "en"))
    assert links == {"en": None, "zh-Hans": "../zh-Hans/preface.html", "zh-Hant": "../zh-Hant/preface.html"}
    deep = dict((lang, href) for lang, _, href in switcher_links("part/page", "zh-Hant"))
    assert deep["en"] == "../../en/part/page.html" and deep["zh-Hant"] is None


def test_exercise_urls():
    repo = Repository("https://github.com/Ada/bn-course", "main", "test")
    urls = exercise_urls("bn-forward", repo)
    assert urls["notebook"] == "https://github.com/Ada/bn-course/blob/main/exercises/bn-forward/bn-forward.ipynb"
    assert urls["binder"] == (
        "https://mybinder.org/v2/gh/Ada/bn-course/main?labpath=exercises/bn-forward/bn-forward.ipynb"
    )
    assert exercise_urls("bn-forward", None) == {"path": "exercises/bn-forward/bn-forward.ipynb"}


def test_chinese_line_breaks_are_joined_but_not_english_ones():
    from docutils import nodes
    from types import SimpleNamespace

    from bncourse.sphinx_ext import _join_cjk_lines

    para = nodes.paragraph()
    para += [nodes.Text("第一行，"), nodes.Text("\n"), nodes.Text("第二行 and\nEnglish\n中文\n继续"),
             nodes.literal("代码\n代码", "代码\n代码"), nodes.Text("之后*"), nodes.emphasis("故意", "故意"),
             nodes.Text("\n让分布，"), nodes.strong("强调", "强调"), nodes.Text("\n"), nodes.Text("x\n结束")]
    doc = nodes.document(None, None)
    doc += para
    _join_cjk_lines(SimpleNamespace(config=SimpleNamespace(language="zh_CN")), doc)
    assert para.astext() == "第一行，第二行 and\nEnglish\n中文继续代码\n代码之后*故意让分布，强调\nx\n结束"
    english = nodes.paragraph()
    english += nodes.Text("中文\n中文")
    doc2 = nodes.document(None, None)
    doc2 += english
    _join_cjk_lines(SimpleNamespace(config=SimpleNamespace(language="en")), doc2)
    assert english.astext() == "中文\n中文"


def test_every_soft_break_between_chinese_is_joined_not_only_the_first():
    """MyST gives each soft break its own ``Text("\\n")``; equal by value, each must be looked at.

    ``parent.index(text)`` compares by value, so every later ``"\\n"`` node resolved to the first
    one: once a paragraph had a break that stays (between English words), none after it was
    joined (chapter 7 showed 27 such spaces).
    """
    from docutils import nodes
    from types import SimpleNamespace

    from bncourse.sphinx_ext import _join_cjk_lines

    para = nodes.paragraph()
    para += [nodes.Text("BN"), nodes.Text("\n"), nodes.Text("layer 之后"), nodes.Text("\n"),
             nodes.emphasis("强调", "强调"), nodes.Text("\n"), nodes.Text("第二行"), nodes.Text("\n"),
             nodes.strong("加粗", "加粗"), nodes.Text("之后\n"), nodes.reference("", "链接"), nodes.Text("\n"),
             nodes.Text("English"), nodes.Text("\n"), nodes.Text("结束")]
    doc = nodes.document(None, None)
    doc += para
    _join_cjk_lines(SimpleNamespace(config=SimpleNamespace(language="zh_TW")), doc)
    assert para.astext() == "BN\nlayer 之后强调第二行加粗之后链接\nEnglish\n结束"
    kinds = [type(n).__name__ for n in para.children]
    assert kinds.count("emphasis") == kinds.count("strong") == kinds.count("reference") == 1
