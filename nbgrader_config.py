"""nbgrader configuration of the course (nbgrader 0.9).

Sources (with solutions and hidden tests) live in ``solutions/<assignment>/``; the student release
that ``nbgrader generate_assignment`` makes is committed in ``exercises/<assignment>/``. The
instructor's working folders and the gradebook live under ``grading/`` (git-ignored). The whole-class
workflow is ``python -m bncourse.grading`` (or the Makefile targets ``release``, ``autograde``,
``feedback``, ``grades``); see README.md.
"""
import os

_ROOT = os.path.dirname(os.path.abspath(__file__))
# The instructions are bilingual: nbconvert and the kernels must read and write UTF-8.
os.environ.setdefault("LANG", "C.UTF-8")

os.makedirs(os.path.join(_ROOT, "grading"), exist_ok=True)

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "bnbook"
c.CourseDirectory.root = _ROOT
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = os.path.join("grading", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("grading", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("grading", "feedback")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_ROOT, "grading", "gradebook.db")
c.CourseDirectory.assignment_id = ""
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".*"]

c.IncludeHeaderFooter.header = ""
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Grading: one cell may run 30 s (an infinite loop is interrupted and graded as failed), the
# kernel gets 60 s to start; a deleted test cell is put back from the gradebook instead of leaving
# the submission "needs manual grading".
c.Execute.timeout = 30
c.Execute.startup_timeout = 60
c.Execute.interrupt_on_timeout = True
c.OverwriteCells.add_missing_cells = True
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
