"""Reading submissions as they come: which notebook of which student to grade.

``SUBMISSIONS`` is a folder or a zip file in one of four layouts, recognised from its contents:

- **folder per student**: ``<student_id>/**/*.ipynb`` (any LMS export unpacked by hand);
- **nbgrader's exchange layout**: ``submitted/<student_id>/<assignment>/`` (as ``nbgrader collect``
  leaves it), given as the folder that holds ``submitted/`` or as ``submitted/`` itself; nbgrader's
  ``timestamp.txt`` goes along, so nbgrader's late penalties apply;
- **Canvas** "Download Submissions" zip: flat files
  ``<sortable name>[_LATE]_<user id>_<submission id>_<original name>``; the student id is the Canvas
  user id; a resubmitted file carries ``-1``, ``-2``, ... in its original name, and the latest wins;
  ``_LATE`` marks the student late;
- **Moodle** "Download all submissions" zip: ``<full name>_<id>_assignsubmission_file_/<file>``
  (or the same as one flat file name); the student id is Moodle's id in that name.

Zips are unpacked with nbgrader's own ``unzip`` (archives inside are unpacked too) into a temporary
folder, and Canvas and Moodle file names are parsed with nbgrader's ``FileNameCollectorPlugin``, the
machinery of ``nbgrader zip_collect``. Its app (``ZipCollectApp``) is not used as a whole: it stops at
the first resubmission (two files of one student, no time stamp in the names), and it reports
nothing per student. The input is only read, never changed. Every notebook found is either the one
graded for its student or named in that student's notes or in :attr:`Inventory.unrecognised`.
"""
from __future__ import annotations

import logging
import re
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from nbgrader.plugins import FileNameCollectorPlugin
from nbgrader.utils import unzip

SKIPPED_PARTS = {".ipynb_checkpoints", "__MACOSX"}
# nbgrader's collector plugins log a warning for every name that does not match; here a name that
# does not match is an answer (not this LMS, or a file to report), not a problem.
_QUIET = logging.getLogger("bncourse.grading.layouts")
_QUIET.setLevel(logging.ERROR)


class InputError(ValueError):
    """``SUBMISSIONS`` cannot be read; ``str()`` says what was wrong and what to do."""


@dataclass
class Submission:
    """One student's part of the input."""

    student: str
    notebooks: list[Path] = field(default_factory=list)  # every notebook of the student, in the input
    chosen: Path | None = None                            # the one to grade (None: nothing to grade)
    late: bool = False
    timestamp: Path | None = None                         # nbgrader's timestamp.txt (exchange layout)
    notes: list[str] = field(default_factory=list)


@dataclass
class Inventory:
    """What a ``SUBMISSIONS`` input holds."""

    layout: str
    submissions: dict[str, Submission]
    unrecognised: list[str] = field(default_factory=list)  # "name: why", files that belong to no student


# ----------------------------------------------------------------------------- LMS file names
class CanvasCollector(FileNameCollectorPlugin):
    """Canvas's ``<sortable name>[_LATE]_<user id>_<submission id>_<original name>``."""

    named_regexp = (r"^(?P<name>[^/]*?)(?P<late>_LATE)?_(?P<student_id>\d+)_(?P<submission_id>\d+)_"
                    r"(?P<file_id>[^/]+)$")


class MoodleCollector(FileNameCollectorPlugin):
    """Moodle's ``<full name>_<id>_assignsubmission_file_`` folder (or file-name prefix)."""

    named_regexp = r"^(?P<name>[^/]+?)_(?P<student_id>\d+)_assignsubmission_file_/?(?P<file_id>.+)$"


_RESUBMISSION = re.compile(r"^(?P<base>.+?)-(?P<n>\d+)(?P<ext>\.ipynb)$")


def canvas_revision(file_id: str) -> tuple[str, int]:
    """``bn-forward-2.ipynb`` -> ``("bn-forward.ipynb", 2)``; a first submission is revision 0."""
    m = _RESUBMISSION.match(file_id)
    return (m["base"] + m["ext"], int(m["n"])) if m else (file_id, 0)


# ----------------------------------------------------------------------------- choosing a notebook
def _notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb") if p.is_file() and not SKIPPED_PARTS & set(p.parts))


def _choose(sub: Submission, assignment: str, order, describe) -> None:
    """Pick the notebook named ``<assignment>.ipynb`` (by ``describe``'s name), else any; the last in
    ``order`` among them; note every other notebook."""
    if not sub.notebooks:
        return
    named = [p for p in sub.notebooks if describe(p) == f"{assignment}.ipynb"]
    candidates = named or sub.notebooks
    sub.chosen = max(candidates, key=order)
    others = [p for p in sub.notebooks if p != sub.chosen]
    if others:
        why = "the latest" if named or len(candidates) == 1 else f"none is named {assignment}.ipynb; graded the latest"
        sub.notes.append(f"{len(sub.notebooks)} notebooks submitted ({why}): graded {sub.chosen.name}, "
                         f"not {', '.join(p.name for p in others)}")


def _by_mtime(path: Path) -> tuple[float, str]:
    return (path.stat().st_mtime, path.name)


