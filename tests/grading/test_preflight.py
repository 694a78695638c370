"""No wrong grade, ever: a machine where the sandbox does not work gets no grades file, an explicit
--unsandboxed run says so on every row, and a student the grader failed gets no score.

Stand-ins for a broken bubblewrap are small scripts named ``bwrap`` put first on PATH; everything
else is the real command line, nbgrader and gradebook."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import submissions as S
from runner import VENV_BIN, make_course, read_csv, run_cli

A = "feature-scaling"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_bwrap() -> str:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        pytest.fail("bubblewrap is not installed, and these tests need a working one: "
                    "apt-get install -y bubblewrap (make test does it when run as root)")
    return bwrap


def _class(tmp: Path) -> tuple[Path, Path]:
    """A course and an export with one correct, one blank and one empty submission."""
    course = make_course(tmp)
    export = tmp / "export"
    S.write(export, "alice", S.submission(A))
    S.write(export, "bob", S.submission(A, solved=set()))
    (export / "ken-empty").mkdir()
    return course, export


def _stand_in(tmp: Path, script: str) -> str:
    """A PATH whose first folder holds ``bwrap`` = ``script``."""
    folder = tmp / "stand-in"
    folder.mkdir()
    bwrap = folder / "bwrap"
    bwrap.write_text("#!/bin/sh\n" + script)
    bwrap.chmod(0o755)
    return f"{folder}:{VENV_BIN}:/usr/bin:/bin"


def _nothing_written(course: Path) -> None:
    assert not (course / "grading" / "gradebook.db").exists(), "the gradebook was touched"
    assert not (course / "grading" / A / "grades.csv").exists(), "a grades file came out"
    assert not (course / "grading" / "submitted").exists()


def test_bubblewrap_missing_stops_before_grading(tmp_path):
    course, export = _class(tmp_path)
    empty = tmp_path / "bin-without-bwrap"
    empty.mkdir()
    proc = run_cli(course, "autograde", A, "--submissions", str(export), path=f"{empty}:{VENV_BIN}")
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "bubblewrap" in proc.stderr and "not installed" in proc.stderr
    assert "apt-get install -y bubblewrap" in proc.stderr and "--unsandboxed" in proc.stderr
    assert "Traceback" not in proc.stderr
    _nothing_written(course)


def test_bubblewrap_without_namespaces_stops_before_grading(tmp_path):
    course, export = _class(tmp_path)
    path = _stand_in(tmp_path, 'echo "bwrap: setting up uid map: Permission denied" >&2\nexit 1\n')
    proc = run_cli(course, "autograde", A, "--submissions", str(export), path=path)
    assert proc.returncode == 2, proc.stderr[-3000:]
    err = proc.stderr
    assert "cannot create its sandbox" in err and "setting up uid map: Permission denied" in err
    for advice in ("kernel.unprivileged_userns_clone=1", "kernel.apparmor_restrict_unprivileged_userns=0",
                   "--security-opt seccomp=unconfined", "another Linux machine", "--unsandboxed"):
        assert advice in err, advice
    assert "Traceback" not in err
    _nothing_written(course)


def test_unsandboxed_grades_without_bubblewrap_and_marks_every_row(tmp_path):
    course, export = _class(tmp_path)
    # a bubblewrap that fails every time: the run must not need it at all
    path = _stand_in(tmp_path, 'echo "bwrap: No permissions to create new namespace" >&2\nexit 1\n')
    proc = run_cli(course, "autograde", A, "--submissions", str(export), "--unsandboxed", path=path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr.count("UNSANDBOXED RUN") == 2, "said at the start and at the end"
    rows = read_csv(course / "grading" / A / "grades.csv")
    assert {sid: r["score"] for sid, r in rows.items()} == {"alice": "20", "bob": "0", "ken-empty": "0"}
    assert {r["sandboxed"] for r in rows.values()} == {"0"}
    assert json.loads((course / "grading" / A / "roster.json").read_text())["sandboxed"] is False


def test_a_student_the_grader_failed_has_no_score_and_is_named(tmp_path, real_bwrap):
    course, export = _class(tmp_path)
    # The trial command runs; every student kernel then fails to start (the grader's fault).
    path = _stand_in(tmp_path, (
        'for a in "$@"; do if [ "$a" = ipykernel_launcher ]; then\n'
        '  echo "bwrap: Can\'t mount proc on /newroot/proc: Operation not permitted" >&2; exit 1; fi; done\n'
        f'exec {real_bwrap} "$@"\n'))
    # alice was graded by an earlier run: a failed regrade must not show that old score either
    first = run_cli(course, "autograde", A, "--submissions", str(export))
    assert first.returncode == 0, first.stderr[-3000:]
    proc = run_cli(course, "autograde", A, "--submissions", str(export), path=path)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "the grader failed for 2 student(s)" in proc.stderr and "alice, bob" in proc.stderr
    rows = read_csv(course / "grading" / A / "grades.csv")
    assert {sid: r["score"] for sid, r in rows.items()} == {"alice": "", "bob": "", "ken-empty": "0"}
    problems = json.loads((course / "grading" / A / "problems.json").read_text())
    assert problems["ken-empty"] == "no notebook submitted"
    for sid in ("alice", "bob"):
        assert problems[sid].startswith("could not be graded:"), problems[sid]
        assert "Please see the" not in problems[sid], "the cause, not nbgrader's pointer to a traceback"
        assert (course / "grading" / A / "errors" / f"{sid}.log").is_file()
