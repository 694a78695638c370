"""Build simulated student submissions from the source and release notebooks (no hand-made files)."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]


def source_nb(assignment: str):
    return nbformat.read(str(ROOT / "solutions" / assignment / f"{assignment}.ipynb"), as_version=4)


def release_nb(assignment: str):
    return nbformat.read(str(ROOT / "exercises" / assignment / f"{assignment}.ipynb"), as_version=4)


def _strip_markers(source: str) -> str:
    return re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", "", source, flags=re.M)


def solutions_of(assignment: str) -> dict[str, str]:
    """grade_id -> the solution cell's code as a student would type it."""
    return {c.metadata["nbgrader"]["grade_id"]: _strip_markers(c.source)
            for c in source_nb(assignment).cells if c.metadata.get("nbgrader", {}).get("solution")}


def graded_parts(assignment: str) -> dict[str, float]:
    """grade_id of each test cell -> its points."""
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
            for c in source_nb(assignment).cells if c.metadata.get("nbgrader", {}).get("grade")}


def submission(assignment: str, solved: set[str] | None = None, edit=None):
    """The release notebook with the solution cells in ``solved`` filled in (all if None).
    ``edit(nb)`` may change it further (hostile kinds)."""
    nb = copy.deepcopy(release_nb(assignment))
    sols = solutions_of(assignment)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in sols and (solved is None or gid in solved):
            cell.source = sols[gid]
    if edit is not None:
        edit(nb)
    return nb


def add_cell(nb, source: str, after_grade_id: str | None = None, at_end: bool = False):
    cell = nbformat.v4.new_code_cell(source)
    if at_end or after_grade_id is None:
        nb.cells.append(cell)
    else:
        index = next(i for i, c in enumerate(nb.cells)
                     if c.metadata.get("nbgrader", {}).get("grade_id") == after_grade_id)
        nb.cells.insert(index + 1, cell)
    return nb


def write(folder: Path, student: str, nb, name: str | None = None) -> Path:
    path = folder / student / (name or "submission.ipynb")
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def assignments() -> list[str]:
    return sorted(p.name for p in (ROOT / "solutions").iterdir()
                  if p.is_dir() and not p.name.startswith(("_", ".")) and (p / f"{p.name}.ipynb").exists())


# a top-level def, class or assignment: what a solution cell gives the test cells
_DEFINES = re.compile(r"^(?:def|class)\s+(\w+)|^(\w+)\s*=", flags=re.M)


def credited_tests(assignment: str, solved: set[str]) -> set[str]:
    """grade_ids of the test cells whose hidden checks target only names defined in ``solved`` cells."""
    defined = set()
    for c in source_nb(assignment).cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") in solved:
            defined |= {a or b for a, b in _DEFINES.findall(c.source)}
    credited = set()
    for c in source_nb(assignment).cells:
        meta = c.metadata.get("nbgrader", {})
        if meta.get("grade"):
            targets = re.findall(r"verify\([^,]+,[^,]+,\s*(\w+)", c.source)
            if targets and all(t in defined for t in targets):
                credited.add(meta["grade_id"])
    return credited


def partial_points(assignment: str, solved: set[str]) -> float:
    """Points of the test cells whose hidden check targets a name defined in a solved cell."""
    points = graded_parts(assignment)
    return float(sum(points[gid] for gid in credited_tests(assignment, solved)))


def first_code_cell_id(assignment: str) -> str:
    """grade_id of the release's first locked code cell (the imports), to insert cells after it."""
    return next(c.metadata["nbgrader"]["grade_id"] for c in release_nb(assignment).cells
                if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("locked"))
