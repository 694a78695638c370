"""A throw-away course and the real grading command line, shared by the end-to-end grading tests."""
from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

from submissions import ROOT

CELL_TIMEOUT = 6  # seconds per cell in the test course (30 in the real one)
VENV_BIN = str(Path(sys.executable).parent)


def make_course(tmp: Path) -> Path:
    """A copy of the course's nbgrader configuration, sources and release in ``tmp/course``."""
    course = tmp / "course"
    course.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", course)
    with (course / "nbgrader_config.py").open("a") as fh:
        fh.write(f"\nc.Execute.timeout = {CELL_TIMEOUT}\n")
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copytree(ROOT / "exercises", course / "exercises")
    return course


def run_cli(course: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess:
    """``python -m bncourse.grading ARGS`` in ``course`` with a clean environment (``path``: its PATH)."""
    env = {"PATH": path or VENV_BIN + ":/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(course),
           "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "bncourse.grading", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=900)


def read_csv(path: Path) -> dict[str, dict]:
    """grades.csv as ``{student_id: row}``, checking there is one row per student."""
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["student_id"] for r in rows] == sorted({r["student_id"] for r in rows}), "one row per student"
    return {r["student_id"]: r for r in rows}
