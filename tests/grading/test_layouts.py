"""Submissions as they come: a folder per student, nbgrader's exchange folder, a Canvas zip, a Moodle
zip. Each layout is read (which notebook of which student), and graded end to end through the real
command line with one correct and one blank submission; the input is never changed."""
from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import nbformat
import pytest

import submissions as S
from bncourse.grading.layouts import InputError, canvas_revision, read_submissions
from runner import make_course, read_csv, run_cli

A = "feature-scaling"


def _text(nb) -> str:
    return nbformat.writes(nb)


def canvas_zip(path: Path) -> Path:
    """alice (user 1001) submits a blank notebook on time, then a correct one late (Canvas's -1);
    bob (1002) a blank one; carol (1003) only a text file."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"smithalice_1001_5001_{A}.ipynb", _text(S.submission(A, solved=set())))
        z.writestr(f"smithalice_LATE_1001_5001_{A}-1.ipynb", _text(S.submission(A)))
        z.writestr(f"jonesbob_1002_5002_{A}.ipynb", _text(S.submission(A, solved=set())))
        z.writestr("leecarol_1003_5003_notes.txt", "I could not finish")
    return path


def moodle_zip(path: Path) -> Path:
    """张三 (id 2001) submits a correct notebook and a scratch one, Bob Li (2002) a blank one and an
    online text."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"张三_2001_assignsubmission_file_/{A}.ipynb", _text(S.submission(A)))
        z.writestr("张三_2001_assignsubmission_file_/scratch.ipynb", _text(S.submission(A, solved=set())))
        z.writestr(f"Bob Li_2002_assignsubmission_file_/{A}.ipynb", _text(S.submission(A, solved=set())))
        z.writestr("Bob Li_2002_assignsubmission_onlinetext_/onlinetext.html", "<p>see file</p>")
    return path


def exchange_folder(root: Path) -> Path:
    """``root/submitted/<student>/<assignment>/`` with nbgrader's timestamp.txt, as `nbgrader collect` leaves it."""
    for sid, nb in (("alice", S.submission(A)), ("bob", S.submission(A, solved=set()))):
        folder = root / "submitted" / sid / A
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{A}.ipynb"))
        (folder / "timestamp.txt").write_text("2026-03-01 12:00:00.000000 UTC")
    other = root / "submitted" / "alice" / "bn-forward"  # another assignment: not this one's business
    other.mkdir()
    nbformat.write(S.submission("bn-forward"), str(other / "bn-forward.ipynb"))
    return root


def plain_folder(root: Path) -> Path:
    S.write(root, "alice", S.submission(A), name=f"{A}.ipynb")
    S.write(root, "bob", S.submission(A, solved=set()))
    return root


def _digest(path: Path) -> str:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    h = hashlib.sha256()
    for f in files:
        h.update(str(f.relative_to(path.parent)).encode() + f.read_bytes())
    return h.hexdigest()


# ----------------------------------------------------------------------------- reading (fast)
def test_canvas_resubmission_numbers():
    assert canvas_revision(f"{A}.ipynb") == (f"{A}.ipynb", 0)
    assert canvas_revision(f"{A}-12.ipynb") == (f"{A}.ipynb", 12)


def test_canvas_zip_latest_resubmission_wins_and_late_is_marked(tmp_path):
    with read_submissions(canvas_zip(tmp_path / "canvas.zip"), A) as inv:
        assert inv.layout == "Canvas zip"
        assert sorted(inv.submissions) == ["1001", "1002"]
        alice = inv.submissions["1001"]
        assert alice.chosen.name == f"smithalice_LATE_1001_5001_{A}-1.ipynb" and alice.late
        assert "not smithalice_1001_5001" in " ".join(alice.notes), "the older file is named"
        assert not inv.submissions["1002"].late
        assert inv.unrecognised == ["leecarol_1003_5003_notes.txt: not a notebook"]


