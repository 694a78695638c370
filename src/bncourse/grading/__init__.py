"""Grading the course's nbgrader assignments.

- :mod:`.verify` / :mod:`.reference`: the hidden checks. ``verify(assignment, case, fn)`` runs in the
  student's kernel; the reference inputs, the ``bnbook`` reference and the comparison live in a fresh
  child interpreter, so nothing a student cell patches can change the verdict.
- :mod:`.cases`: one module per assignment, ``CASES = {name: Case(...)}``.
- :mod:`.cli` (``python -m bncourse.grading``): release, autograde a class in parallel in a
  bubblewrap sandbox, feedback, grades CSV.
"""
