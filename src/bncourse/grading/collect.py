"""Collection: each student's chosen notebook -> ``grading/submitted/<student>/<assignment>/<assignment>.ipynb``.

:mod:`.layouts` says which notebook of which student to grade; this module checks that it is a
readable notebook and copies it where nbgrader expects it (with nbgrader's ``timestamp.txt`` when
the input had one). A student with nothing gradable keeps a row in the grades (score 0, the reason
in ``problems.json``): a missing or unreadable notebook is the submission's doing, not the grader's.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .course import GRADING
from .layouts import read_submissions


@dataclass
class Collection:
    """What :func:`collect` did."""

    layout: str
    students: list[str] = field(default_factory=list)     # every student of the input
    problems: dict[str, str] = field(default_factory=dict)  # student -> why there is nothing to grade
    notes: dict[str, list[str]] = field(default_factory=dict)
    late: set[str] = field(default_factory=set)
    unrecognised: list[str] = field(default_factory=list)


def collect(root: Path, assignment: str, source: Path) -> Collection:
    """Copy each student's notebook from ``source`` (a folder or a zip) into nbgrader's ``submitted/``.

    Raises :class:`.layouts.InputError` when ``source`` cannot be read at all."""
    import nbformat

    submitted = root / GRADING / "submitted"
    with read_submissions(source, assignment) as inventory:
        result = Collection(inventory.layout, unrecognised=list(inventory.unrecognised))
        for sid, sub in sorted(inventory.submissions.items()):
            result.students.append(sid)
            if sub.notes:
                result.notes[sid] = list(sub.notes)
            if sub.late:
                result.late.add(sid)
            target = submitted / sid / assignment
            if target.exists():
                shutil.rmtree(target)
            if sub.chosen is None:
                result.problems[sid] = "no notebook submitted"
                continue
            try:
                nbformat.read(str(sub.chosen), as_version=4)
            except Exception as exc:  # noqa: BLE001 - any unreadable file
                result.problems[sid] = f"corrupt notebook {sub.chosen.name}: {type(exc).__name__}"
                continue
            target.mkdir(parents=True)
            shutil.copyfile(sub.chosen, target / f"{assignment}.ipynb")
            if sub.timestamp is not None:
                shutil.copyfile(sub.timestamp, target / "timestamp.txt")
    return result


def write_collection_report(out: Path, collection: Collection) -> None:
    """``notes.json`` (per student) and ``collection.json`` (the layout, files that belong to no one)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "notes.json").write_text(json.dumps(collection.notes, indent=1, ensure_ascii=False))
    (out / "collection.json").write_text(json.dumps(
        {"layout": collection.layout, "students": len(collection.students),
         "late": sorted(collection.late), "unrecognised": collection.unrecognised}, indent=1, ensure_ascii=False))
