"""Autograding a class: check the sandbox, collect, grade in parallel, record, report.

1. :mod:`.preflight`: a trial command in the sandbox; if it fails, stop before the gradebook, the
   submissions or ``grades.csv`` are touched (unless the run is explicitly ``--unsandboxed``).
2. :mod:`.collect`: the input (a folder or an LMS zip, see :mod:`.layouts`) into nbgrader's
   ``submitted/``.
3. :mod:`.worker`: every student graded in a worker process of a pool, in a private copy of the
   course; meanwhile this process, alone, records the finished ones in the course gradebook a batch
   at a time (:mod:`.record`).
4. :mod:`.report`: ``roster.json``, ``flags.json``, ``problems.json``, ``grades.csv``. A student the
   grader failed gets no score; the run then ends with :attr:`Outcome.not_graded` non-empty, and the
   command line exits non-zero naming them.
"""
from __future__ import annotations

import json
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from .collect import collect, write_collection_report
from .course import GRADING, prepare_environment
from .preflight import check_sandbox
from .record import ensure_assignment, ensure_students, record
from .report import GRADED, NOT_GRADED, NOTHING, Entry, grades, scan_flags, write_roster
from .worker import grade_one

UNSANDBOXED_WARNING = (
    "WARNING: UNSANDBOXED RUN. Student code runs as you, with your files, solutions/, the gradebook\n"
    "and the network within its reach. Use it only for submissions you trust; every row of\n"
    "grades.csv says sandboxed=0.")
# What a run leaves in grading/<a>/ and the next run replaces (grades.csv is rewritten at the end).
STALE = ("executed", "work", "errors", "notes.json", "problems.json", "roster.json", "collection.json")


@dataclass
class Outcome:
    """What :func:`autograde` produced."""

    grades: Path
    not_graded: dict[str, str]   # student -> why the grader could not grade them (no score written)
    problems: dict[str, str]     # every student with a problem, including those above
    unrecognised: list[str]      # files of the input that belong to no student ("name: why")


def _preload() -> None:
    """Import here, before forking, what every worker would otherwise import on its first student:
    nbgrader and the gradebook's SQLAlchemy, the kernel client, and the HTML exporter of the
    feedback with its Markdown and highlighting modules."""
    import importlib

    for name in ("nbgrader.converters", "nbgrader.preprocessors", "nbgrader.api", "sqlite3", "jupyter_client",
                 "ipykernel.kernelspec", "IPython", "ipython_pygments_lexers", "pygments.lexers.python",
                 "pygments.lexers.css", "pygments.lexers.data", "nbconvert.exporters.html", "jinja2.ext",
                 "mistune.plugins.def_list", "mistune.plugins.task_lists", "mistune.plugins.url"):
        try:
            importlib.import_module(name)
        except ImportError:  # a newer release may move a module: only a little slower then
            pass


def _grade_all(root: Path, assignment: str, students: list[str], jobs: int, sandbox: bool) -> tuple[list, dict]:
    """Grade ``students`` in a pool while recording the finished ones; ``(results, not graded)``."""
    results, failed = [], {}
    if not students:
        return results, failed
    _preload()
    # The parent records finished students in batches while the workers grade the others.
    batch_size = max(2, len(students) // (4 * max(1, jobs)))
    waiting: list[str] = []
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(students))), mp_context=get_context("fork")) as pool:
        futures = [pool.submit(grade_one, str(root), assignment, sid, sandbox) for sid in students]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            if result["ok"]:
                waiting.append(result["student"])
            else:
                failed[result["student"]] = f"could not be graded: {result['error']} (log: {result['log']})"
            if len(waiting) >= batch_size:
                failed.update(record(root, assignment, waiting))
                waiting = []
    failed.update(record(root, assignment, waiting))
    return results, failed


def autograde(root: Path, assignment: str, submissions: Path | None, jobs: int, sandbox: bool = True) -> Outcome:
    """Grade every student of ``submissions`` (or already in ``grading/submitted``) for ``assignment``.

    Raises :class:`.preflight.SandboxBroken` (sandboxed runs) or :class:`.layouts.InputError` before
    anything is written."""
    prepare_environment()
    if sandbox:
        check_sandbox()
    else:
        print(UNSANDBOXED_WARNING, file=sys.stderr, flush=True)
    started = time.perf_counter()
    collection = collect(root, assignment, submissions) if submissions else None
    out = root / GRADING / assignment
    out.mkdir(parents=True, exist_ok=True)
    for stale in STALE:
        path = out / stale
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    (out / "work").mkdir()
    ensure_assignment(root, assignment)
    if collection is not None:
        write_collection_report(out, collection)
    submitted = root / GRADING / "submitted"
    students = sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir()) if submitted.exists() else []

    phases = {"prepare": time.perf_counter() - started}
    results, not_graded = _grade_all(root, assignment, students, jobs, sandbox)
    phases["grade and record"] = time.perf_counter() - started - sum(phases.values())

    roster = {sid: Entry(GRADED) for sid in students}
    if collection is not None:
        for sid, problem in collection.problems.items():
            roster[sid] = Entry(NOTHING, problem)
        for sid in collection.late:
            roster[sid].late = True
    for sid, problem in not_graded.items():
        roster[sid] = Entry(NOT_GRADED, problem, roster[sid].late)
    ensure_students(root, sorted(roster))
    flags = scan_flags(root, assignment, students)
    problems = {sid: e.problem for sid, e in roster.items() if e.problem}
    write_roster(out, roster, sandbox)
    (out / "flags.json").write_text(json.dumps(flags, indent=1, ensure_ascii=False))
    (out / "problems.json").write_text(json.dumps(problems, indent=1, ensure_ascii=False))
    (out / "timing.json").write_text(json.dumps(
        {"seconds": time.perf_counter() - started, "phases": phases, "students": len(roster), "jobs": jobs,
         "per_student": {r["student"]: {k: v for k, v in r.items() if k in ("seconds", "autograde", "feedback")}
                         for r in results}}, indent=1))
    shutil.rmtree(out / "work", ignore_errors=True)
    path, _ = grades(root, assignment)
    return Outcome(path, not_graded, problems, collection.unrecognised if collection else [])
