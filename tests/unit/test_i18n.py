"""Labels, glossary and the Simplified -> Traditional converter of bnbook.i18n."""

from __future__ import annotations

import pytest

from bnbook import i18n
from bnbook.i18n.convert import to_traditional


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    i18n.set_language("en")


@pytest.mark.parametrize("term", i18n.glossary(), ids=lambda term: term["en"])
def test_glossary_term_converts_to_its_traditional_entry(term):
    assert to_traditional(term["zh-Hans"]) == term["zh-Hant"]


def test_glossary_terms_are_unique():
    english = [term["en"].lower() for term in i18n.glossary()]
    simplified = [term["zh-Hans"] for term in i18n.glossary()]
    assert len(set(english)) == len(english), "an English term is defined twice"
    assert len(set(simplified)) == len(simplified), "a Simplified term is defined twice"


def test_converter_keeps_glossary_terms_inside_sentences():
    # OpenCC's s2twp alone turns 参数 into 引數 and 方差 into 方差/變異數 depending on context.
    assert to_traditional("每个参数的方差都要归一化") == "每個參數的變異數都要正規化"


def test_every_label_has_english_and_simplified():
    for key, entry in i18n.strings().items():
        assert entry["en"].strip() and entry["zh-Hans"].strip(), key


def test_t_follows_the_language():
    i18n.set_language("en")
    assert i18n.t("loss") == "loss"
    i18n.set_language("zh-Hans")
    assert i18n.t("loss") == "损失"
    i18n.set_language("zh-Hant")
    assert i18n.t("loss") == "損失"


def test_unknown_language_and_key_are_clear_errors():
    with pytest.raises(ValueError, match="lang: expected one of"):
        i18n.set_language("fr")
    with pytest.raises(KeyError, match="no_such_label"):
        i18n.t("no_such_label")


def test_chinese_figure_text_draws_without_missing_glyphs(tmp_path):
    """A fresh machine has no CJK system font: the one from mplfonts must carry every glyph."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    i18n.set_language("zh-Hans")
    fig, ax = plt.subplots()
    ax.set_xlabel(i18n.t("training_step"))
    ax.set_title("批量归一化：均值与方差")
    ax.plot([-1, 1], [-1, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" is a UserWarning
        fig.savefig(tmp_path / "zh.png")
    plt.close(fig)
