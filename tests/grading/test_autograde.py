"""End to end: release, a class of simulated (partly hostile) submissions, the real nbgrader and its
SQLite gradebook, the parallel sandboxed autograde, feedback, the CSV. Slow (a minute or two)."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

import submissions as S
from runner import make_course, read_csv, run_cli

ROOT = S.ROOT
pytestmark = pytest.mark.slow


def gradebook_students(course: Path, assignment: str) -> dict[str, float | None]:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}", "bnbook") as gb:
        out = {}
        for student in gb.students:
            try:
                out[student.id] = gb.find_submission(assignment, student.id).score
            except MissingEntry:
                out[student.id] = None
        return out


def _hostile_cells(course: Path, assignment: str) -> tuple[str, str]:
    patcher = """
import numpy as np, sys, types, os
np.testing.assert_allclose = lambda *a, **k: None
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
import bnbook.functional
bnbook.functional.normalize_over_axes = lambda x, axes, eps=1e-5: (x, None)
fake = types.ModuleType("bncourse.grading.verify")
fake.verify = lambda *a, **k: None
sys.modules["bncourse.grading.verify"] = fake
verify = lambda *a, **k: None
os.makedirs("bncourse/grading", exist_ok=True)
for name in ("bncourse/__init__.py", "bncourse/grading/__init__.py"):
    open(name, "w").close()
open("bncourse/grading/verify.py", "w").write("def verify(*a, **k):\\n    pass\\n")
"""
    grading = course / "grading"
    source = course / "solutions" / assignment / f"{assignment}.ipynb"
    vandal = f"""
import os, shutil, socket
def attempt(label, action):
    try:
        action()
        print(label, "SUCCEEDED")
    except Exception as exc:
        print(label, "blocked:", type(exc).__name__)
