"""The committed student release is what nbgrader makes from solutions/ now, and it behaves for
students: `nbgrader validate` passes a correct submission and names the failing parts of a blank one."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import submissions as S

ROOT = S.ROOT
ASSIGNMENTS = S.assignments()


def _comparable(nb) -> dict:
    return {"metadata": {k: v for k, v in nb.metadata.items() if k != "language_info"},
            "cells": [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]}


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory) -> Path:
    course = tmp_path_factory.mktemp("release") / "course"
    course.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "LANG": "C.UTF-8",
           "HOME": str(course), "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "bncourse.grading", "release"], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return course / "exercises"


def test_there_are_assignments():
    assert {"feature-scaling", "bn-forward"} <= set(ASSIGNMENTS)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_equals_a_fresh_generate(fresh_release, assignment):
    committed = nbformat.read(str(ROOT / "exercises" / assignment / f"{assignment}.ipynb"), as_version=4)
    fresh = nbformat.read(str(fresh_release / assignment / f"{assignment}.ipynb"), as_version=4)
    assert _comparable(committed) == _comparable(fresh), (
        f"exercises/{assignment} is out of date: run `make release` and commit it")
    committed_files = sorted(p.relative_to(ROOT / "exercises" / assignment).as_posix()
                             for p in (ROOT / "exercises" / assignment).rglob("*") if p.is_file())
    fresh_files = sorted(p.relative_to(fresh_release / assignment).as_posix()
                         for p in (fresh_release / assignment).rglob("*") if p.is_file())
    assert committed_files == fresh_files


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_hides_solutions_and_hidden_tests(assignment):
    text = (ROOT / "exercises" / assignment / f"{assignment}.ipynb").read_text()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "bncourse", "verify("):
        assert secret not in text


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_metadata(assignment):
    nb = nbformat.read(str(ROOT / "solutions" / assignment / f"{assignment}.ipynb"), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    ids, total = set(), 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if not meta:
            continue
        assert meta["grade_id"] not in ids
        ids.add(meta["grade_id"])
        if meta["grade"]:
            assert meta["locked"] and not meta["solution"] and meta["points"] > 0
            assert cell.source.lstrip().startswith('"""'), "visible test starts with a docstring"
            assert "### BEGIN HIDDEN TESTS" in cell.source and "verify(" in cell.source
            total += meta["points"]
        if meta["solution"]:
            assert not meta["grade"] and not meta["locked"]
    assert 15 <= total <= 25


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_validate_passes_correct_and_names_failures_of_blank(tmp_path, assignment):
    from nbgrader.validator import Validator

    correct = tmp_path / "correct" / f"{assignment}.ipynb"
    blank = tmp_path / "blank" / f"{assignment}.ipynb"
    for path, nb in ((correct, S.submission(assignment)), (blank, S.submission(assignment, solved=set()))):
        path.parent.mkdir()
        nbformat.write(nb, str(path))
    ok = Validator().validate(str(correct))
    assert ok == {}, ok  # nothing failed, no test cell changed
    bad = Validator().validate(str(blank))
    failed_sources = [f["source"] for f in bad["failed"]]
    assert len(failed_sources) == len(S.graded_parts(assignment))
    assert all("NotImplementedError" in f["error"] for f in bad["failed"])
