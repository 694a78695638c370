"""The course's Sphinx extension (loaded from ``_config.yml``: ``sphinx.extra_extensions``).

- A **language switcher** on every page: links to the same page in the other editions, relative
  (``../<lang>/<page>.html``, one more ``../`` per folder level), so it works from any folder and
  from a plain file server.
- The ``{exercise}`` role: ``{exercise}`bn-forward``` renders links to the student notebook
  ``exercises/<a>/<a>.ipynb`` on the repository and a Binder launch for it (the repository the build
  found, see :mod:`bncourse.repository`; without one, the notebook's path). An unknown name is
  an error naming the page and line, and fails the build.
- The baked widgets' images are published with each edition (:mod:`bncourse.baked_views`), and
  the widget state a page embeds holds only what its widgets need (:mod:`bncourse.widget_state`).
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

from bncourse.baked_views import publish_views
from bncourse.editions import ASSIGNMENTS, EDITIONS
from bncourse.repository import Repository, from_config
from bncourse.widget_state import compact_page_state

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")  # bncourse.css, bncourse.js, favicon.svg

__all__ = ["setup", "exercise_urls", "switcher_links"]


def exercise_urls(assignment: str, repository: Repository | None) -> dict[str, str]:
    """The path of an assignment's student notebook and, with a repository, its page and Binder launch."""
    notebook = f"exercises/{assignment}/{assignment}.ipynb"
    if repository is None:
        return {"path": notebook}
    return {"path": notebook, "notebook": repository.file_url(notebook), "binder": repository.binder_url(notebook)}


def switcher_links(pagename: str, current: str) -> list[tuple[str, str, str | None]]:
    """``(lang, label, relative href or None for the current edition)`` for every edition."""
    depth = pagename.count("/")
    up = "../" * (depth + 1)
    return [
        (lang, e.label, None if lang == current else posixpath.join(up + lang, pagename + ".html"))
        for lang, e in EDITIONS.items()
    ]


class ExerciseRole(SphinxRole):
    def run(self):
        from bnbook.i18n import t

        name = self.text.strip()
        lang = self.config.bncourse_edition
        if name not in ASSIGNMENTS:
            logger.error(
                "unknown assignment %r in {exercise}; expected one of %s",
                name,
                ", ".join(ASSIGNMENTS),
                location=self.get_location(),
                type="bncourse",
                subtype="exercise",
            )
            self.env.bncourse_unknown_exercises = getattr(self.env, "bncourse_unknown_exercises", set())
            self.env.bncourse_unknown_exercises.add((self.env.docname, name))
            return [nodes.problematic(self.rawtext, self.rawtext)], []
        options = self.config.html_theme_options or {}
        urls = exercise_urls(name, from_config(options.get("repository_url"), options.get("repository_branch")))
        box = nodes.inline(classes=["bn-exercise"])
        box += nodes.literal(name, name, classes=["bn-exercise-name"])
        box += nodes.Text(" ")
        if "notebook" not in urls:  # no repository known to the build: where the notebook is
            box += nodes.literal(urls["path"], urls["path"], classes=["bn-exercise-path"])
            return [box], []
        box += nodes.reference("", t("site_exercise_notebook", lang=lang), refuri=urls["notebook"], classes=["bn-exercise-notebook"])
        box += nodes.Text(" · ")
        box += nodes.reference("", t("site_exercise_binder", lang=lang), refuri=urls["binder"], classes=["bn-exercise-binder"])
        return [box], []