attempt("write-gradebook", lambda: open({str(grading / 'gradebook.db')!r}, "wb").write(b"x"))
attempt("delete-alice", lambda: shutil.rmtree({str(grading / 'submitted' / 'alice')!r}))
attempt("read-solutions", lambda: open({str(source)!r}).read())
attempt("list-course", lambda: print("course folder holds:", sorted(os.listdir({str(course)!r}))))
attempt("network", lambda: socket.create_connection(("pypi.org", 443), timeout=3))
"""
    return patcher, vandal


def _wrong_feature_scaling_with_patches(nb, patcher: str) -> None:
    """Wrong answers that the patched numpy would let through the visible tests."""
    sols = S.solutions_of("feature-scaling")
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if gid in sols:
            c.source = sols[gid].replace("eps)", "eps * 0 + 1.0)").replace(
                "return mean, var", "return mean * 0 + 1.0, var")
    S.add_cell(nb, patcher, after_grade_id=S.first_code_cell_id("feature-scaling"))


def build_class(course: Path, folder: Path, a: str) -> dict[str, float]:
    """A class for assignment ``a``, honest and hostile: student -> the score the rules say they deserve."""
    points = S.graded_parts(a)
    full = float(sum(points.values()))
    first = next(iter(S.solutions_of(a)))  # the first part, solved alone
    first_points = S.partial_points(a, {first})
    imports = S.first_code_cell_id(a)
    patcher, vandal = _hostile_cells(course, a)
    expected = {}

    S.write(folder, "alice", S.submission(a)); expected["alice"] = full
    S.write(folder, "bob", S.submission(a, solved=set())); expected["bob"] = 0.0
    S.write(folder, "carol", S.submission(a, solved={first})); expected["carol"] = first_points
    S.write(folder, "dan-loop", S.submission(a, edit=lambda nb: S.add_cell(nb, "while True:\n    pass", at_end=True)))
    expected["dan-loop"] = full
    (folder / "eve-corrupt").mkdir()
    (folder / "eve-corrupt" / f"{a}.ipynb").write_text('{"cells": [ this is not json')
    expected["eve-corrupt"] = 0.0

    # frank solves the first part, deletes one test cell he cannot pass and turns another into `pass`
    uncredited = [gid for gid in points if gid not in S.credited_tests(a, {first})]
    assert len(uncredited) >= 2, f"{a}: the tamper case needs two parts beyond the first"

    def tamper(nb):
        nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != uncredited[0]]
        for c in nb.cells:
            if c.metadata.get("nbgrader", {}).get("grade_id") == uncredited[1]:
                c.source = "pass"
    S.write(folder, "frank-tamper", S.submission(a, solved={first}, edit=tamper))
    expected["frank-tamper"] = first_points
    S.write(folder, "grace-megabytes", S.submission(
        a, edit=lambda nb: S.add_cell(nb, "print(('y' * 99 + '\\n') * 40000)", after_grade_id=imports)))
    expected["grace-megabytes"] = full

    if a == "feature-scaling":
        heidi = S.submission(a, edit=lambda nb: _wrong_feature_scaling_with_patches(nb, patcher))
    else:  # nothing solved, everything patched
        heidi = S.submission(a, solved=set(), edit=lambda nb: S.add_cell(nb, patcher, after_grade_id=imports))
    S.write(folder, "heidi-patcher", heidi); expected["heidi-patcher"] = 0.0
    S.write(folder, "ivan-vandal", S.submission(a, edit=lambda nb: S.add_cell(nb, vandal, after_grade_id=imports)))
    expected["ivan-vandal"] = full
    S.write(folder, "judy-two", S.submission(a), name=f"{a}.ipynb")
    S.write(folder, "judy-two", S.submission(a, solved=set()), name="scratch.ipynb")
    expected["judy-two"] = full
    (folder / "ken-empty").mkdir()
    expected["ken-empty"] = 0.0
    return expected


@pytest.fixture(scope="module", params=S.assignments())
def graded_class(request, tmp_path_factory):
    """One class per assignment, autograded once with the real CLI: (assignment, course, expected, proc)."""
    a = request.param
    tmp = tmp_path_factory.mktemp(a)
    course = make_course(tmp)
    folder = tmp / "lms-export"
    expected = build_class(course, folder, a)
    proc = run_cli(course, "autograde", a, "--submissions", str(folder), "--jobs", "2")
    return a, course, expected, proc


def _out(course: Path, a: str) -> Path:
    return course / "grading" / a


def test_every_student_gets_the_score_they_earned(graded_class):
    a, course, expected, proc = graded_class
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = read_csv(_out(course, a) / "grades.csv")
    assert set(rows) == set(expected), "every student in the export appears once"
    got = {sid: float(r["score"]) for sid, r in rows.items()}
    assert got == expected
    assert {float(r["max_score"]) for r in rows.values()} == {expected["alice"]}
    assert {r["sandboxed"] for r in rows.values()} == {"1"} and {r["late"] for r in rows.values()} == {"0"}


def test_gradebook_has_everyone_and_the_same_scores(graded_class):
    a, course, expected, _ = graded_class
    scores = gradebook_students(course, a)
    assert set(scores) == set(expected)
    for sid, score in scores.items():
        if sid not in ("eve-corrupt", "ken-empty"):
            assert score == expected[sid], sid
    assert scores["eve-corrupt"] is None and scores["ken-empty"] is None


def test_problems_are_reported(graded_class):
    a, course, _, proc = graded_class
    problems = json.loads((_out(course, a) / "problems.json").read_text())
    assert set(problems) == {"eve-corrupt", "ken-empty"}
    assert "corrupt" in problems["eve-corrupt"]
    assert "no notebook" in problems["ken-empty"]
    assert "eve-corrupt" in proc.stderr


def test_feedback_for_every_graded_submission(graded_class):
    a, course, expected, _ = graded_class
    for sid in expected:
        html = course / "grading" / "feedback" / sid / a / f"{a}.html"
        assert html.exists() == (sid not in ("eve-corrupt", "ken-empty")), sid
    text = (course / "grading" / "feedback" / "carol" / a / f"{a}.html").read_text()
    assert "NotImplementedError" in text  # the unsolved parts say why
    if a == "feature-scaling":
        # heidi's patched numpy let her wrong answers through the visible tests; the hidden checks,
        # in a fresh interpreter, say what was wrong and not the answer
        text = (course / "grading" / "feedback" / "heidi-patcher" / a / f"{a}.html").read_text()
        assert "hidden check" in text and "differs from the reference" in text


def test_hostile_submissions_are_flagged_and_only_them(graded_class):
    a, course, _, _ = graded_class
    rows = read_csv(_out(course, a) / "grades.csv")
    flagged = {sid for sid, r in rows.items() if r["flagged"] == "1"}
    assert flagged == {"heidi-patcher", "ivan-vandal"}
    flags = json.loads((_out(course, a) / "flags.json").read_text())
    text = " ".join(flags["heidi-patcher"])
    assert "np.testing.assert_allclose" in text and "sys.modules" in text and "bnbook" in text


def test_the_sandbox_blocked_every_attack(graded_class):
    a, course, expected, _ = graded_class
    nb = nbformat.read(str(course / "grading" / "autograded" / "ivan-vandal" / a / f"{a}.ipynb"), as_version=4)
    out = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    for label in ("delete-alice", "read-solutions", "network"):
        assert f"{label} blocked" in out, out
    # what the kernel sees of the course is the empty skeleton of folders around its own working copy,
    # in its private /tmp; a gradebook written there is a throw-away file
    listing = out.split("course folder holds:")[1].splitlines()[0] if "course folder holds:" in out else ""
    for secret in ("solutions", "nbgrader_config.py", "exercises"):
        assert secret not in listing, listing
    assert (course / "grading" / "submitted" / "alice" / a / f"{a}.ipynb").exists()
    assert gradebook_students(course, a)["alice"] == expected["alice"]
    # the planted fake package stayed in heidi's sandboxed copy
    assert not (course / "bncourse").exists()


def test_big_output_is_truncated_not_fatal(graded_class):
    a, course, _, _ = graded_class
    path = course / "grading" / "autograded" / "grace-megabytes" / a / f"{a}.ipynb"
    assert path.stat().st_size < 1_000_000
