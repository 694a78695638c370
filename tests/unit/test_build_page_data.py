"""What a page's cached output depends on besides its code (bncourse.build.page_data)."""

from __future__ import annotations

from bncourse.build import DATA_PAGES, WIDGET_PLUMBING, page_data


def _page(tmp_path, name, code):
    page = tmp_path / f"{name}.md"
    page.write_text(f"# A page\n\n```{{code-cell}} ipython3\n{code}\n```\n", encoding="utf-8")
    return page


def test_a_widget_page_depends_on_its_widget_modules_and_the_plumbing(tmp_path):
    page = _page(tmp_path, "04_x", "from bnbook.widgets.gamma_beta import gamma_beta_explorer\n"
                                   "from bnbook.widgets import norm_family as NW, review")
    assert page_data(page) == [*WIDGET_PLUMBING, "src/bnbook/widgets/gamma_beta.py",
                               "src/bnbook/widgets/norm_family.py", "src/bnbook/widgets/review.py"]


def test_other_pages_depend_on_their_data_only(tmp_path):
    assert page_data(_page(tmp_path, "05_x", "from bnbook.functional import batch_norm_forward")) == []
    assert page_data(_page(tmp_path, "glossary", "print(1)")) == DATA_PAGES["glossary"]
