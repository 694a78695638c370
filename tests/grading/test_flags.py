"""The static scan that flags submissions for the instructor: hostile code is named, honest code is not."""
from __future__ import annotations

import pytest

import submissions as S
from bncourse.grading.flags import scan_notebook, scan_source

HOSTILE = {
    "np.allclose = lambda *a, **k: True": "np.allclose",
    "import numpy as n\nn.testing.assert_allclose = print": "n.testing.assert_allclose",
    "import bnbook.functional as F\nF.batch_norm_forward = None": "bnbook",
    "import sys\nsys.modules['bncourse.grading.verify'] = object()": "sys.modules",
    "def verify(*args):\n    pass": "verify",
    "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)": "set_custom_exc",
    "!rm -rf ../../alice": "shell command",
    "%env LANG=x\nimport os\nos.system('ls')": "os.system",
    "open('../../gradebook.db', 'wb').write(b'')": "writing",
    "import shutil\nshutil.rmtree('/course/grading/submitted')": "rmtree",
    "import builtins\nbuiltins.print = None": "builtins.print",
    "del np.testing": "deletes np.testing",
    "import sys\nsys.path.insert(0, '.')": "sys.path",
}


@pytest.mark.parametrize("source", sorted(HOSTILE))
def test_hostile_code_is_flagged_with_a_reason(source):
    reasons = " ".join(scan_source(source))
    assert HOSTILE[source] in reasons, reasons


@pytest.mark.parametrize("assignment", S.assignments())
def test_the_reference_solutions_are_not_flagged(assignment):
    release = S.release_nb(assignment)
    assert scan_notebook(S.submission(assignment), [c.source for c in release.cells if c.cell_type == "code"]) == []


def test_student_state_on_self_is_fine():
    assert scan_source("class S:\n    def fit(self, X):\n        self.mean_ = X.mean(0)\n        return self") == []
