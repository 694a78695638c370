"""The scripts in solutions/_authoring/ write exactly the committed source notebooks.

Each script is run on a copy of solutions/_authoring/ in a temporary folder (it writes the notebook
next to its own folder), so the repository is never touched; the notebook it writes must equal the
committed one byte for byte. An edit made to only one of the two fails here."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import submissions as S

AUTHORING = S.ROOT / "solutions" / "_authoring"
SCRIPTS = sorted(p for p in AUTHORING.glob("*.py") if p.name != "nbtools.py")


def _assignment(script: Path) -> str:
    return script.stem.replace("_", "-")


def test_every_assignment_has_its_script():
    assert sorted(_assignment(p) for p in SCRIPTS) == S.assignments()


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_script_writes_the_committed_notebook(script, tmp_path):
    copy = tmp_path / "solutions" / "_authoring"
    shutil.copytree(AUTHORING, copy, ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run([sys.executable, str(copy / script.name)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    a = _assignment(script)
    written = tmp_path / "solutions" / a / f"{a}.ipynb"
    committed = S.ROOT / "solutions" / a / f"{a}.ipynb"
    assert written.read_bytes() == committed.read_bytes(), (
        f"solutions/{a}/{a}.ipynb differs from what solutions/_authoring/{script.name} writes: edit the script, "
        f"run `python solutions/_authoring/{script.name}`, then `make release`, and commit all three")
