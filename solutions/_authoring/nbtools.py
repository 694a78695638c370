"""Tiny helpers that write an nbgrader source notebook (the committed .ipynb is the source of truth;
these scripts only make it reproducible). Not an assignment: nbgrader only looks at the folders it is
asked to release."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import nbformat

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: int | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


_CJK = re.compile(r"[\u3400-\u9fff]")


def with_traditional(text: str) -> str:
    """``text`` (English, then Simplified Chinese) with a folded Traditional Chinese section at the end:
    every paragraph holding Chinese, converted with the book's own conversion (OpenCC ``s2twp`` and
    the glossary's terms); a heading keeps only its Chinese half, in bold."""
    from bnbook.i18n.convert import to_traditional

    converted = []
    for paragraph in text.split("\n\n"):
        if not _CJK.search(paragraph):
            continue
        if paragraph.startswith("#"):
            chinese = paragraph.lstrip("#").split(" / ")[-1].strip()
            converted.append(f"**{to_traditional(chinese)}**")
        else:
            converted.append(to_traditional(paragraph))
    if not converted:
        return text
    return text + "\n\n<details><summary>繁體中文</summary>\n\n" + "\n\n".join(converted) + "\n\n</details>"


def markdown(grade_id: str, text: str):
    """Read-only instructions (English paragraph(s), then Simplified Chinese; Traditional Chinese is
    generated from the Simplified, folded at the end of the cell)."""
    cell = nbformat.v4.new_markdown_cell(with_traditional(textwrap.dedent(text).strip()))
    cell.metadata.update(_meta(grade_id, grade=False, solution=False, locked=True))
    return cell


def code(grade_id: str, source: str):
    """A locked, ungraded code cell (imports, helpers the student may use)."""
    cell = nbformat.v4.new_code_cell(textwrap.dedent(source).strip())
    cell.metadata.update(_meta(grade_id, grade=False, solution=False, locked=True))
    return cell


def solution(grade_id: str, source: str):
    cell = nbformat.v4.new_code_cell(textwrap.dedent(source).strip())
    cell.metadata.update(_meta(grade_id, grade=False, solution=True, locked=False))
    return cell


def scratch(source: str):
    """A free cell for the student to try things (no nbgrader metadata)."""
    return nbformat.v4.new_code_cell(textwrap.dedent(source).strip())


def test(grade_id: str, points: int, visible: str, assignment: str, case: str, func: str):
    """A graded test cell: the visible checks, then a hidden block that calls ``verify``."""
    hidden = (
        "### BEGIN HIDDEN TESTS\n"
        "import sys; [sys.modules.pop(m) for m in list(sys.modules) if m.startswith(\"bncourse\")]\n"
        "from bncourse.grading.verify import verify\n"
        f"verify({assignment!r}, {case!r}, {func})\n"
        "### END HIDDEN TESTS"
    ).replace("'", '"')
    cell = nbformat.v4.new_code_cell(textwrap.dedent(visible).strip() + "\n" + hidden)
    cell.metadata.update(_meta(grade_id, grade=True, solution=False, locked=True, points=points))
    return cell


def write(path: Path, cells: list) -> None:
    scratch_n = 0
    for cell in cells:  # stable cell ids, so regenerating gives the same file
        if "nbgrader" in cell.metadata:
            cell.id = cell.metadata["nbgrader"]["grade_id"]
        else:
            scratch_n += 1
            cell.id = f"scratch-{scratch_n}"
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
