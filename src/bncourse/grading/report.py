"""What a grading run leaves for the instructor in ``grading/<assignment>/``.

- ``roster.json``: every student of the run and their status: ``graded``; ``nothing to grade`` (no
  notebook, an unreadable one: the submission's doing, score 0); ``not graded`` (the grader failed:
  no score at all, so that an upload can never give a student a zero the grader caused);
  whether they were late, and whether the run was sandboxed.
- ``grades.csv``: ``student_id,score,max_score,flagged,late,sandboxed``, one row per student,
  the score from the gradebook; empty for a student who was not graded.
- ``flags.json``: the static scan of :mod:`.flags`, per flagged student.
"""
from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .course import GRADING, nbgrader_config

GRADED, NOTHING, NOT_GRADED = "graded", "nothing to grade", "not graded"
COLUMNS = ["student_id", "score", "max_score", "flagged", "late", "sandboxed"]


@dataclass
class Entry:
    """One student of a run."""

    status: str
    problem: str = ""
    late: bool = False


def write_roster(out: Path, roster: dict[str, Entry], sandboxed: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "roster.json").write_text(json.dumps(
        {"sandboxed": sandboxed, "students": {sid: asdict(e) for sid, e in sorted(roster.items())}},
        indent=1, ensure_ascii=False))


def read_roster(out: Path) -> tuple[dict[str, Entry], bool | None]:
    """The last run's roster and whether it was sandboxed; ``({}, None)`` if there was none."""
    path = out / "roster.json"
    if not path.exists():
        return {}, None
    data = json.loads(path.read_text())
    return {sid: Entry(**e) for sid, e in data["students"].items()}, data["sandboxed"]


def scan_flags(root: Path, assignment: str, students: list[str]) -> dict[str, list[str]]:
    """``{student: [reason, ...]}`` for the submissions whose code reaches for the grading machinery."""
    import nbformat

    from .flags import scan_notebook

    release_nb = nbformat.read(str(root / "exercises" / assignment / f"{assignment}.ipynb"), as_version=4)
    release_sources = [c.source for c in release_nb.cells if c.cell_type == "code"]
    flags = {}
    for sid in students:
        path = root / GRADING / "submitted" / sid / assignment / f"{assignment}.ipynb"
        if path.exists():
            reasons = scan_notebook(nbformat.read(str(path), as_version=4), release_sources)
            if reasons:
                flags[sid] = reasons
    return flags


def grades(root: Path, assignment: str) -> tuple[Path, list[str]]:
    """Write ``grading/<a>/grades.csv`` from the gradebook and the last run's roster.

    Returns the path and the students left without a score (to be named to the instructor)."""
    from nbgrader.api import Gradebook, MissingEntry

    out = root / GRADING / assignment
    out.mkdir(parents=True, exist_ok=True)
    flags_path = out / "flags.json"
    flags = json.loads(flags_path.read_text()) if flags_path.exists() else {}
    roster, sandboxed = read_roster(out)
    cfg = nbgrader_config(root)
    rows, unscored = [], []
    with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id) as gb:
        max_score = gb.find_assignment(assignment).max_score
        students = sorted(roster) if roster else sorted(s.id for s in gb.students)
        for sid in students:
            entry = roster.get(sid, Entry(GRADED))
            late = entry.late
            score = ""
            if entry.status == NOTHING:
                score = _fmt(0.0)
            elif entry.status == GRADED:
                try:
                    submission = gb.find_submission(assignment, sid)
                    score = _fmt(submission.score)
                    late = late or submission.total_seconds_late > 0
                except MissingEntry:  # never a zero for a grade the gradebook does not have
                    pass
            if score == "":
                unscored.append(sid)
            rows.append([sid, score, _fmt(max_score), int(sid in flags), int(late),
                         "" if sandboxed is None else int(sandboxed)])
    path = out / "grades.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path, unscored


def _fmt(x: float) -> str:
    return f"{x:g}"
