"""The course as nbgrader sees it: its root folder, its configuration, its assignments, the release.

Everything the grader writes lives under ``grading/`` (git-ignored): nbgrader's ``submitted/``,
``autograded/``, ``feedback/``, the SQLite ``gradebook.db``, and one folder per assignment with
``grades.csv`` and the reports of the last run.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

GRADING = "grading"


def course_root() -> Path:
    """The course root (``BNCOURSE_ROOT`` or the current folder); exits if it has no nbgrader_config.py."""
    root = Path(os.environ.get("BNCOURSE_ROOT", os.getcwd())).resolve()
    if not (root / "nbgrader_config.py").exists():
        raise SystemExit(f"{root} has no nbgrader_config.py: run from the course root")
    return root


def prepare_environment() -> None:
    """UTF-8 for the bilingual notebooks, and this Python's bin folder on PATH."""
    os.environ.setdefault("LANG", "C.UTF-8")
    # nbgrader runs `alembic` from PATH the first time it creates a gradebook
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def nbgrader_config(root: Path, **overrides):
    """The course's nbgrader_config.py as a traitlets Config, with overrides (``Section__key=value``)."""
    from traitlets.config.loader import PyFileConfigLoader

    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    cfg.CourseDirectory.root = str(root)
    for key, value in overrides.items():
        section, name = key.split("__")
        cfg[section][name] = value
    return cfg


def coursedir(cfg, assignment: str = "", student: str = "*"):
    """nbgrader's ``CourseDirectory`` for one assignment and student (``*``: all)."""
    from nbgrader.coursedir import CourseDirectory

    folders = CourseDirectory(config=cfg)
    folders.assignment_id = assignment
    folders.student_id = student
    return folders


def assignments(root: Path) -> list[str]:
    """The assignments: folders of ``solutions/`` holding a notebook of their own name."""
    return sorted(p.name for p in (root / "solutions").iterdir()
                  if p.is_dir() and not p.name.startswith(("_", ".")) and (p / f"{p.name}.ipynb").exists())


def release(root: Path, names: list[str]) -> None:
    """``nbgrader generate_assignment``: ``solutions/A`` -> ``exercises/A`` (every assignment if none named)."""
    from nbgrader.converters import GenerateAssignment

    for name in names or assignments(root):
        cfg = nbgrader_config(root)
        GenerateAssignment(coursedir=coursedir(cfg, name, "."), config=cfg, force=True).start()
        print(f"released {name}: exercises/{name}/")
