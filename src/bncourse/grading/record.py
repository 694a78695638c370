"""Recording into the course gradebook: the one process that writes ``grading/gradebook.db``.

The workers (:mod:`.worker`) each grade in a private copy of the gradebook; this module, in the
parent process alone, saves their executed notebooks' grades in the course gradebook with nbgrader's
own ``Autograde`` minus the execution, a batch at a time. Only one process ever writes the course
gradebook, so SQLite never sees two writers.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from .compat import one_engine_per_database, record_only_preprocessors
from .course import GRADING, coursedir, nbgrader_config, release


def record(root: Path, assignment: str, students: list[str]) -> dict[str, str]:
    """Record executed notebooks in the course gradebook (nbgrader's Autograde, no execution).

    The students' notebooks are moved from ``grading/<a>/executed/`` into a batch folder that holds
    only them, recorded with one Autograde run, and moved back. Returns ``{student: problem}`` for
    any that could not be recorded (the grader's failure: they get no score)."""
    from nbgrader.converters import Autograde

    if not students:
        return {}
    out = root / GRADING / assignment
    batch = out / "recording"
    shutil.rmtree(batch, ignore_errors=True)
    batch.mkdir()
    for sid in students:
        (out / "executed" / sid).rename(batch / sid)
    cfg = nbgrader_config(
        root, CourseDirectory__submitted_directory=str(batch.relative_to(root)),
        Autograde__sanitize_preprocessors=[],
        Autograde__autograde_preprocessors=record_only_preprocessors(),
    )
    problems = {}
    try:
        with one_engine_per_database():
            try:  # the whole batch at once ...
                Autograde(coursedir=coursedir(cfg, assignment, "*"), config=cfg, force=True).start()
            except Exception:  # noqa: BLE001 - ... and if any failed, one by one to know who
                for sid in students:
                    try:
                        Autograde(coursedir=coursedir(cfg, assignment, sid), config=cfg, force=True).start()
                    except Exception as exc:  # noqa: BLE001 - the others must still be recorded
                        problems[sid] = f"could not be recorded in the gradebook: {type(exc).__name__}: {exc}"
    finally:
        for sid in students:
            (batch / sid).rename(out / "executed" / sid)
        batch.rmdir()
    return problems


def ensure_assignment(root: Path, assignment: str) -> None:
    """Release ``assignment`` (which also enters it in the gradebook) unless the gradebook has it."""
    from nbgrader.api import Gradebook, MissingEntry

    if (root / GRADING / "gradebook.db").exists() and (root / "exercises" / assignment).exists():
        cfg = nbgrader_config(root)
        with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id) as gb:
            try:
                gb.find_assignment(assignment)
                return
            except MissingEntry:
                pass
    release(root, [assignment])


def ensure_students(root: Path, roster: list[str]) -> None:
    """Every student of the roster in the gradebook (also those with nothing to grade)."""
    from nbgrader.api import Gradebook

    cfg = nbgrader_config(root)
    with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id) as gb:
        for sid in roster:
            gb.update_or_create_student(sid)
