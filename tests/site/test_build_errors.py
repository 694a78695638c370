"""The build fails, naming the page, on an unknown {exercise} name and on a cell that raises.

Each test builds a one-page English book in a temporary folder with the real
``python -m bncourse.build`` (the npm downloads of ``_build/vendor`` are reused when present).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitehtml import ROOT

pytestmark = pytest.mark.slow

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

```{code-cell} ipython3
:tags: [remove-cell]
from bnbook.i18n import set_language
set_language("en")
```

"""


def _book(tmp_path: Path, page: str) -> Path:
    npm = ROOT / "_build" / "vendor" / "npm"
    if not npm.is_dir() and shutil.which("npm") is None:
        pytest.skip("neither _build/vendor/npm nor npm is available to vendor MathJax")
    shutil.copy2(ROOT / "_config.yml", tmp_path / "_config.yml")
    book = tmp_path / "book" / "en"
    book.mkdir(parents=True)
    (book / "_toc.yml").write_text("format: jb-book\nroot: start\n", encoding="utf-8")
    (book / "start.md").write_text(HEADER + page, encoding="utf-8")
    if npm.is_dir():
        shutil.copytree(npm, tmp_path / "_build" / "vendor" / "npm")
    return tmp_path


def _build(root: Path, **settings: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    env.pop("BNBOOK_REPOSITORY", None)
    env.update(settings)
    return subprocess.run(
        [sys.executable, "-m", "bncourse.build", "--root", str(root), "--lang", "en"],
        env=env, capture_output=True, text=True, timeout=300,
    )


def test_a_known_exercise_builds_and_links_the_notebook(tmp_path):
    root = _book(tmp_path, "# Start\n\nTry {exercise}`bn-backward`.\n")
    proc = _build(root, BNBOOK_REPOSITORY="https://github.com/Ada/bn-course", BNBOOK_BRANCH="main")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "repository https://github.com/Ada/bn-course (branch main, from BNBOOK_REPOSITORY)" in proc.stdout
    html = (root / "_build/html/en/start.html").read_text(encoding="utf-8")
    assert "https://github.com/Ada/bn-course/blob/main/exercises/bn-backward/bn-backward.ipynb" in html
    assert "mybinder.org/v2/gh/Ada/bn-course/main?labpath=exercises/bn-backward/bn-backward.ipynb" in html
    # the page's own buttons: the repository, and Binder opening this page's source in JupyterLab
    assert 'href="https://github.com/Ada/bn-course"' in html
    assert "mybinder.org/v2/gh/Ada/bn-course/main?urlpath=lab/tree/book/en/start.md" in html
    assert "bnbook-course/batchnorm-book" not in html


def test_without_a_repository_there_are_no_buttons_and_the_build_says_so(tmp_path):
    root = _book(tmp_path, "# Start\n\nTry {exercise}`bn-backward`.\n")  # a folder that is no git clone
    proc = _build(root)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "no repository address (no git remote" in proc.stdout
    html = (root / "_build/html/en/start.html").read_text(encoding="utf-8")
    assert "mybinder.org" not in html and "github.com" not in html
    assert "exercises/bn-backward/bn-backward.ipynb" in html  # the exercise still says where the notebook is


def test_an_unknown_exercise_fails_the_build_naming_the_page(tmp_path):
    root = _book(tmp_path, "# Start\n\nTry {exercise}`bn-sideways`.\n")
    proc = _build(root)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "start.md" in out and "bn-sideways" in out, out[-3000:]


def test_a_cell_that_raises_fails_the_build_naming_page_and_cell(tmp_path):
    page = "# Start\n\n```{code-cell} ipython3\nx = 1\nraise ValueError('the cell that breaks')\n```\n"
    root = _book(tmp_path, page)
    proc = _build(root)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "start.md" in out, out[-3000:]
    assert "the cell that breaks" in out and "ValueError" in out, out[-3000:]
    assert not (root / "_build/html/en/start.html").exists()


def test_output_on_stderr_fails_the_build(tmp_path):
    page = "# Start\n\n```{code-cell} ipython3\nimport sys\nprint('careful', file=sys.stderr)\n```\n"
    proc = _build(_book(tmp_path, page))
    assert proc.returncode != 0
    assert "start.md" in proc.stdout + proc.stderr


def test_glossary_page_follows_the_glossary_file(tmp_path):
    """jupyter-cache keys a page on its code; the glossary page must still show a new term."""
    root = _book(tmp_path, "# Start\n")
    shutil.copytree(ROOT / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy2(ROOT / "book/en/glossary.md", root / "book/en/glossary.md")
    (root / "book/en/_toc.yml").write_text("format: jb-book\nroot: start\nchapters:\n- file: glossary\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(root / "src")}

    def build():
        proc = subprocess.run([sys.executable, "-m", "bncourse.build", "--root", str(root), "--lang", "en"],
                              env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return (root / "_build/html/en/glossary.html").read_text(encoding="utf-8"), proc.stdout

    html, _ = build()
    assert "zz test term" not in html
    extra = root / "src/bnbook/i18n/glossary/zz_test.toml"
    extra.write_text('[[term]]\nen = "zz test term"\nzh-Hans = "测试用语"\nzh-Hant = "測試用語"\n', encoding="utf-8")
    html, out = build()
    assert "<td><p>zz test term</p></td>" in html and "測試用語" in html
    assert "glossary.md: Executing notebook" in out
    _, out = build()  # nothing changed: nothing executes
    assert "Executing notebook" not in out
