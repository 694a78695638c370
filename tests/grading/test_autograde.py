"""End to end: release, a class of simulated (partly hostile) submissions, the real nbgrader and its
SQLite gradebook, the parallel sandboxed autograde, feedback, the CSV. Slow (a minute or two)."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import submissions as S

ROOT = S.ROOT
pytestmark = pytest.mark.slow
CELL_TIMEOUT = 6  # seconds per cell in the test course (30 in the real one)


def make_course(tmp: Path) -> Path:
    course = tmp / "course"
    course.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", course)
    with (course / "nbgrader_config.py").open("a") as fh:
        fh.write(f"\nc.Execute.timeout = {CELL_TIMEOUT}\n")
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copytree(ROOT / "exercises", course / "exercises")
    return course


def run_cli(course: Path, *args: str) -> subprocess.CompletedProcess:
    bindir = str(Path(sys.executable).parent)
    env = {"PATH": bindir + ":/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(course),
           "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "bncourse.grading", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=900)


def read_csv(path: Path) -> dict[str, dict]:
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["student_id"] for r in rows] == sorted({r["student_id"] for r in rows}), "one row per student"
    return {r["student_id"]: r for r in rows}


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


def _hostile_cells(course: Path) -> tuple[str, str]:
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
attempt("read-solutions", lambda: open({str(course / 'solutions' / 'feature-scaling' / 'feature-scaling.ipynb')!r}).read())
attempt("list-course", lambda: print("course folder holds:", sorted(os.listdir({str(course)!r}))))
attempt("network", lambda: socket.create_connection(("pypi.org", 443), timeout=3))
"""
    return patcher, vandal


def build_feature_scaling_class(course: Path, folder: Path) -> dict[str, float]:
    """Student -> the score the rules say they deserve."""
    a = "feature-scaling"
    points = S.graded_parts(a)
    full = float(sum(points.values()))
    patcher, vandal = _hostile_cells(course)
    expected = {}

    S.write(folder, "alice", S.submission(a)); expected["alice"] = full
    S.write(folder, "bob", S.submission(a, solved=set())); expected["bob"] = 0.0
    S.write(folder, "carol", S.submission(a, solved={"feature_stats", "standardize"}))
    expected["carol"] = points["test_feature_stats"] + points["test_standardize"]
    S.write(folder, "dan-loop", S.submission(a, edit=lambda nb: S.add_cell(nb, "while True:\n    pass", at_end=True)))
    expected["dan-loop"] = full
    (folder / "eve-corrupt").mkdir()
    (folder / "eve-corrupt" / "feature-scaling.ipynb").write_text('{"cells": [ this is not json')
    expected["eve-corrupt"] = 0.0

    def tamper(nb):
        nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_standardize"]
        for c in nb.cells:
            if c.metadata.get("nbgrader", {}).get("grade_id") == "test_scale_train_test":
                c.source = "pass"
    S.write(folder, "frank-tamper", S.submission(a, solved={"feature_stats"}, edit=tamper))
    expected["frank-tamper"] = points["test_feature_stats"]
    S.write(folder, "grace-megabytes", S.submission(
        a, edit=lambda nb: S.add_cell(nb, "print(('y' * 99 + '\\n') * 40000)",
                                      after_grade_id="imports")))
    expected["grace-megabytes"] = full

    def wrong_with_patches(nb):
        for c in nb.cells:
            gid = c.metadata.get("nbgrader", {}).get("grade_id")
            if gid in ("feature_stats", "standardize", "scale_train_test", "standardizer"):
                c.source = S.solutions_of(a)[gid].replace("eps)", "eps * 0 + 1.0)").replace(
                    "return mean, var", "return mean * 0 + 1.0, var")
        S.add_cell(nb, patcher, after_grade_id="imports")
    S.write(folder, "heidi-patcher", S.submission(a, edit=wrong_with_patches)); expected["heidi-patcher"] = 0.0
    S.write(folder, "ivan-vandal", S.submission(a, edit=lambda nb: S.add_cell(nb, vandal, after_grade_id="imports")))
    expected["ivan-vandal"] = full
    S.write(folder, "judy-two", S.submission(a), name="feature-scaling.ipynb")
    S.write(folder, "judy-two", S.submission(a, solved=set()), name="scratch.ipynb")
    expected["judy-two"] = full
    (folder / "ken-empty").mkdir()
    expected["ken-empty"] = 0.0
    return expected


