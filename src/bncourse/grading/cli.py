"""The instructor's commands: ``python -m bncourse.grading <command>`` (run from the course root).

release [A ...]                   nbgrader generate_assignment: solutions/A -> exercises/A (all if none)
collect A DIR                     DIR/<student_id>/*.ipynb -> grading/submitted/<student_id>/A/A.ipynb
autograde A [--submissions DIR] [--jobs N]
                                  collect (with DIR), grade every student in parallel, each kernel in a
                                  bubblewrap sandbox, write feedback and grading/A/grades.csv
feedback A                        (re)write the feedback HTML of every graded student from the gradebook
grades A                          (re)write grading/A/grades.csv from the gradebook

How the parallel autograde keeps one consistent SQLite gradebook: each worker process grades one
student in a private copy of the course (its own copy of the gradebook, with nbgrader's own
``Autograde`` and ``GenerateFeedback``); meanwhile the parent, alone, records the finished students'
executed notebooks in the course gradebook, a batch at a time, with nbgrader's ``Autograde`` minus
the execution step. Only one process ever writes the course gradebook.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path

from .feedback import FeedbackExporter

GRADING = "grading"


# ----------------------------------------------------------------------------- configuration
def course_root() -> Path:
    root = Path(os.environ.get("BNCOURSE_ROOT", os.getcwd())).resolve()
    if not (root / "nbgrader_config.py").exists():
        raise SystemExit(f"{root} has no nbgrader_config.py: run from the course root")
    return root


def _environment() -> None:
    os.environ.setdefault("LANG", "C.UTF-8")
    # nbgrader runs `alembic` from PATH the first time it creates a gradebook
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def nbgrader_config(root: Path, **overrides):
    """The course's nbgrader_config.py as a traitlets Config, with overrides (``Section__key=value``)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    cfg.CourseDirectory.root = str(root)
    for key, value in overrides.items():
        section, name = key.split("__")
        cfg[section][name] = value
    return cfg


def _coursedir(cfg, assignment: str = "", student: str = "*"):
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=cfg)
    coursedir.assignment_id = assignment
    coursedir.student_id = student
    return coursedir


def assignments(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "solutions").iterdir()
                  if p.is_dir() and not p.name.startswith(("_", ".")) and (p / f"{p.name}.ipynb").exists())


# ----------------------------------------------------------------------------- release
def release(root: Path, names: list[str]) -> None:
    from nbgrader.converters import GenerateAssignment

    for name in names or assignments(root):
        cfg = nbgrader_config(root)
        GenerateAssignment(coursedir=_coursedir(cfg, name, "."), config=cfg, force=True).start()
        print(f"released {name}: exercises/{name}/")


# ----------------------------------------------------------------------------- collect
def collect(root: Path, assignment: str, submissions: Path) -> dict[str, str]:
    """Copy each student's notebook into nbgrader's submitted/ folder.

    Returns ``{student_id: problem}`` for the students that cannot be graded (no notebook, several
    that do not say which is the assignment, an unreadable notebook); they still get a CSV row.
    """
    import nbformat

    problems: dict[str, str] = {}
    submitted = root / GRADING / "submitted"
    for student_dir in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        sid = student_dir.name
        target = submitted / sid / assignment
        if target.exists():
            shutil.rmtree(target)
        notebooks = sorted(p for p in student_dir.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        chosen = [p for p in notebooks if p.name == f"{assignment}.ipynb"] or notebooks
        if not notebooks:
            problems[sid] = "no notebook submitted"
            continue
        if len(chosen) > 1:
            chosen = sorted(chosen, key=lambda p: p.stat().st_mtime)[-1:]
            problems.setdefault(sid, "")  # graded, with a note below
        try:
            nbformat.read(str(chosen[0]), as_version=4)
        except Exception as exc:  # noqa: BLE001 - any unreadable file
            problems[sid] = f"corrupt notebook {chosen[0].name}: {type(exc).__name__}"
            continue
        target.mkdir(parents=True)
        shutil.copy2(chosen[0], target / f"{assignment}.ipynb")
        if sid in problems and not problems[sid]:
            del problems[sid]
            _note(root, assignment, sid, f"{len(notebooks)} notebooks submitted; graded the newest, {chosen[0].name}")
    return problems


def _note(root: Path, assignment: str, sid: str, text: str) -> None:
    path = root / GRADING / assignment / "notes.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    notes = json.loads(path.read_text()) if path.exists() else {}
    notes.setdefault(sid, []).append(text)
    path.write_text(json.dumps(notes, indent=1, ensure_ascii=False))


# ----------------------------------------------------------------------------- one student (worker)
def _kernelspec_dir(base: Path) -> Path:
    spec = base / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "bncourse.grading.sandbox", "{connection_file}"],
        "display_name": "Python 3 (sandboxed grader)", "language": "python",
        # a signal cannot cross into the sandbox's PID namespace: interrupt with a control message
        "interrupt_mode": "message",
    }))
    return base


