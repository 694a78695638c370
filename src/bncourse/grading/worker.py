"""The grading worker: one student, graded and given feedback in a private copy of the course.

Runs in a worker process of the class's pool (:mod:`.autograde`). The worker copies the student's
submission and the course gradebook into a private folder, runs nbgrader's own ``Autograde`` (each
kernel in the bubblewrap sandbox of :mod:`.sandbox`, unless the run is unsandboxed) and
``GenerateFeedback`` there, and leaves the executed notebook in ``grading/<a>/executed/<student>/``
for the recorder (:mod:`.record`), the only writer of the course gradebook.

A failure here is the grader's, not the student's (a notebook that raises is graded, not failed):
the result says so, with the error nbgrader logged (not its "see the above traceback"), and the
whole log is kept in ``grading/<a>/errors/<student>.log``.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from .course import GRADING, coursedir, nbgrader_config, prepare_environment


def _kernelspec_dir(base: Path) -> Path:
    """A private ``python3`` kernelspec that starts the kernel in the sandbox."""
    spec = base / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "bncourse.grading.sandbox", "{connection_file}"],
        "display_name": "Python 3 (sandboxed grader)", "language": "python",
        # a signal cannot cross into the sandbox's PID namespace: interrupt with a control message
        "interrupt_mode": "message",
    }))
    return base


class _Captured(logging.Handler):
    """Keeps what nbgrader logs for one student: the error lines name what went wrong."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.errors: list[str] = []
        self.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        if record.levelno >= logging.ERROR:
            self.errors.append(record.getMessage())


def _student_logger(sid: str) -> tuple[logging.Logger, _Captured]:
    log = logging.getLogger(f"bncourse.grading.worker.{sid}")
    log.propagate = False
    log.setLevel(logging.INFO)
    for old in list(log.handlers):
        log.removeHandler(old)
    captured = _Captured()
    log.addHandler(captured)
    return log, captured


def cause(errors: list[str], fallback: str) -> str:
    """The last line of the last traceback nbgrader logged (its final message only points at it)."""
    for message in reversed(errors):
        if "Traceback (most recent call last)" in message:
            lines = [line for line in message.strip().splitlines() if line.strip()]
            return lines[-1].strip()
    return fallback


def grade_one(root_s: str, assignment: str, sid: str, sandbox: bool = True) -> dict:
    """Autograde and make feedback for one student in a private copy of the course.

    Returns ``{"student", "ok", "seconds", ...}``; on failure ``"error"`` says why in one line."""
    from nbgrader.converters import Autograde, GenerateFeedback

    from .compat import FeedbackExporter

    prepare_environment()
    root = Path(root_s)
    started = time.perf_counter()
    log, captured = _student_logger(sid)
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
        Autograde(coursedir=coursedir(cfg, assignment, sid), config=cfg, force=True, log=log).start()
        t1 = time.perf_counter()
        GenerateFeedback(coursedir=coursedir(cfg, assignment, sid), config=cfg, force=True, log=log).start()
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
        errors = root / GRADING / assignment / "errors"
        errors.mkdir(parents=True, exist_ok=True)
        (errors / f"{sid}.log").write_text("\n".join(captured.lines + [traceback.format_exc()]), encoding="utf-8")
        return {"student": sid, "ok": False, "error": cause(captured.errors, f"{type(exc).__name__}: {exc}"),
                "log": f"{GRADING}/{assignment}/errors/{sid}.log", "seconds": time.perf_counter() - started}
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(runtime, ignore_errors=True)
