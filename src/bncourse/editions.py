"""The three language editions of the site, and how zh-Hant is generated from zh-Hans.

``book/en`` and ``book/zh-Hans`` are written by hand; ``zh-Hant`` is made at build time into
``_build/src/zh-Hant`` by converting the *prose* of every zh-Hans page with
:func:`bnbook.i18n.convert.to_traditional` (OpenCC ``s2twp``, the glossary's terms and the
phrase overrides, then 「」 quotation marks). Code cells are copied unchanged, except the page's
first cell, where ``set_language("zh-Hans")`` becomes ``set_language("zh-Hant")``. A file is only rewritten when its content changes, so the execution
cache and Sphinx's environment keep every unchanged page.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Edition", "EDITIONS", "ASSIGNMENTS", "convert_page", "generate_zh_hant"]

ASSIGNMENTS = ("feature-scaling", "bn-forward", "bn-backward", "bn-inference", "norm-variants")


@dataclass(frozen=True)
class Edition:
    lang: str  # the course's language code, the folder name under _build/html
    label: str  # how the switcher names it, in its own language
    sphinx_language: str  # Sphinx's `language`: UI strings and the search index (zh -> jieba)
    html_lang: str  # what the browser is told (the <html lang> of the root chooser)
    search_bar_text: str
    source: str  # the folder the pages come from, relative to the repository root
    path_to_book: str  # where the launch/download buttons find the page in the repository
    title: str  # the site title in this language


EDITIONS = {
    "en": Edition("en", "English", "en", "en", "Search this course...", "book/en", "book/en", "Batch Normalization"),
    "zh-Hans": Edition(
        "zh-Hans", "简体中文", "zh_CN", "zh-Hans", "搜索本课程……", "book/zh-Hans", "book/zh-Hans", "批量归一化"
    ),
    # Generated from zh-Hans: its pages exist in the repository only as their zh-Hans source,
    # so the launch buttons open that one (the notebook sets its language in the first cell).
    "zh-Hant": Edition(
        "zh-Hant", "繁體中文", "zh_TW", "zh-Hant", "搜尋本課程……", "_build/src/zh-Hant", "book/zh-Hans", "批次正規化"
    ),
}

_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\{code-cell\}")
_SET_LANG = 'set_language("zh-Hans")'


def convert_page(text: str) -> str:
    """A zh-Hans MyST notebook page in Traditional Chinese: prose converted, code cells kept.

    The YAML front matter and every ``{code-cell}`` block are copied verbatim (code holds no
    Chinese; labels come from ``bnbook.i18n``); only the first code cell's
    ``set_language("zh-Hans")`` becomes ``set_language("zh-Hant")``.
    """
    from bnbook.i18n.convert import to_traditional

    lines = text.splitlines(keepends=True)
    out: list[str] = []
    prose: list[str] = []
    i = 0

    def flush() -> None:
        if prose:
            out.append(to_traditional("".join(prose)))
            prose.clear()

    # Front matter (jupytext header): verbatim.
    if lines and lines[0].strip() == "---":
        end = next((k for k in range(1, len(lines)) if lines[k].strip() == "---"), None)
        if end is not None:
            out.extend(lines[: end + 1])
            i = end + 1

    first_cell = True
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            prose.append(lines[i])
            i += 1
            continue
        flush()
        fence = m.group("fence")
        closing = re.compile("^" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
        cell = [lines[i]]
        i += 1
        while i < len(lines):
            cell.append(lines[i])
            i += 1
            if closing.match(cell[-1]):
                break
        block = "".join(cell)
        if first_cell:
            block = block.replace(_SET_LANG, 'set_language("zh-Hant")')
            first_cell = False
        out.append(block)
    flush()
    return "".join(out)


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def generate_zh_hant(root: Path) -> list[str]:
    """Write ``_build/src/zh-Hant`` from ``book/zh-Hans``; return the files that changed.

    ``.md`` pages and ``_toc.yml`` are converted (the toc's titles, if any); other files
    (images, data) are copied. Files that no longer exist in zh-Hans are removed.
    """
    from bnbook.i18n.convert import to_traditional

    src = root / EDITIONS["zh-Hans"].source
    dst = root / EDITIONS["zh-Hant"].source
    changed: list[str] = []
    wanted: set[Path] = set()
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.is_dir() or any(part.startswith((".", "_build")) for part in rel.parts):
            continue
        wanted.add(rel)
        if path.suffix == ".md":
            data = convert_page(path.read_text(encoding="utf-8")).encode("utf-8")
        elif path.name == "_toc.yml":
            data = to_traditional(path.read_text(encoding="utf-8")).encode("utf-8")
        else:
            data = path.read_bytes()
        if _write_if_changed(dst / rel, data):
            changed.append(rel.as_posix())
    if dst.is_dir():
        for path in sorted(dst.rglob("*"), reverse=True):
            rel = path.relative_to(dst)
            if path.is_file() and rel not in wanted:
                path.unlink()
                changed.append(rel.as_posix())
            elif path.is_dir() and not any(path.iterdir()):
                shutil.rmtree(path)
    return changed