def grade_one(root_s: str, assignment: str, sid: str, sandbox: bool = True) -> dict:
    """Autograde and make feedback for one student in a private copy of the course (runs in a worker)."""
    from nbgrader.converters import Autograde, GenerateFeedback

    _environment()
    root = Path(root_s)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix=f"bn-{sid[:20]}-", dir=root / GRADING / assignment / "work"))
    runtime = Path(tempfile.mkdtemp(prefix="bnk"))  # short path: unix socket names are limited
    try:
        (work / "submitted" / sid).mkdir(parents=True)
        shutil.copytree(root / GRADING / "submitted" / sid / assignment, work / "submitted" / sid / assignment)
        shutil.copy2(root / GRADING / "gradebook.db", work / "gradebook.db")
        os.environ["JUPYTER_RUNTIME_DIR"] = str(runtime)
        overrides = dict(
            CourseDirectory__root=str(work), CourseDirectory__submitted_directory="submitted",
            CourseDirectory__autograded_directory="autograded", CourseDirectory__feedback_directory="feedback",
            CourseDirectory__db_url=f"sqlite:///{work / 'gradebook.db'}",
        )
        if sandbox:
            os.environ["JUPYTER_PATH"] = str(_kernelspec_dir(runtime / "share"))
            os.environ["BNCOURSE_HIDE"] = os.pathsep.join([str(root), str(work)])
            overrides["KernelManager__transport"] = "ipc"
            overrides["KernelManager__ip"] = str(runtime / "k")  # absolute: kernel and client agree
            # the connection file too: left alone, jupyter_client makes it with mkstemp in /tmp
            overrides["KernelManager__connection_file"] = str(runtime / "kernel.json")
        # The kernel is thrown away with its sandbox once every cell has run: kill it at once
        # rather than asking it to shut down and waiting for it (about half a second each).
        overrides["Execute__shutdown_kernel"] = "immediate"
        overrides["GenerateFeedback__exporter_class"] = FeedbackExporter
        cfg = nbgrader_config(root, **overrides)
        t0 = time.perf_counter()
        Autograde(coursedir=_coursedir(cfg, assignment, sid), config=cfg, force=True).start()
        t1 = time.perf_counter()
        GenerateFeedback(coursedir=_coursedir(cfg, assignment, sid), config=cfg, force=True).start()
        t2 = time.perf_counter()
        executed = root / GRADING / assignment / "executed" / sid
        if executed.exists():
            shutil.rmtree(executed)
        executed.mkdir(parents=True)
        shutil.copytree(work / "autograded" / sid / assignment, executed / assignment)
        feedback = root / GRADING / "feedback" / sid / assignment
        if feedback.exists():
            shutil.rmtree(feedback)
        shutil.copytree(work / "feedback" / sid / assignment, feedback)
        return {"student": sid, "ok": True, "seconds": time.perf_counter() - started,
                "autograde": t1 - t0, "feedback": t2 - t1}
    except BaseException as exc:  # noqa: BLE001 - report, never lose the student
        return {"student": sid, "ok": False, "error": f"{type(exc).__name__}: {exc}",
                "trace": traceback.format_exc()[-3000:], "seconds": time.perf_counter() - started}
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(runtime, ignore_errors=True)