# ----------------------------------------------------------------------------- folder layouts
def _exchange_root(folder: Path, assignment: str) -> Path | None:
    """The ``submitted/`` folder if ``folder`` is (or holds) nbgrader's exchange layout."""
    if (folder / "submitted").is_dir():
        return folder / "submitted"
    if any((child / assignment).is_dir() for child in folder.iterdir() if child.is_dir()):
        return folder
    return None


def read_folder(folder: Path, assignment: str) -> Inventory:
    """A folder per student, or nbgrader's exchange layout."""
    exchange = _exchange_root(folder, assignment)
    base = exchange or folder
    inventory = Inventory("nbgrader exchange folder" if exchange else "folder per student", {})
    for child in sorted(base.iterdir()):
        if child.name.startswith(".") or child.name in SKIPPED_PARTS:
            continue
        if not child.is_dir():
            if exchange is None or child.suffix == ".ipynb":
                inventory.unrecognised.append(f"{child.name}: not in a student's folder")
            continue
        sub = Submission(child.name)
        own = child / assignment if exchange else child
        if own.is_dir():
            sub.notebooks = _notebooks(own)
            if exchange and (own / "timestamp.txt").is_file():
                sub.timestamp = own / "timestamp.txt"
        _choose(sub, assignment, order=_by_mtime, describe=lambda p: p.name)
        inventory.submissions[sub.student] = sub
    return inventory


# ----------------------------------------------------------------------------- LMS zips
def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not SKIPPED_PARTS & set(p.parts))


def _read_named(folder: Path, assignment: str, layout: str, collector: FileNameCollectorPlugin) -> Inventory:
    """Files whose names carry the student (Canvas, Moodle), parsed by ``collector``."""
    inventory = Inventory(layout, {})
    info: dict[Path, dict] = {}
    for path in _files(folder):
        rel = path.relative_to(folder).as_posix()
        found = collector.collect(rel)
        if found is None:
            why = "not a notebook" if path.suffix != ".ipynb" else f"not a {layout} submission name"
            inventory.unrecognised.append(f"{rel}: {why}")
            continue
        info[path] = found
        sub = inventory.submissions.setdefault(found["student_id"], Submission(found["student_id"]))
        sub.notebooks.append(path)
    canvas = isinstance(collector, CanvasCollector)
    for sub in inventory.submissions.values():
        if canvas:
            order = lambda p: (canvas_revision(info[p]["file_id"])[1], int(info[p]["submission_id"]), p.name)  # noqa: E731
            describe = lambda p: canvas_revision(info[p]["file_id"])[0]  # noqa: E731
        else:
            order = lambda p: (p.name == f"{assignment}.ipynb", p.name)  # noqa: E731
            describe = lambda p: info[p]["file_id"].rsplit("/", 1)[-1]  # noqa: E731
        _choose(sub, assignment, order=order, describe=describe)
        if canvas and sub.chosen is not None and info[sub.chosen]["late"]:
            sub.late = True
            sub.notes.append("submitted late (Canvas marked the file _LATE)")
    return inventory


def _looks_like(folder: Path, collector: FileNameCollectorPlugin) -> int:
    return sum(collector.collect(p.relative_to(folder).as_posix()) is not None for p in _files(folder))


def read_unpacked(folder: Path, assignment: str) -> Inventory:
    """The contents of a zip: Canvas, Moodle, or a zipped folder in one of the folder layouts."""
    entries = [p for p in folder.iterdir() if p.name not in SKIPPED_PARTS and not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir() and not _looks_like(folder, MoodleCollector(log=_QUIET)):
        return read_unpacked(entries[0], assignment)  # a zipped folder
    canvas, moodle = CanvasCollector(log=_QUIET), MoodleCollector(log=_QUIET)
    if _looks_like(folder, moodle):
        return _read_named(folder, assignment, "Moodle zip", moodle)
    if any(p.is_file() for p in entries) and _looks_like(folder, canvas):
        return _read_named(folder, assignment, "Canvas zip", canvas)
    return read_folder(folder, assignment)


@contextmanager
def read_submissions(source: Path, assignment: str) -> Iterator[Inventory]:
    """The inventory of ``source`` (a folder or a zip); a zip is unpacked for the life of the block."""
    source = Path(source)
    if not source.exists():
        raise InputError(f"SUBMISSIONS={source} does not exist: give the folder or the .zip the LMS exported")
    if source.is_dir():
        yield read_folder(source, assignment)
        return
    if not zipfile.is_zipfile(source):
        raise InputError(f"SUBMISSIONS={source} is neither a folder nor a zip file: give the folder or the "
                         ".zip the LMS exported (Canvas: Download Submissions; Moodle: Download all submissions)")
    with tempfile.TemporaryDirectory(prefix="bn-submissions-") as tmp:
        unpacked = Path(tmp) / "unpacked"
        unpacked.mkdir()
        try:
            # nbgrader's unzip wants an archive extension; the input itself is never touched
            link = Path(tmp) / "submissions.zip"
            link.symlink_to(source.resolve())
            unzip(str(link), str(unpacked), zip_ext=[".zip"], tree=True)
        except Exception as exc:  # noqa: BLE001 - a damaged archive of any kind
            raise InputError(f"SUBMISSIONS={source} could not be unpacked ({type(exc).__name__}: {exc}): "
                             "download it again from the LMS") from None
        yield read_unpacked(unpacked, assignment)
