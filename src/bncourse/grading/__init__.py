"""Grading the course's nbgrader assignments.

The hidden checks, which run in the student's kernel:

- :mod:`.verify` / :mod:`.reference` / :mod:`.wire`: ``verify(assignment, case, fn)`` runs in the
  student's kernel; the reference inputs, the ``bnbook`` reference and the comparison live in a fresh
  child interpreter, so nothing a student cell patches can change the verdict.
- :mod:`.cases`: one module per assignment, ``CASES = {name: Case(...)}``.

The instructor's pipeline (``python -m bncourse.grading``, :mod:`.cli`), one module a job:

- :mod:`.course`: the course root, nbgrader's configuration, the release;
- :mod:`.preflight` and :mod:`.sandbox`: the bubblewrap sandbox, checked before anyone is graded;
- :mod:`.layouts` and :mod:`.collect`: submissions as they come (folders, nbgrader's exchange,
  Canvas and Moodle zips) into nbgrader's ``submitted/``;
- :mod:`.worker`: one student graded in a private copy of the course;
- :mod:`.record`: the one writer of the course gradebook;
- :mod:`.report` and :mod:`.flags`: ``grades.csv`` and the reports of a run; :mod:`.feedback`;
- :mod:`.autograde`: the class, in that order;
- :mod:`.compat`: every use of nbgrader's and nbconvert's internals, with the versions it was checked on.
"""