def test_moodle_zip_uses_moodles_id_and_the_assignment_notebook(tmp_path):
    with read_submissions(moodle_zip(tmp_path / "moodle.zip"), A) as inv:
        assert inv.layout == "Moodle zip"
        assert sorted(inv.submissions) == ["2001", "2002"]
        assert inv.submissions["2001"].chosen.name == f"{A}.ipynb"
        assert "scratch.ipynb" in " ".join(inv.submissions["2001"].notes)
        assert inv.unrecognised == ["Bob Li_2002_assignsubmission_onlinetext_/onlinetext.html: not a notebook"]


def test_exchange_folder_given_as_its_parent_or_as_submitted(tmp_path):
    root = exchange_folder(tmp_path / "exchange")
    for given in (root, root / "submitted"):
        with read_submissions(given, A) as inv:
            assert inv.layout == "nbgrader exchange folder"
            assert sorted(inv.submissions) == ["alice", "bob"]
            assert inv.submissions["alice"].chosen.parent.name == A
            assert inv.submissions["alice"].timestamp.name == "timestamp.txt"


def test_a_zipped_folder_per_student(tmp_path):
    folder = plain_folder(tmp_path / "export")
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in folder.rglob("*.ipynb"):
            z.write(f, f.relative_to(tmp_path).as_posix())
    with read_submissions(archive, A) as inv:
        assert inv.layout == "folder per student"
        assert sorted(inv.submissions) == ["alice", "bob"]


@pytest.mark.parametrize("make, words", [
    (lambda tmp: tmp / "nowhere", "does not exist"),
    (lambda tmp: (tmp / "grades.csv", (tmp / "grades.csv").write_text("a,b"))[0], "neither a folder nor a zip"),
    (lambda tmp: (tmp / "cut.zip", (tmp / "cut.zip").write_bytes(
        canvas_zip(tmp / "whole.zip").read_bytes()[:-30]))[0], "neither a folder nor a zip"),
])
def test_unreadable_input_says_what_to_do(tmp_path, make, words):
    with pytest.raises(InputError, match=words) as info:
        with read_submissions(make(tmp_path), A):
            pass
    assert "LMS" in str(info.value)


# ----------------------------------------------------------------------------- graded end to end (slow)
LAYOUTS = {
    "canvas-zip": (lambda tmp: canvas_zip(tmp / "canvas.zip"), {"1001": ("20", "1"), "1002": ("0", "0")}),
    "moodle-zip": (lambda tmp: moodle_zip(tmp / "moodle.zip"), {"2001": ("20", "0"), "2002": ("0", "0")}),
    "exchange": (lambda tmp: exchange_folder(tmp / "exchange"), {"alice": ("20", "0"), "bob": ("0", "0")}),
    "plain-folder": (lambda tmp: plain_folder(tmp / "export"), {"alice": ("20", "0"), "bob": ("0", "0")}),
}


@pytest.mark.slow
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout_graded_end_to_end(tmp_path, layout):
    make, expected = LAYOUTS[layout]
    source = make(tmp_path)
    before = _digest(source)
    course = make_course(tmp_path)
    proc = run_cli(course, "autograde", A, "--submissions", str(source), "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = read_csv(course / "grading" / A / "grades.csv")
    assert {sid: (r["score"], r["late"]) for sid, r in rows.items()} == expected
    assert _digest(source) == before, "the input was changed"
    report = json.loads((course / "grading" / A / "collection.json").read_text())
    assert report["students"] == len(expected)
    for line in report["unrecognised"]:  # what belongs to no student is said, not dropped
        assert line in proc.stderr
    if layout == "canvas-zip":
        assert report["late"] == ["1001"] and "leecarol_1003_5003_notes.txt" in proc.stderr
        notes = json.loads((course / "grading" / A / "notes.json").read_text())
        assert "late" in " ".join(notes["1001"])
    for sid in expected:
        assert (course / "grading" / "feedback" / sid / A / f"{A}.html").is_file()
