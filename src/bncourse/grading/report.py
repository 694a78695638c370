"""What a grading run leaves for the instructor in ``grading/<assignment>/``.

- ``roster.json``: every student of the run and their status: ``graded``; ``nothing to grade`` (no
  notebook, an unreadable one: the submission's doing, score 0); ``not graded`` (the grader failed:
  no score at all, so that an upload can never give a student a zero the grader caused);
  whether they were late, and whether the run was sandboxed.
- ``grades.csv``: ``student_id,score,max_score,flagged,late,sandboxed``, then one column per graded
  part (its test cell's ``grade_id``, in the notebook's order), one row per student, the scores from
  the gradebook; empty for a student who was not graded.
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


def graded_parts(root: Path, assignment: str) -> list[str]:
    """The grade_ids of the assignment's graded cells, in the order of the released notebook."""
    import nbformat

    nb = nbformat.read(str(root / "exercises" / assignment / f"{assignment}.ipynb"), as_version=4)
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def _part_scores(submission) -> dict[str, float]:
    return {grade.name: grade.score for notebook in submission.notebooks for grade in notebook.grades}


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
    parts = graded_parts(root, assignment)
    rows, unscored = [], []
    with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id) as gb:
        max_score = gb.find_assignment(assignment).max_score
        students = sorted(roster) if roster else sorted(s.id for s in gb.students)
        for sid in students:
            entry = roster.get(sid, Entry(GRADED))
            late = entry.late
            score, by_part = "", [""] * len(parts)
            if entry.status == NOTHING:
                score, by_part = _fmt(0.0), [_fmt(0.0)] * len(parts)
            elif entry.status == GRADED:
                try:
                    submission = gb.find_submission(assignment, sid)
                    score = _fmt(submission.score)
                    late = late or submission.total_seconds_late > 0
                    got = _part_scores(submission)
                    by_part = [_fmt(got[p]) if got.get(p) is not None else "" for p in parts]
                except MissingEntry:  # never a zero for a grade the gradebook does not have
                    pass
            if score == "":
                unscored.append(sid)
            rows.append([sid, score, _fmt(max_score), int(sid in flags), int(late),
                         "" if sandboxed is None else int(sandboxed), *by_part])
    path = out / "grades.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS + parts)
        writer.writerows(rows)
    return path, unscored


def summary_lines(path: Path, problems: dict[str, str]) -> list[str]:
    """One line per student of ``grades.csv``: the score, flagged or late, or why there is none."""
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    width = max((len(r["student_id"]) for r in rows), default=0)
    lines = []
    for r in rows:
        score = f"{r['score']}/{r['max_score']}" if r["score"] != "" else "no score"
        notes = [word for word, column in (("flagged", "flagged"), ("late", "late")) if r.get(column) == "1"]
        if r["student_id"] in problems:
            notes.append(problems[r["student_id"]])
        lines.append(f"  {r['student_id']:<{width}}  {score:>9}" + (f"  ({'; '.join(notes)})" if notes else ""))
    return lines


def _fmt(x: float) -> str:
    return f"{x:g}"
