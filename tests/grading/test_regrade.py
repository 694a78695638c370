"""A regrade gives the same score: the hidden checks draw their inputs from a seed made of
(assignment, student, check), printed in the graded notebook, and the same submission graded twice
with the real CLI meets the same inputs. grades.csv has a column per part; the feedback page renders
its formulas without asking any outside server."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

import submissions as S
from bncourse.grading.reference import seed_for
from runner import make_course, read_csv, run_cli

A = "feature-scaling"
SEED_LINE = re.compile(r"hidden check '(\w+)' (passed|failed)[^\n]*\[seed (\d+)\]")


def _eps_outside(nb) -> None:
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "standardize":
            fixed = cell.source.replace("np.sqrt(np.asarray(var) + eps)", "(np.sqrt(np.asarray(var)) + eps)")
            assert fixed != cell.source, "the solution's standardize changed: update this test"
            cell.source = fixed


def _seed_lines(course: Path, sid: str) -> list[tuple[str, str, int]]:
    nb = nbformat.read(str(course / "grading" / "autograded" / sid / A / f"{A}.ipynb"), as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    return [(case, verdict, int(seed)) for case, verdict, seed in SEED_LINE.findall(text)]


@pytest.mark.slow
def test_a_regrade_gives_the_same_scores_from_the_same_seeds(tmp_path):
    course = make_course(tmp_path)
    folder = tmp_path / "export"
    S.write(folder, "alice", S.submission(A))
    S.write(folder, "mallory-eps", S.submission(A, edit=_eps_outside))

    runs = []
    for _ in range(2):
        proc = run_cli(course, "autograde", A, "--submissions", str(folder), "--jobs", "2")
        assert proc.returncode == 0, proc.stderr[-3000:]
        # the console: one summary line per student, no SQLAlchemy warnings, no kernel banners
        assert re.search(r"^  alice +20/20$", proc.stdout, re.M), proc.stdout
        assert re.search(r"^  mallory-eps +\d+/20$", proc.stdout, re.M), proc.stdout
        assert "SAWarning" not in proc.stderr and "connect another client" not in proc.stdout + proc.stderr
        rows = read_csv(course / "grading" / A / "grades.csv")
        runs.append(({sid: float(r["score"]) for sid, r in rows.items()},
                     {sid: _seed_lines(course, sid) for sid in rows}))
    (scores, seeds), (scores_again, seeds_again) = runs
    assert scores == scores_again
    assert seeds == seeds_again
    assert scores["alice"] == float(sum(S.graded_parts(A).values())) > scores["mallory-eps"]
    # one column per graded part, in the notebook's order: mallory loses part 2 only (one bug, one charge)
    rows = read_csv(course / "grading" / A / "grades.csv")
    parts = S.graded_parts(A)
    assert list(rows["alice"])[6:] == list(parts)
    assert {p: float(rows["alice"][p]) for p in parts} == {p: float(v) for p, v in parts.items()}
    assert {p: float(rows["mallory-eps"][p]) for p in parts} == {**{p: float(v) for p, v in parts.items()},
                                                                "test_standardize": 0.0}

    # mallory's visible test of part 2 stops that cell before its hidden check: no seed line there
    assert {case for case, _, _ in seeds["alice"]} == {"stats", "standardize", "train_test", "standardizer"}
    assert {case for case, _, _ in seeds["mallory-eps"]} == {"stats", "train_test", "standardizer"}
    for sid, lines in seeds.items():
        for case, _, seed in lines:
            assert seed == seed_for(A, sid, case)
    assert seeds["alice"] != seeds["mallory-eps"]  # each student draws their own inputs

    html = (course / "grading" / "feedback" / "mallory-eps" / A / f"{A}.html").read_text()
    assert "eps belongs inside the square root" in html


def test_the_feedback_renders_math_offline(tmp_path):
    """The feedback page carries MathJax itself: no script, style or font from outside the page."""
    from bncourse.grading import mathjax

    mathjax.ensure()
    course = make_course(tmp_path)
    folder = tmp_path / "export"
    S.write(folder, "alice", S.submission(A))
    proc = run_cli(course, "autograde", A, "--submissions", str(folder), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (course / "grading" / "feedback" / "alice" / A / f"{A}.html").read_text()
    assert "window.MathJax" in html and "MathJax.Hub.Config" not in html
    assert "$$" in html  # the formulas are there, for the inlined MathJax to typeset
    # a tag that loads something (a script, a style sheet, an image, a font face) from another host
    outside = re.findall(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["'](?:https?:)?//[^"']+""", html)
    outside += re.findall(r"""@import\s+url\(["']?(?:https?:)?//[^)]+""", html)
    assert not outside, outside[:5]
