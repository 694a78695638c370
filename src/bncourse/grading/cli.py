"""The instructor's commands: ``python -m bncourse.grading <command>`` (run from the course root).

release [A ...]                   nbgrader generate_assignment: solutions/A -> exercises/A (all if none)
collect A SUBMISSIONS             a folder or LMS zip -> grading/submitted/<student_id>/A/A.ipynb
autograde A [--submissions SUBMISSIONS] [--jobs N] [--unsandboxed]
                                  check the sandbox, collect, grade every student in parallel (each
                                  kernel in a bubblewrap sandbox), write feedback and grading/A/grades.csv
feedback A                        (re)write the feedback HTML of every graded student from the gradebook
grades A                          (re)write grading/A/grades.csv from the gradebook

SUBMISSIONS: a folder per student, nbgrader's exchange folder (submitted/<student>/<A>/), a Canvas
"Download Submissions" zip or a Moodle "Download all submissions" zip (see bncourse.grading.layouts).

Exit status: 0 when every student has a score; 1 when some could not be graded because of the
grader (they are named, and have no score in grades.csv); 2 when nothing was graded (the sandbox
does not work here, SUBMISSIONS cannot be read).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .autograde import UNSANDBOXED_WARNING, autograde
from .collect import collect
from .course import course_root, prepare_environment, release
from .feedback import feedback
from .layouts import InputError
from .preflight import SandboxBroken
from .report import grades


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bncourse.grading", description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawTextHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="generate exercises/ from solutions/")
    p.add_argument("assignments", nargs="*")
    p = sub.add_parser("collect", help="copy submissions (a folder or an LMS zip) into grading/submitted")
    p.add_argument("assignment")
    p.add_argument("submissions", type=Path)
    p = sub.add_parser("autograde", help="grade a whole class in parallel")
    p.add_argument("assignment")
    p.add_argument("--submissions", type=Path, help="a folder or an LMS zip (see above)")
    # two workers a core: each spends much of its time waiting on its kernel (start-up, replies)
    p.add_argument("--jobs", type=int, default=2 * (os.cpu_count() or 1))
    p.add_argument("--unsandboxed", action="store_true",
                   help="run student kernels without bubblewrap, as you: only for submissions you trust")
    for name in ("feedback", "grades"):
        p = sub.add_parser(name)
        p.add_argument("assignment")
    return parser


def _report_unscored(unscored: list[str]) -> None:
    if unscored:
        print(f"error: {len(unscored)} student(s) have no score in grades.csv (not graded; see problems.json): "
              + ", ".join(unscored), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    prepare_environment()
    root = course_root()
    try:
        if args.command == "release":
            release(root, args.assignments)
        elif args.command == "collect":
            result = collect(root, args.assignment, args.submissions)
            print(f"collected {len(result.students)} student(s) from a {result.layout}")
            for sid, problem in result.problems.items():
                print(f"  {sid}: {problem}", file=sys.stderr)
            for line in result.unrecognised:
                print(f"  not collected: {line}", file=sys.stderr)
        elif args.command == "autograde":
            return _autograde(root, args)
        elif args.command == "feedback":
            feedback(root, args.assignment)
        elif args.command == "grades":
            path, unscored = grades(root, args.assignment)
            print(f"grades: {path}")
            _report_unscored(unscored)
            return 1 if unscored else 0
    except (SandboxBroken, InputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _autograde(root: Path, args) -> int:
    outcome = autograde(root, args.assignment, args.submissions, args.jobs, sandbox=not args.unsandboxed)
    for sid, problem in outcome.problems.items():
        print(f"  {sid}: {problem}", file=sys.stderr)
    for line in outcome.unrecognised:
        print(f"  not graded, belongs to no student: {line}", file=sys.stderr)
    print(f"grades: {outcome.grades}")
    if args.unsandboxed:
        print(UNSANDBOXED_WARNING, file=sys.stderr)
    if outcome.not_graded:
        print(f"error: the grader failed for {len(outcome.not_graded)} student(s), who have no score in "
              f"grades.csv: {', '.join(sorted(outcome.not_graded))}. Fix the cause (see each log) and run "
              "autograde again.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