def _add_switcher(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Hand the switcher's links to its template (``templates/bn-lang-switcher.html``)."""
    context["bn_switcher"] = switcher_links(pagename, app.config.bncourse_edition)


def _use_templates(app: Sphinx, config) -> None:
    """Put the switcher in the article header of every page, generated ones (search, index) too."""
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    options = dict(config.html_theme_options or {})
    options.setdefault("article_header_end", ["bn-lang-switcher.html", "article-header-buttons.html"])
    config.html_theme_options = options


def _drop_thebe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Remove sphinx-thebe's scripts: Jupyter Book loads the extension, the course does not use it.

    (Its inline script points at thebe on unpkg and sphinx-thebe 0.3.1 predates ipywidgets 8;
    Binder is the live path. With Sphinx 7.4 the inline script is also added twice, a console
    error on every page.)
    """
    def keep(script) -> bool:
        name = str(getattr(script, "filename", script) or "")
        body = str(getattr(script, "attributes", {}).get("body", ""))
        return "sphinx-thebe" not in name and "THEBE_JS_URL" not in body and "unpkg.com/thebe" not in name

    if "script_files" in context:
        context["script_files"] = [js for js in context["script_files"] if keep(js)]
    if "css_files" in context:
        context["css_files"] = [c for c in context["css_files"] if "sphinx-thebe" not in str(getattr(c, "filename", c))]


# A line break between two CJK characters is not a space in Chinese; HTML would render it as one.
_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])[ \t]*\n[ \t]*(?=[{_CJK}])")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_VERBATIM = (nodes.literal_block, nodes.literal, nodes.math, nodes.math_block, nodes.raw, nodes.comment)


def _join_cjk_lines(app: Sphinx, doctree) -> None:
    """In the Chinese editions, drop the line breaks of wrapped source lines between CJK characters.

    A break may sit inside a text node, make up a text node of its own (MyST's soft breaks), or
    start or end a text node next to inline markup (``*强调*``, a link): so each text node is
    looked at together with the last character before it and the first character after it.

    A ``nodes.Text`` is a ``str``: ``parent.index``, ``parent.replace`` and ``parent.remove``
    compare by value, so with several ``"\n"`` nodes in one paragraph they would all find the
    first one. Nodes are therefore found by identity (:func:`_child_index`).
    """
    if not str(app.config.language or "").startswith("zh"):
        return
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if parent is None or isinstance(parent, _VERBATIM) or "\n" not in text:
            continue
        index = _child_index(parent, text)
        if index is None:
            continue
        before = parent[index - 1].astext()[-1:] if index > 0 else ""
        after = parent[index + 1].astext()[:1] if index + 1 < len(parent) else ""
        before, after = (c if _CJK_CHAR.match(c) else "" for c in (before, after))  # CJK: never removed
        value = str(text)
        joined = _CJK_BREAK.sub("", before + value + after)
        joined = joined[len(before): len(joined) - len(after)]
        if joined != value:
            if joined:
                parent[index] = nodes.Text(joined)
            else:
                del parent[index]


def _child_index(parent, child) -> int | None:
    """The position of ``child`` among ``parent``'s children, by identity (not by value)."""
    return next((i for i, node in enumerate(parent.children) if node is child), None)


def _check_unknown(app: Sphinx, exception) -> None:
    unknown = sorted(getattr(app.env, "bncourse_unknown_exercises", set()))
    if unknown and exception is None:
        app.statuscode = 1
        pages = ", ".join(f"{doc} ({name})" for doc, name in unknown)
        logger.error("the build failed: unknown {exercise} names on: %s", pages)


def _purge(app: Sphinx, env, docname: str) -> None:
    unknown = getattr(env, "bncourse_unknown_exercises", set())
    env.bncourse_unknown_exercises = {u for u in unknown if u[0] != docname}


def setup(app: Sphinx) -> dict:
    app.add_config_value("bncourse_edition", "en", "env")
    app.add_role("exercise", ExerciseRole())
    app.connect("config-inited", _use_templates)
    app.connect("html-page-context", _add_switcher)
    app.connect("html-page-context", _drop_thebe)
    app.connect("html-page-context", compact_page_state, priority=900)  # after myst-nb adds the state
    app.connect("env-purge-doc", _purge)
    app.connect("doctree-read", _join_cjk_lines)
    app.connect("build-finished", _check_unknown)
    app.connect("build-finished", publish_views)
    # Chapter 4's title holds math and shows in the sidebar of every page, including genindex and
    # search, which have no formula of their own: load MathJax on every page, not only on those.
    app.set_html_assets_policy("always")
    app.add_css_file("bncourse.css")
    app.add_js_file("bncourse.js", priority=200)  # before require.js and the widget manager
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 3}