@pytest.fixture(scope="module")
def feature_scaling_class(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fs")
    course = make_course(tmp)
    folder = tmp / "lms-export"
    expected = build_feature_scaling_class(course, folder)
    # alice is graded first on her own, so the vandal has real files of hers to attack
    proc = run_cli(course, "autograde", "feature-scaling", "--submissions", str(folder), "--jobs", "2")
    return course, expected, proc


def test_every_student_gets_the_score_they_earned(feature_scaling_class):
    course, expected, proc = feature_scaling_class
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = read_csv(course / "grading" / "feature-scaling" / "grades.csv")
    assert set(rows) == set(expected), "every student in the export appears once"
    got = {sid: float(r["score"]) for sid, r in rows.items()}
    assert got == expected
    assert {r["max_score"] for r in rows.values()} == {"20"}


def test_gradebook_has_everyone_and_the_same_scores(feature_scaling_class):
    course, expected, _ = feature_scaling_class
    scores = gradebook_students(course, "feature-scaling")
    assert set(scores) == set(expected)
    for sid, score in scores.items():
        if sid not in ("eve-corrupt", "ken-empty"):
            assert score == expected[sid], sid
    assert scores["eve-corrupt"] is None and scores["ken-empty"] is None


def test_problems_are_reported(feature_scaling_class):
    course, _, proc = feature_scaling_class
    problems = json.loads((course / "grading" / "feature-scaling" / "problems.json").read_text())
    assert "corrupt" in problems["eve-corrupt"]
    assert "no notebook" in problems["ken-empty"]
    assert "eve-corrupt" in proc.stderr


def test_feedback_for_every_graded_submission(feature_scaling_class):
    course, expected, _ = feature_scaling_class
    for sid in expected:
        html = course / "grading" / "feedback" / sid / "feature-scaling" / "feature-scaling.html"
        assert html.exists() == (sid not in ("eve-corrupt", "ken-empty")), sid
    text = (course / "grading" / "feedback" / "carol" / "feature-scaling" / "feature-scaling.html").read_text()
    assert "NotImplementedError" in text  # the unsolved parts say why
    # heidi's patched visible tests passed; the hidden checks say what was wrong, not the answer
    text = (course / "grading" / "feedback" / "heidi-patcher" / "feature-scaling" / "feature-scaling.html").read_text()
    assert "hidden check" in text and "differs from the reference" in text


def test_hostile_submissions_are_flagged_and_only_them(feature_scaling_class):
    course, _, _ = feature_scaling_class
    rows = read_csv(course / "grading" / "feature-scaling" / "grades.csv")
    flagged = {sid for sid, r in rows.items() if r["flagged"] == "1"}
    assert flagged == {"heidi-patcher", "ivan-vandal"}
    flags = json.loads((course / "grading" / "feature-scaling" / "flags.json").read_text())
    text = " ".join(flags["heidi-patcher"])
    assert "np.testing.assert_allclose" in text and "sys.modules" in text and "bnbook" in text


def test_the_sandbox_blocked_every_attack(feature_scaling_class):
    course, _, _ = feature_scaling_class
    nb = nbformat.read(str(course / "grading" / "autograded" / "ivan-vandal" / "feature-scaling" /
                           "feature-scaling.ipynb"), as_version=4)
    out = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    for label in ("delete-alice", "read-solutions", "network"):
        assert f"{label} blocked" in out, out
    # what the kernel sees of the course is the empty skeleton of folders around its own working copy,
    # in its private /tmp; a gradebook written there is a throw-away file
    listing = out.split("course folder holds:")[1].splitlines()[0] if "course folder holds:" in out else ""
    for secret in ("solutions", "nbgrader_config.py", "exercises"):
        assert secret not in listing, listing
    assert (course / "grading" / "submitted" / "alice" / "feature-scaling" / "feature-scaling.ipynb").exists()
    assert gradebook_students(course, "feature-scaling")["alice"] == 20.0
    # the planted fake package stayed in heidi's sandboxed copy
    assert not (course / "bncourse").exists()


def test_big_output_is_truncated_not_fatal(feature_scaling_class):
    course, _, _ = feature_scaling_class
    path = course / "grading" / "autograded" / "grace-megabytes" / "feature-scaling" / "feature-scaling.ipynb"
    assert path.stat().st_size < 1_000_000


def test_small_class_of_every_other_assignment(tmp_path):
    course = make_course(tmp_path)
    others = [a for a in S.assignments() if a != "feature-scaling"]
    for a in others:
        folder = tmp_path / f"export-{a}"
        points = S.graded_parts(a)
        first_solution = next(iter(S.solutions_of(a)))
        S.write(folder, "correct", S.submission(a))
        S.write(folder, "blank", S.submission(a, solved=set()))
        S.write(folder, "partial", S.submission(a, solved={first_solution}))
        proc = run_cli(course, "autograde", a, "--submissions", str(folder))
        assert proc.returncode == 0, proc.stderr[-3000:]
        rows = read_csv(course / "grading" / a / "grades.csv")
        full = float(sum(points.values()))
        assert float(rows["correct"]["score"]) == full, a
        assert float(rows["blank"]["score"]) == 0.0, a
        assert 0.0 < float(rows["partial"]["score"]) < full, a
        assert float(rows["partial"]["score"]) == S.partial_points(a, {first_solution}), a
