"""Autograde the same 40 submissions with plain serial `nbgrader autograde` and with the course's
parallel command (`python -m bncourse.grading autograde`), in one run; print seconds per submission
and the ratio.

    PYTHONPATH=src .venv/bin/python benchmarks/autograde.py [--students 40] [--assignment feature-scaling]

Both runs use the same course copy settings (nbgrader_config.py, 30 s cell timeout). The plain run
executes kernels unsandboxed and writes no feedback; the parallel run also sandboxes every kernel,
writes feedback HTML, flags and the CSV, so the comparison is conservative.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "grading"))

import submissions as S  # noqa: E402


def course_copy(base: Path, name: str) -> Path:
    course = base / name
    course.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copytree(ROOT / "exercises", course / "exercises")
    return course


def env_for(course: Path) -> dict:
    return {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "LANG": "C.UTF-8",
            "HOME": str(course), "PYTHONPATH": str(ROOT / "src")}


def run(cmd: list[str], course: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=course, env=env_for(course), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--assignment", default="feature-scaling")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    a, n = args.assignment, args.students
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        export = base / "export"
        kinds = [None, set(), {next(iter(S.solutions_of(a)))}]  # correct, blank, partial
        for i in range(n):
            S.write(export, f"s{i:03d}", S.submission(a, solved=kinds[i % 3]), name=f"{a}.ipynb")

        serial = course_copy(base, "serial")
        nbgrader = [sys.executable, "-m", "nbgrader"]
        run(nbgrader + ["generate_assignment", a, "--force"], serial)
        for student in export.iterdir():
            target = serial / "grading" / "submitted" / student.name / a
            target.mkdir(parents=True)
            shutil.copy2(student / f"{a}.ipynb", target)
        t_serial = run(nbgrader + ["autograde", a, "--force"], serial)

        parallel = course_copy(base, "parallel")
        run([sys.executable, "-m", "bncourse.grading", "release", a], parallel)  # released before, like the serial one
        cmd = [sys.executable, "-m", "bncourse.grading", "autograde", a, "--submissions", str(export)]
        if args.jobs:
            cmd += ["--jobs", str(args.jobs)]
        t_parallel = run(cmd, parallel)
        phases = json.loads((parallel / "grading" / a / "timing.json").read_text())["phases"]

    print(f"{n} submissions of {a}")
    print(f"plain serial nbgrader autograde : {t_serial:7.1f} s  ({t_serial / n:.2f} s per submission)")
    print(f"parallel (sandbox + feedback)   : {t_parallel:7.1f} s  ({t_parallel / n:.2f} s per submission)")
    print("parallel phases (s): " + ", ".join(f"{k} {v:.1f}" for k, v in phases.items()))
    print(f"speed-up: {t_serial / t_parallel:.2f}x")


if __name__ == "__main__":
    main()