# ----------------------------------------------------------------------------- the class
def record(root: Path, assignment: str, students: list[str]) -> dict[str, str]:
    """Record executed notebooks in the course gradebook (nbgrader's Autograde, no execution).

    The students' notebooks are moved from ``grading/<a>/executed/`` into a batch folder that holds
    only them, recorded with one Autograde run, and moved back. In this process only (the one
    writer of the gradebook); returns ``{student: problem}`` for any that fail."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades

    if not students:
        return {}
    out = root / GRADING / assignment
    batch = out / "recording"
    shutil.rmtree(batch, ignore_errors=True)
    batch.mkdir()
    for sid in students:
        (out / "executed" / sid).rename(batch / sid)
    # The worker already ran nbgrader's whole pipeline on the notebook (cells overwritten from
    # the gradebook, metadata checked, executed, output limited): only save its grades here.
    cfg = nbgrader_config(
        root, CourseDirectory__submitted_directory=str(batch.relative_to(root)),
        Autograde__sanitize_preprocessors=[],
        Autograde__autograde_preprocessors=[SaveAutoGrades, AssignLatePenalties],
    )
    problems = {}
    try:
        with _one_engine_per_database():
            try:  # the whole batch at once ...
                Autograde(coursedir=_coursedir(cfg, assignment, "*"), config=cfg, force=True).start()
            except Exception:  # noqa: BLE001 - ... and if any failed, one by one to know who
                for sid in students:
                    try:
                        Autograde(coursedir=_coursedir(cfg, assignment, sid), config=cfg, force=True).start()
                    except Exception as exc:  # noqa: BLE001 - the others must still be recorded
                        problems[sid] = f"could not be recorded in the gradebook: {type(exc).__name__}: {exc}"
    finally:
        for sid in students:
            (batch / sid).rename(out / "executed" / sid)
        batch.rmdir()
    return problems


@contextmanager
def _one_engine_per_database():
    """Within this block, nbgrader's gradebooks share one SQLAlchemy engine per database.

    nbgrader opens a new ``Gradebook``, and so a new engine, several times for every student it
    records, and a new engine compiles every query afresh: most of the recording time. The
    recording process is the only one that writes the course gradebook, so sharing its engine
    is safe; each ``Gradebook.close`` still closes its connections (``dispose``)."""
    import nbgrader.api

    create_engine = nbgrader.api.create_engine
    engines = {}

    def shared_engine(url, **options):
        key = (str(url), tuple(sorted(options.items())))
        if key not in engines:
            engines[key] = create_engine(url, **options)
        return engines[key]

    nbgrader.api.create_engine = shared_engine
    try:
        yield
    finally:
        nbgrader.api.create_engine = create_engine
        for engine in engines.values():
            engine.dispose()


def scan_flags(root: Path, assignment: str, students: list[str]) -> dict[str, list[str]]:
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


def autograde(root: Path, assignment: str, submissions: Path | None, jobs: int, sandbox: bool = True) -> Path:
    _environment()
    started = time.perf_counter()
    out = root / GRADING / assignment
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("executed", "work", "notes.json", "problems.json"):
        path = out / stale
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    (out / "work").mkdir()
    if not (root / GRADING / "gradebook.db").exists() or not (root / "exercises" / assignment).exists():
        release(root, [assignment])
    else:
        _ensure_assignment_in_gradebook(root, assignment)
    problems = collect(root, assignment, submissions) if submissions else {}
    submitted = root / GRADING / "submitted"
    students = sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir()) if submitted.exists() else []
    roster = sorted(set(students) | set(problems))

    phases = {"prepare": time.perf_counter() - started}
    results = []
    if students:
        _preload()
        ctx = get_context("fork")
        # The parent records finished students in batches while the workers grade the others.
        batch_size = max(2, len(students) // (4 * max(1, jobs)))
        waiting: list[str] = []
        with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(students))), mp_context=ctx) as pool:
            futures = [pool.submit(grade_one, str(root), assignment, sid, sandbox) for sid in students]
            for future in as_completed(futures):
                result = future.result()
                results.append(result)
                if result["ok"]:
                    waiting.append(result["student"])
                else:
                    problems[result["student"]] = f"could not be graded: {result['error']}"
                if len(waiting) >= batch_size:
                    problems.update(record(root, assignment, waiting))
                    waiting = []
        problems.update(record(root, assignment, waiting))
    phases["grade and record"] = time.perf_counter() - started - sum(phases.values())
    _ensure_students(root, roster)
    flags = scan_flags(root, assignment, students)
    (out / "flags.json").write_text(json.dumps(flags, indent=1, ensure_ascii=False))
    (out / "problems.json").write_text(json.dumps(problems, indent=1, ensure_ascii=False))
    (out / "timing.json").write_text(json.dumps(
        {"seconds": time.perf_counter() - started, "phases": phases, "students": len(roster), "jobs": jobs,
         "per_student": {r["student"]: {k: v for k, v in r.items() if k in ("seconds", "autograde", "feedback")}
                         for r in results}}, indent=1))
    shutil.rmtree(out / "work", ignore_errors=True)
    for sid, problem in problems.items():
        print(f"  {sid}: {problem}", file=sys.stderr)
    return grades(root, assignment, roster)


def _ensure_assignment_in_gradebook(root: Path, assignment: str) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    cfg = nbgrader_config(root)
    with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id) as gb:
        try:
            gb.find_assignment(assignment)
            return
        except MissingEntry:
            pass
    release(root, [assignment])


def _ensure_students(root: Path, roster: list[str]) -> None:
    from nbgrader.api import Gradebook

    cfg = nbgrader_config(root)
    with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id) as gb:
        for sid in roster:
            gb.update_or_create_student(sid)


def feedback(root: Path, assignment: str) -> None:
    from nbgrader.converters import GenerateFeedback

    _environment()
    cfg = nbgrader_config(root, GenerateFeedback__exporter_class=FeedbackExporter)
    GenerateFeedback(coursedir=_coursedir(cfg, assignment, "*"), config=cfg, force=True).start()


def grades(root: Path, assignment: str, roster: list[str] | None = None) -> Path:
    """``grading/<a>/grades.csv``: ``student_id,score,max_score,flagged``, one row per student."""
    from nbgrader.api import Gradebook, MissingEntry

    _environment()
    out = root / GRADING / assignment
    out.mkdir(parents=True, exist_ok=True)
    flags_path = out / "flags.json"
    flags = json.loads(flags_path.read_text()) if flags_path.exists() else {}
    cfg = nbgrader_config(root)
    rows = []
    with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id) as gb:
        max_score = gb.find_assignment(assignment).max_score
        students = roster if roster is not None else sorted(s.id for s in gb.students)
        for sid in students:
            try:
                score = gb.find_submission(assignment, sid).score
            except MissingEntry:
                score = 0.0
            rows.append((sid, _fmt(score), _fmt(max_score), int(sid in flags)))
    path = out / "grades.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student_id", "score", "max_score", "flagged"])
        writer.writerows(rows)
    return path


def _fmt(x: float) -> str:
    return f"{x:g}"


# ----------------------------------------------------------------------------- entry point
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bncourse.grading", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="generate exercises/ from solutions/")
    p.add_argument("assignments", nargs="*")
    p = sub.add_parser("collect", help="copy an LMS export into grading/submitted")
    p.add_argument("assignment")
    p.add_argument("submissions", type=Path)
    p = sub.add_parser("autograde", help="grade a whole class in parallel")
    p.add_argument("assignment")
    p.add_argument("--submissions", type=Path)
    # two workers a core: each spends much of its time waiting on its kernel (start-up, replies)
    p.add_argument("--jobs", type=int, default=2 * (os.cpu_count() or 1))
    p.add_argument("--no-sandbox", action="store_true", help="run kernels without bubblewrap (not for real classes)")
    for name in ("feedback", "grades"):
        p = sub.add_parser(name)
        p.add_argument("assignment")
    args = parser.parse_args(argv)
    _environment()
    root = course_root()
    if args.command == "release":
        release(root, args.assignments)
    elif args.command == "collect":
        problems = collect(root, args.assignment, args.submissions)
        for sid, problem in problems.items():
            print(f"  {sid}: {problem}", file=sys.stderr)
    elif args.command == "autograde":
        path = autograde(root, args.assignment, args.submissions, args.jobs, sandbox=not args.no_sandbox)
        print(f"grades: {path}")
    elif args.command == "feedback":
        feedback(root, args.assignment)
    elif args.command == "grades":
        print(f"grades: {grades(root, args.assignment)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
